"""Duplicate rules: normalisers, Block / Warn through the API, other DocTypes, the key table."""

from __future__ import annotations

import json

import pytest

from lowcode.documents.actions import do_delete_doc, do_insert_doc
from lowcode.rules.duplicates import (
    credit_code_valid,
    normalise_company,
    normalise_email,
    normalise_phone,
)
from lowcode.storage.factory import get_model
from lowcode.users import do_create_user

LEADS = "/api/resource/Lead"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("+86 139-1234-5678", "13912345678"),
        ("0086 13912345678", "13912345678"),
        ("013912345678", "13912345678"),
        ("139 1234 5678", "13912345678"),
        ("021-6123 4567", "2161234567"),
    ],
)
def test_phone_numbers_compare_by_their_digits(typed, key):
    assert normalise_phone(typed) == key


def test_emails_compare_without_case_or_spaces():
    assert normalise_email("  Wang.Lei@Example.COM ") == "wang.lei@example.com"


@pytest.mark.parametrize(
    "typed",
    [
        "苏州精工机械有限公司",
        "精工机械（中国）有限公司",
        "江苏省精工机械股份有限公司",
        "上海市精工机械有限责任公司",
        "精工机械集团",
        "精工 机械 公司",
    ],
)
def test_company_names_compare_without_legal_form_region_or_width(typed):
    assert normalise_company(typed) == "精工机械"


def test_different_companies_stay_different():
    assert normalise_company("苏州精工机械有限公司") != normalise_company("苏州精密机械有限公司")
    assert normalise_company("ＡＢＣ科技") == normalise_company("abc科技有限公司")


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91350100M000100Y43", True),
        ("91350100M000100Y44", False),  # wrong check character
        ("91350100M000100Y4", False),  # 17 characters
        ("91350100M000100I43", False),  # I is not in the code's alphabet
    ],
)
def test_unified_social_credit_codes_are_checked_per_gb_32100(code, valid):
    assert credit_code_valid(code) is valid


@pytest.fixture
def lead_rules(make_rule):
    make_rule(
        "Duplicate Rule",
        {
            "title": "手机号查重",
            "document_type": "Lead",
            "action": "Block",
            "fields": [{"fieldname": "mobile_no", "normaliser": "Phone"}],
        },
    )
    make_rule(
        "Duplicate Rule",
        {
            "title": "邮箱提醒",
            "document_type": "Lead",
            "action": "Warn",
            "fields": [{"fieldname": "email_id", "normaliser": "Email"}],
        },
    )
    make_rule(
        "Duplicate Rule",
        {
            "title": "公司已是客户",
            "document_type": "Lead",
            "action": "Block",
            "fields": [
                {
                    "fieldname": "company_name",
                    "normaliser": "Company Name",
                    "other_doctype": "Customer",
                    "other_fieldname": "customer_name",
                }
            ],
        },
    )


def test_block_refuses_a_duplicate_naming_the_field_and_the_existing_record(api, lead_rules):
    rep = api("rep")
    first = rep.post(LEADS, {"lead_name": "王磊", "mobile_no": "13912345678"}).json()["data"]

    # manager reads 苏州组's leads, so the existing one is named
    response = api("manager").post(LEADS, {"lead_name": "王磊2", "mobile_no": "+86 139 1234 5678"})

    assert response.status_code == 417
    body = response.json()
    assert body["exc_type"] == "ValidationError"
    message = json.loads(json.loads(body["_server_messages"])[0])["message"]
    assert first["name"] in message and "手机" in message
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("mobile_no", "duplicate")]
    assert get_model("Lead").objects.count() == 1


def test_a_duplicate_the_user_may_not_read_names_only_its_owner(api, users, lead_rules):
    # given: rep's lead; rep2 (same team, own scope) may not read it
    do_create_user("rep", full_name="任小鹏")
    first = api("rep").post(
        LEADS, {"lead_name": "秘密客户", "mobile_no": "13912345678", "company_name": "保密公司"}
    )
    assert first.status_code == 200, first.content
    lead = first.json()["data"]

    # when: rep2 tries the same number
    response = api("rep2").post(LEADS, {"lead_name": "试探", "mobile_no": "13912345678"})

    # then: refused; rep2 learns that a duplicate exists and whom to ask, nothing else
    assert response.status_code == 417
    body = response.content.decode()
    assert "任小鹏" in body and "手机" in body
    for secret in (lead["name"], "秘密客户", "保密公司"):
        assert secret not in body
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [
        ("mobile_no", "duplicate")
    ]
    assert get_model("Lead").objects.count() == 1


