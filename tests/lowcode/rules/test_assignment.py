"""Assignment rules: round robin, load balancing, territory, skill, conditions and priority."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, close_old_connections

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.models import Assignment
from lowcode.storage.factory import get_model

LEADS = "/api/resource/Lead"


def assignee(doctype: str, name: str) -> list[str]:
    return list(
        Assignment.objects.filter(ref_doctype=doctype, docname=name).values_list("user", flat=True)
    )


def rule(make_rule, strategy: str, pool: list[dict], **extra) -> dict:
    return make_rule(
        "Assignment Rule",
        {"title": strategy, "document_type": "Lead", "strategy": strategy, "users": pool, **extra},
    )


def test_round_robin_cycles_through_the_pool_and_skips_inactive_users(api, make_rule):
    created = rule(make_rule, "Round Robin", [{"user": "rep"}, {"user": "rep2"}, {"user": "south"}])
    get_user_model().objects.filter(username="south").update(is_active=False)
    admin = api("Administrator")

    names = [admin.post(LEADS, {"lead_name": f"线索{i}"}).json()["data"]["name"] for i in range(4)]

    assert [assignee("Lead", n) for n in names] == [["rep"], ["rep2"], ["rep"], ["rep2"]]
    stored = get_model("Assignment Rule").objects.get(name=created["name"])
    assert stored.last_user == "rep2"
    # The assignee sees the lead under the "own" scope; the owner is still the creator.
    lead = api("rep").get(f"{LEADS}/{names[0]}")
    assert lead.status_code == 200 and lead.json()["data"]["owner"] == "Administrator"
    assert api("rep2").get(f"{LEADS}/{names[0]}").status_code == 404


def test_the_round_robin_pointer_is_persisted(users, make_rule):
    created = rule(make_rule, "Round Robin", [{"user": "rep"}, {"user": "rep2"}])
    get_model("Assignment Rule").objects.filter(name=created["name"]).update(last_user="rep")

    lead = do_insert_doc("Administrator", "Lead", {"lead_name": "重启之后"})

    assert assignee("Lead", lead.name) == ["rep2"]


def test_load_balancing_picks_the_user_with_fewest_open_items(users, make_rule, inline_jobs):
    for i in range(2):
        lead = do_insert_doc("Administrator", "Lead", {"lead_name": f"旧{i}"})
        Assignment.objects.create(ref_doctype="Lead", docname=lead.name, user="rep")
    closed = do_insert_doc("Administrator", "Lead", {"lead_name": "已关闭", "status": "Closed"})
    Assignment.objects.create(ref_doctype="Lead", docname=closed.name, user="rep2")
    opened = do_insert_doc("Administrator", "Lead", {"lead_name": "开放"})
    Assignment.objects.create(ref_doctype="Lead", docname=opened.name, user="rep2")
    # a new rule recomputes which existing assignments are open (a job, run at commit)
    with inline_jobs(execute=True):
        rule(
            make_rule,
            "Load Balancing",
            [{"user": "rep"}, {"user": "rep2"}],
            status_field="status",
            open_values="Open,Contacted",
        )
    assert not Assignment.objects.get(docname=closed.name).is_open

    first = do_insert_doc("Administrator", "Lead", {"lead_name": "新1"})
    second = do_insert_doc("Administrator", "Lead", {"lead_name": "新2"})
    do_save_doc("Administrator", "Lead", opened.name, {"status": "Closed"})
    third = do_insert_doc("Administrator", "Lead", {"lead_name": "新3"})

    # rep2 has 1 open (the closed one does not count) vs rep's 2 → rep2, then tie → rep
    # (pool order); closing rep2's lead leaves rep2 with 1 vs rep's 3.
    assert assignee("Lead", first.name) == ["rep2"]
    assert assignee("Lead", second.name) == ["rep"]
    assert assignee("Lead", third.name) == ["rep2"]


def test_territory_matches_the_document_field(users, make_rule):
    rule(
        make_rule,
        "Territory",
        [{"user": "rep", "territory": "华东"}, {"user": "south", "territory": "华南"}],
        match_field="territory",
    )

    east = do_insert_doc("Administrator", "Lead", {"lead_name": "东", "territory": "华东"})
    south = do_insert_doc("Administrator", "Lead", {"lead_name": "南", "territory": "华南"})
    nowhere = do_insert_doc("Administrator", "Lead", {"lead_name": "北", "territory": "华北"})

    assert assignee("Lead", east.name) == ["rep"]
    assert assignee("Lead", south.name) == ["south"]
    assert assignee("Lead", nowhere.name) == []


def test_skill_matches_the_users_skill_list_and_priority_decides(users, make_rule):
    rule(
        make_rule,
        "Skill",
        [{"user": "rep", "skills": "Chemicals, Energy"}, {"user": "rep2", "skills": "Automotive"}],
        match_field="industry",
        priority=10,
    )
    rule(make_rule, "Round Robin", [{"user": "manager"}], priority=1)

    car = do_insert_doc("Administrator", "Lead", {"lead_name": "车", "industry": "Automotive"})
    oil = do_insert_doc("Administrator", "Lead", {"lead_name": "油", "industry": "Energy"})
    food = do_insert_doc(
        "Administrator", "Lead", {"lead_name": "食", "industry": "Food and Beverage"}
    )

    assert assignee("Lead", car.name) == ["rep2"]
    assert assignee("Lead", oil.name) == ["rep"]
    assert assignee("Lead", food.name) == ["manager"]  # no skill match: the next rule applies


def test_a_condition_limits_the_rule(users, make_rule):
    rule(make_rule, "Round Robin", [{"user": "rep"}], condition="doc.source == 'Referral'")

    referral = do_insert_doc("Administrator", "Lead", {"lead_name": "甲", "source": "Referral"})
    website = do_insert_doc("Administrator", "Lead", {"lead_name": "乙", "source": "Website"})

    assert assignee("Lead", referral.name) == ["rep"]
    assert assignee("Lead", website.name) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_inserts_share_the_round_robin_fairly(users, make_rule):
    rule(make_rule, "Round Robin", [{"user": "rep"}, {"user": "rep2"}])
    errors: list[BaseException] = []

    def insert_once(title: str) -> None:
        # In-memory SQLite answers "table is locked" instead of waiting (see
        # test_concurrent_inserts_take_distinct_numbers); one insert is one transaction.
        for _attempt in range(200):
            try:
                do_insert_doc("Administrator", "Lead", {"lead_name": title})
                return
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                time.sleep(0.01)
        raise AssertionError("database stayed locked")

    def insert(i: int) -> None:
        try:
            for j in range(3):
                insert_once(f"并发{i}-{j}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=insert, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    users_assigned = list(
        Assignment.objects.filter(ref_doctype="Lead").values_list("user", flat=True)
    )
    assert sorted(users_assigned) == ["rep"] * 3 + ["rep2"] * 3


def test_an_assignment_closes_and_reopens_with_its_documents_status(users, make_rule):
    rule(make_rule, "Load Balancing", [{"user": "rep"}], open_values="Open,Contacted")
    lead = do_insert_doc("Administrator", "Lead", {"lead_name": "跟进中"})

    def flags() -> list[bool]:
        return list(Assignment.objects.filter(docname=lead.name).values_list("is_open", flat=True))

    assert flags() == [True]
    do_save_doc("Administrator", "Lead", lead.name, {"status": "Closed"})
    assert flags() == [False]
    do_save_doc("Administrator", "Lead", lead.name, {"notes": "仍关闭"})
    assert flags() == [False]
    do_save_doc("Administrator", "Lead", lead.name, {"status": "Contacted"})
    assert flags() == [True]
