"""Lead (线索): first-contact deadline, contact normalisation, overdue count, permissions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kuaicrm.tasks import check_first_contact
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.storage.factory import get_model

LEADS = "/api/resource/Lead"


def test_a_new_lead_must_be_contacted_within_24_hours(users):
    before = timezone.now()

    lead = do_insert_doc("rep", "Lead", {"lead_name": "王磊", "company_name": "苏州精工"})

    due = lead.first_contact_due
    assert before + dt.timedelta(hours=24) <= due <= timezone.now() + dt.timedelta(hours=24)
    assert lead.name.startswith(f"LEAD-{timezone.localdate():%Y}-")


def test_an_explicit_first_contact_deadline_is_kept(users):
    chosen = timezone.now() + dt.timedelta(hours=2)

    lead = do_insert_doc("rep", "Lead", {"lead_name": "王磊", "first_contact_due": chosen})

    assert lead.first_contact_due == chosen


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("139 1234 5678", "13912345678"),
        ("+86 139-1234-5678", "13912345678"),
        ("0086 13912345678", "13912345678"),
        ("+852 5123 4567", "+85251234567"),
    ],
)
def test_mobile_numbers_are_stored_in_one_format(users, typed, stored):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "李娜", "mobile_no": typed})

    assert get_model("Lead").objects.get(name=lead.name).mobile_no == stored


def test_emails_are_stored_lower_case_on_save_too(users):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "李娜", "email_id": "Li.Na@Example.CN"})
    assert lead.email_id == "li.na@example.cn"

    saved = do_save_doc("rep", "Lead", lead.name, {"email_id": "BOSS@Example.cn"})

    assert saved.email_id == "boss@example.cn"


def test_only_open_leads_never_contacted_are_flagged_overdue(users):
    past = timezone.now() - dt.timedelta(hours=1)
    overdue = do_insert_doc("rep", "Lead", {"lead_name": "甲", "first_contact_due": past}).name
    do_insert_doc(
        "rep", "Lead", {"lead_name": "乙", "first_contact_due": past, "first_contacted_on": past}
    )
    do_insert_doc(
        "rep",
        "Lead",
        {
            "lead_name": "丁",
            "first_contact_due": past,
            "status": "Invalid",
            "close_reason": "Duplicate",
        },
    )
    do_insert_doc("rep", "Lead", {"lead_name": "丙"})

    assert check_first_contact() == (0, 1)
    flagged = get_model("Lead").objects.filter(first_contact_status="Overdue")
    assert list(flagged.values_list("name", flat=True)) == [overdue]


def test_a_sales_user_sees_own_leads_and_the_manager_sees_the_department(users, api):
    mine = do_insert_doc("rep", "Lead", {"lead_name": "本人线索"}).name
    colleague = do_insert_doc("rep2", "Lead", {"lead_name": "同组线索"}).name
    elsewhere = do_insert_doc("south", "Lead", {"lead_name": "华南线索"}).name

    def visible(user: str) -> set[str]:
        rows = api(user).get(LEADS, {"limit_page_length": 100}).json()["data"]
        return {row["name"] for row in rows}

    assert visible("rep") == {mine}
    assert visible("manager") == {mine, colleague}
    assert visible("south_manager") == {elsewhere}


def test_internal_rating_is_for_managers_only(users, api):
    name = do_insert_doc("rep", "Lead", {"lead_name": "评级"}).name
    api("manager").put(f"{LEADS}/{name}", {"internal_rating": "Hot"})

    assert "internal_rating" not in api("rep").get(f"{LEADS}/{name}").json()["data"]
    assert api("manager").get(f"{LEADS}/{name}").json()["data"]["internal_rating"] == "Hot"
    refused = api("rep").put(f"{LEADS}/{name}", {"internal_rating": "Cold"})
    assert refused.status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "size", "priority"),
    [("Referral", "5000+", "High"), ("Referral", "1-49", "Medium"), ("Website", "1-49", "Low")],
)
def test_priority_follows_the_score_bands(users, source, size, priority):
    do_insert_doc(
        "Administrator",
        "Scoring Rule",
        {
            "title": "线索评分",
            "document_type": "Lead",
            "score_field": "score",
            "criteria": [
                {"fieldname": "source", "operator": "=", "value": "Referral", "points": 35},
                {"fieldname": "company_size", "operator": "=", "value": "5000+", "points": 30},
            ],
        },
    )

    lead = do_insert_doc(
        "rep", "Lead", {"lead_name": "王磊", "source": source, "company_size": size}
    )

    assert lead.priority == priority
    assert get_model("Lead").objects.get(name=lead.name).priority == priority