def test_warn_saves_and_returns_the_warning(api, lead_rules):
    rep = api("rep")
    first = rep.post(LEADS, {"lead_name": "李娜", "email_id": "li.na@example.com"}).json()["data"]

    response = rep.post(LEADS, {"lead_name": "李娜", "email_id": "LI.NA@example.com "})

    assert response.status_code == 200, response.content
    messages = [json.loads(m)["message"] for m in json.loads(response.json()["_server_messages"])]
    assert len(messages) == 1 and first["name"] in messages[0]
    assert get_model("Lead").objects.count() == 2
    clean = rep.post(LEADS, {"lead_name": "别人", "email_id": "other@example.com"}).json()
    assert "_server_messages" not in clean


def test_a_lead_is_checked_against_customers_too(api, users, lead_rules):
    customer = do_insert_doc("rep", "Customer", {"customer_name": "上海精工机械有限公司"})

    response = api("rep").post(LEADS, {"lead_name": "张伟", "company_name": "精工机械（中国）"})

    assert response.status_code == 417
    assert customer.name in response.json()["_server_messages"]


def test_a_lead_linked_to_the_customer_is_not_its_duplicate(api, users, lead_rules):
    # given: rep's customer made from a lead (conversion links the lead to it)
    customer = do_insert_doc("rep", "Customer", {"customer_name": "昆山恒远精密有限公司"})

    # when: a lead naming that customer's company does not link to it, another one does
    unlinked = api("rep").post(LEADS, {"lead_name": "陈刚", "company_name": "昆山恒远精密"})
    linked = api("rep").post(
        LEADS, {"lead_name": "陈刚", "company_name": "昆山恒远精密", "customer": customer.name}
    )

    # then: only the unlinked lead is a duplicate of the customer
    assert linked.status_code == 200, linked.content
    assert unlinked.status_code == 417
    assert customer.name in unlinked.json()["_server_messages"]


def test_saving_a_document_again_does_not_clash_with_itself(api, lead_rules):
    rep = api("rep")
    lead = rep.post(LEADS, {"lead_name": "周杰", "mobile_no": "13800001111"}).json()["data"]

    response = rep.put(f"{LEADS}/{lead['name']}", {"designation": "采购经理"})

    assert response.status_code == 200, response.content


def test_keys_follow_changes_and_deletion(api, lead_rules):
    rep = api("rep")
    lead = rep.post(LEADS, {"lead_name": "吴敏", "mobile_no": "13700002222"}).json()["data"]
    rep.put(f"{LEADS}/{lead['name']}", {"mobile_no": "13700003333"})

    # The old number is free again; the new one is taken.
    assert rep.post(LEADS, {"lead_name": "甲", "mobile_no": "13700002222"}).status_code == 200
    assert rep.post(LEADS, {"lead_name": "乙", "mobile_no": "13700003333"}).status_code == 417

    do_delete_doc("Administrator", "Lead", lead["name"])
    assert rep.post(LEADS, {"lead_name": "丙", "mobile_no": "13700003333"}).status_code == 200
    keys = get_model("Duplicate Key").objects.filter(reference_name=lead["name"])
    assert not keys.exists()


def test_an_invalid_credit_code_is_refused(api, make_rule):
    make_rule(
        "Duplicate Rule",
        {
            "title": "信用代码",
            "document_type": "Customer",
            "fields": [{"fieldname": "tax_id", "normaliser": "Credit Code"}],
        },
    )
    admin = api("Administrator")

    bad = admin.post(
        "/api/resource/Customer", {"customer_name": "甲", "tax_id": "91350100M000100Y44"}
    )
    good = admin.post(
        "/api/resource/Customer", {"customer_name": "乙", "tax_id": "91350100m000100y43"}
    )
    again = admin.post(
        "/api/resource/Customer", {"customer_name": "丙", "tax_id": "91350100M000100Y43"}
    )

    assert bad.status_code == 417
    assert [(e["field"], e["rule"]) for e in bad.json()["errors"]] == [("tax_id", "credit_code")]
    assert good.status_code == 200, good.content
    assert again.status_code == 417


def test_a_new_rule_indexes_existing_documents(users, make_rule, inline_jobs):
    old = do_insert_doc("rep", "Lead", {"lead_name": "老", "mobile_no": "13600004444"})
    with inline_jobs(execute=True):
        make_rule(
            "Duplicate Rule",
            {
                "title": "手机号",
                "document_type": "Lead",
                "fields": [{"fieldname": "mobile_no", "normaliser": "Phone"}],
            },
        )

    from lowcode.exceptions import ValidationError

    with pytest.raises(ValidationError, match=old.name):
        do_insert_doc("manager", "Lead", {"lead_name": "新", "mobile_no": "136 0000 4444"})


