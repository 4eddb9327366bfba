"""Follow-up Record (跟进记录) through the HTTP API: links, counters, probability, the plan task."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kuaicrm.doctype.opportunity.opportunity import refresh_open_probabilities
from lowcode.documents.actions import do_insert_doc
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model

RECORDS = "/api/resource/Follow-up Record"
TASKS = "/api/resource/Follow-up Task"


@pytest.fixture
def customer(users):
    return do_insert_doc("rep", "Customer", {"customer_name": "无锡宏达压缩机"}).name


@pytest.fixture
def opportunity(customer):
    return do_insert_doc(
        "rep",
        "Opportunity",
        {
            "opportunity_name": "螺杆空压机更新",
            "customer": customer,
            "amount": 300000,
            "expected_close_date": "2026-11-30",
        },
    ).name


def log(client, **values):
    response = client.post(RECORDS, {"followup_method": "Phone", "content": "电话沟通", **values})
    assert response.status_code == 200, response.content
    return response.json()["data"]


def stamp(when: dt.datetime) -> str:
    return to_json(when)


def errors_of(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json().get("errors", [])}


def test_a_record_must_be_about_a_lead_a_customer_or_an_opportunity(api, users):
    response = api("rep").post(RECORDS, {"followup_method": "Phone", "content": "无对象"})

    assert response.status_code == 417
    errors = errors_of(response)
    assert set(errors) == {"lead", "customer", "opportunity"}
    assert errors["lead"] == "跟进记录须关联线索、客户或商机之一"


def test_the_customer_is_taken_from_the_opportunity_or_the_lead(api, customer, opportunity):
    rep = api("rep")
    lead = do_insert_doc("rep", "Lead", {"lead_name": "赵强", "customer": customer}).name

    assert log(rep, opportunity=opportunity)["customer"] == customer
    assert log(rep, lead=lead)["customer"] == customer


def test_a_lead_counts_its_follow_ups_and_its_first_contact(api, users):
    rep = api("rep")
    lead = do_insert_doc("rep", "Lead", {"lead_name": "王磊", "company_name": "苏州精工"})
    first = timezone.now() - dt.timedelta(hours=3)

    log(rep, lead=lead.name, followed_up_on=stamp(first), next_followup_on="2026-12-20")
    later = timezone.now() - dt.timedelta(hours=1)
    log(rep, lead=lead.name, followed_up_on=stamp(later), next_followup_on="2026-12-24")

    saved = rep.get(f"/api/resource/Lead/{lead.name}").json()["data"]
    assert saved["followup_count"] == 2
    assert saved["last_followup_on"] == stamp(later)
    assert saved["next_followup_on"] == "2026-12-24"
    assert saved["first_contacted_on"] == stamp(first)
    assert saved["first_contact_status"] == "On Time"


def test_a_first_contact_after_the_deadline_is_overdue(api, users):
    rep = api("rep")
    due = timezone.now() - dt.timedelta(hours=2)
    lead = do_insert_doc("rep", "Lead", {"lead_name": "李娜", "first_contact_due": due}).name

    log(rep, lead=lead)

    assert get_model("Lead").objects.get(name=lead).first_contact_status == "Overdue"


def test_a_lead_alerted_as_overdue_stays_overdue_whatever_date_the_record_gives(api, users):
    # given: the hourly job alerted the supervisor (the lead is marked Overdue)
    rep = api("rep")
    due = timezone.now() - dt.timedelta(hours=2)
    lead = do_insert_doc("rep", "Lead", {"lead_name": "赵敏", "first_contact_due": due}).name
    get_model("Lead").objects.filter(name=lead).update(first_contact_status="Overdue")

    # when: the rep logs a call dated before the deadline, after the alert
    log(rep, lead=lead, followed_up_on=stamp(due - dt.timedelta(hours=1)))

    # then: the same rule as a workflow "Make Contact": an alerted lead was not on time
    saved = get_model("Lead").objects.get(name=lead)
    assert saved.first_contacted_on == due - dt.timedelta(hours=1)
    assert saved.first_contact_status == "Overdue"


def test_the_customer_remembers_its_last_follow_up(api, customer):
    rep = api("rep")
    recent = timezone.now() - dt.timedelta(days=1)
    older = timezone.now() - dt.timedelta(days=5)

    log(rep, customer=customer, followed_up_on=stamp(recent))
    log(rep, customer=customer, followed_up_on=stamp(older))  # an older note logged later

    saved = rep.get(f"/api/resource/Customer/{customer}").json()["data"]
    assert saved["last_followup_on"] == stamp(recent)


def test_follow_ups_raise_the_opportunity_probability(api, opportunity):
    rep = api("rep")
    path = f"/api/resource/Opportunity/{opportunity}"
    assert rep.get(path).json()["data"]["probability"] == 10

    log(rep, opportunity=opportunity)
    after_one = rep.get(path).json()["data"]
    log(rep, opportunity=opportunity)
    log(rep, opportunity=opportunity, followup_method="Visit", content="上门拜访")
    after_three = rep.get(path).json()["data"]

    # a recent interaction: +5; three follow-ups: +5 more
    assert (after_one["followup_count"], after_one["probability"]) == (1, 15)
    assert (after_three["followup_count"], after_three["probability"]) == (3, 20)
    assert after_three["weighted_amount"] == 60000
    assert after_three["last_interaction_on"] is not None


def test_a_silent_opportunity_loses_probability_with_the_daily_refresh(api, opportunity):
    rep = api("rep")
    log(rep, opportunity=opportunity)
    Record, Opportunity = get_model("Follow-up Record"), get_model("Opportunity")

    def days_pass(days: int) -> None:
        """Move every stored moment ``days`` back, as if that much time had passed."""
        ago = timezone.now() - dt.timedelta(days=days)
        Record.objects.filter(opportunity=opportunity).update(followed_up_on=ago)
        Opportunity.objects.filter(name=opportunity).update(
            last_interaction_on=ago, creation=ago - dt.timedelta(days=1)
        )

    # given: the only contact was 20 days ago (no bonus any more), then 40 days ago
    days_pass(20)
    assert refresh_open_probabilities() == 1
    assert Opportunity.objects.get(name=opportunity).probability == 10
    days_pass(40)

    assert refresh_open_probabilities() == 1
    saved = rep.get(f"/api/resource/Opportunity/{opportunity}").json()["data"]
    # 10 - 10 for 30+ silent days, held at the open floor: an open deal is never given up
    assert saved["probability"] == 5
    assert saved["weighted_amount"] == saved["amount"] * 5 / 100
    assert refresh_open_probabilities() == 0  # nothing drifted since


def test_a_next_follow_up_date_plans_a_task_for_the_records_owner(api, customer, opportunity):
    rep = api("rep")

    record = log(
        rep,
        opportunity=opportunity,
        followup_method="WeChat",
        next_step="发送报价单\n附技术参数表",
        next_followup_on="2026-12-18",
    )

    task_name = record["follow_up_task"]
    assert task_name
    task = rep.get(f"{TASKS}/{task_name}").json()["data"]
    assert (task["subject"], task["description"]) == ("发送报价单", "发送报价单\n附技术参数表")
    assert (task["due_date"], task["assigned_to"], task["status"]) == ("2026-12-18", "rep", "Open")
    assert (task["opportunity"], task["customer"]) == (opportunity, customer)
    assert task["followup_method"] == "WeChat"

    # moving the date moves the still-open task; no second task is made
    rep.put(f"{RECORDS}/{record['name']}", {"next_followup_on": "2026-12-21"})
    assert rep.get(f"{TASKS}/{task_name}").json()["data"]["due_date"] == "2026-12-21"
    assert get_model("Follow-up Task").objects.filter(opportunity=opportunity).count() == 1


def test_a_record_without_a_next_date_plans_nothing_and_the_link_cannot_be_forged(api, customer):
    rep = api("rep")
    other = do_insert_doc(
        "rep", "Follow-up Task", {"subject": "别的任务", "assigned_to": "rep"}
    ).name

    record = log(rep, customer=customer, follow_up_task=other)

    assert record["follow_up_task"] is None
    assert get_model("Follow-up Task").objects.count() == 1


def test_deleting_a_record_recounts(api, customer, opportunity):
    rep = api("rep")
    lead = do_insert_doc("rep", "Lead", {"lead_name": "王磊", "customer": customer}).name
    early = timezone.now() - dt.timedelta(days=2)
    log(rep, lead=lead, opportunity=opportunity, followed_up_on=stamp(early))
    latest = log(rep, lead=lead, opportunity=opportunity)
    assert get_model("Opportunity").objects.get(name=opportunity).followup_count == 2

    # when: the manager deletes the latest record
    response = api("manager").delete(f"{RECORDS}/{latest['name']}")

    # then
    assert response.status_code == 202, response.content
    saved_lead = get_model("Lead").objects.get(name=lead)
    assert (saved_lead.followup_count, saved_lead.last_followup_on) == (1, early)
    saved_opp = get_model("Opportunity").objects.get(name=opportunity)
    assert (saved_opp.followup_count, saved_opp.last_interaction_on) == (1, early)
    assert saved_opp.probability == 15
    assert get_model("Customer").objects.get(name=customer).last_followup_on == early


def test_a_rep_cannot_log_follow_ups_on_someone_elses_lead(api, users):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "王磊"}).name

    response = api("rep2").post(
        RECORDS, {"followup_method": "Phone", "content": "抢线索", "lead": lead}
    )

    assert response.status_code == 417
    assert errors_of(response)["lead"] == f"线索：线索 {lead} 不存在"
    assert get_model("Lead").objects.get(name=lead).followup_count == 0