def test_rebuilding_keys_in_chunks_indexes_each_document_once(users, make_rule, monkeypatch):
    from lowcode.rules import duplicates
    from lowcode.storage.factory import get_model

    leads = [
        do_insert_doc("rep", "Lead", {"lead_name": f"客户{i}", "mobile_no": f"1360000{i:04d}"})
        for i in range(5)
    ]
    make_rule(
        "Duplicate Rule",
        {
            "title": "手机号",
            "document_type": "Lead",
            "fields": [{"fieldname": "mobile_no", "normaliser": "Phone"}],
        },
    )
    monkeypatch.setattr(duplicates, "REBUILD_CHUNK", 2)  # 5 documents: chunks of 2, 2 and 1
    Key = get_model("Duplicate Key")
    Key.objects.filter(reference_doctype="Lead").delete()

    assert duplicates.rebuild_keys("Lead") == 5
    assert duplicates.rebuild_keys("Lead") == 5  # again: replaced, not doubled

    stored = sorted(
        Key.objects.filter(reference_doctype="Lead").values_list("reference_name", "key")
    )
    assert stored == sorted((lead.name, f"Phone|1360000{i:04d}") for i, lead in enumerate(leads))


@pytest.mark.django_db(transaction=True)
def test_enabling_a_rule_again_reindexes_existing_documents(users, make_rule):
    # each save commits, so its jobs run (inline) as they would on a live site
    from lowcode.documents.actions import do_save_doc
    from lowcode.storage.factory import get_model

    lead = do_insert_doc("rep", "Lead", {"lead_name": "老客户", "email_id": "Old@Example.cn"})
    rule = make_rule(
        "Duplicate Rule",
        {
            "title": "邮箱",
            "document_type": "Lead",
            "fields": [{"fieldname": "email_id", "normaliser": "Email"}],
        },
    )
    keys = get_model("Duplicate Key").objects.filter(reference_name=lead.name)
    assert list(keys.values_list("key", flat=True)) == ["Email|old@example.cn"]
    keys.delete()
    # while disabled the rule keeps no keys
    do_save_doc("Administrator", "Duplicate Rule", rule["name"], {"enabled": 0})
    assert not keys.exists()
    # when enabled again, existing documents are indexed again
    do_save_doc("Administrator", "Duplicate Rule", rule["name"], {"enabled": 1})
    assert list(keys.values_list("key", flat=True)) == ["Email|old@example.cn"]


def test_rebuilding_replaces_stale_keys_and_keeps_current_ones(users, make_rule):
    from lowcode.rules import duplicates
    from lowcode.storage.factory import get_model

    make_rule(
        "Duplicate Rule",
        {
            "title": "手机号",
            "document_type": "Lead",
            "fields": [{"fieldname": "mobile_no", "normaliser": "Phone"}],
        },
    )
    kept = do_insert_doc("rep", "Lead", {"lead_name": "甲", "mobile_no": "13600001111"})
    moved = do_insert_doc("rep", "Lead", {"lead_name": "乙", "mobile_no": "13600002222"})
    Key = get_model("Duplicate Key")
    kept_key = Key.objects.get(reference_name=kept.name).name
    # a change written behind the hooks' back (a bulk SQL fix, say) leaves a stale key
    get_model("Lead").objects.filter(name=moved.name).update(mobile_no="13600003333")

    duplicates.rebuild_keys("Lead")

    assert list(Key.objects.filter(reference_name=moved.name).values_list("key", flat=True)) == [
        "Phone|13600003333"
    ]
    assert Key.objects.get(reference_name=kept.name).name == kept_key  # untouched, not rewritten


@pytest.mark.django_db
def test_a_documents_keys_are_found_by_document_not_by_scanning_the_doctype():
    # Every save of an existing document reads its keys; with millions of keys a plan that
    # walks the (doctype, key, …) index instead costs a full scan per save.
    from django.db import connection

    from lowcode.storage.factory import get_model

    if connection.vendor != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN wording is SQLite's; MariaDB plans from statistics")
    keys = get_model("Duplicate Key").objects.filter(
        reference_doctype="Lead", reference_name="LEAD-2026-0000001"
    )
    sql, params = keys.values_list("fieldname", "key").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "reference_doctype=? AND reference_name=?" in plan, plan
