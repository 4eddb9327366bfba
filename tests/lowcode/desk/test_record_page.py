"""A record read first on a phone and owner fields that default to me (issue 17, items 4 and 9).

A saved record whose DocType marks ``in_preview`` fields opens as a summary card (its fields,
the phone as a tel: link, the owner by name, 编辑) above its actions, the form behind 编辑;
rarely used sections (Section Break ``collapsible``) start folded unless they hold an error;
owner-type fields (``default: "__user"``) name the person filling in a new form.
"""

from __future__ import annotations

import re

import pytest

from lowcode import context
from lowcode.desk.lib import layout
from lowcode.desk.templatetags.record import holds_error
from lowcode.documents.actions import do_insert_doc
from lowcode.meta.registry import get_meta
from lowcode.users import do_create_user

pytestmark = pytest.mark.django_db
REP_NAME = "李娜"


@pytest.fixture
def rep_named(users):
    do_create_user("rep", full_name=REP_NAME, department="苏州组")
    context.reset()
    return "rep"


def _summary(page: str) -> str:
    match = re.search(r'<section class="card record-summary".*?</section>', page, re.S)
    assert match, "no summary card"
    return match.group(0)


def test_a_lead_opens_as_a_summary_card_with_its_phone_owner_and_edit(rep_named, desk):
    # given
    lead = do_insert_doc(
        "rep",
        "Lead",
        {"lead_name": "王先生", "company_name": "苏州华瑞机械", "mobile_no": "13800138000",
         "expected_amount": 300000},
    )  # fmt: skip

    # when
    page = desk("rep").get(f"/app/lead/{lead.name}").content.decode()

    # then: read first, the form behind 编辑
    assert 'class="doc-form reading"' in page
    card = _summary(page)
    fields = re.findall(r'<div class="summary-row" data-field="([a-z_]+)"', card)
    assert fields == ["company_name", "mobile_no", "priority", "expected_amount",
                      "next_followup_on", "owner"]  # fmt: skip
    assert 'href="tel:+8613800138000"' in card
    assert f">{REP_NAME}<" in card and ">rep<" not in card
    assert 'id="record-edit"' in card and ">编辑<" in card


def test_a_post_that_failed_shows_the_form_at_once(rep_named, desk):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "王先生"})
    client = desk("rep")
    page = client.get(f"/app/lead/{lead.name}").content.decode()
    modified = re.search(r'name="modified" value="([^"]+)"', page).group(1)

    # when: a save refused (the contact name is required)
    response = client.post(f"/app/lead/{lead.name}", {"modified": modified, "lead_name": ""})

    # then
    body = response.content.decode()
    assert 'id="form-errors"' in body
    assert "record-summary" not in body and 'class="doc-form"' in body


def test_a_doctype_without_preview_fields_opens_its_form(rep_named, desk):
    dept = desk("Administrator").get("/app/department/苏州组").content.decode()
    assert "record-summary" not in dept and 'class="doc-form"' in dept


def test_rarely_used_sections_start_folded_unless_they_hold_an_error(rep_named, desk):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "王先生"})
    page = desk("rep").get(f"/app/lead/{lead.name}").content.decode()
    folded = re.search(
        r'data-field="section_conversion"[^>]*>\s*<details class="section-fold"\s*>', page
    )
    assert folded, "the conversion section is not folded"
    assert (
        '<details class="section-fold"'
        not in page.split('data-field="section_qualification"')[1].split("</section>")[0]
    )
    [section] = [
        s for tab in layout.form_layout(get_meta("Lead"), frozenset({0})) for s in tab.sections
        if s.fieldname == "section_conversion"
    ]  # fmt: skip
    assert section.collapsible
    assert holds_error(section, {"notes": ["x"]}) and not holds_error(section, {"lead_name": ["x"]})


@pytest.mark.parametrize(
    ("slug", "fieldname"),
    [
        ("opportunity", "sales_owner"),
        ("quotation", "sales_owner"),
        ("follow-up-task", "assigned_to"),
    ],
)
def test_owner_fields_name_me_on_a_new_form(rep_named, desk, slug, fieldname):
    page = desk("rep").get(f"/app/{slug}/new").content.decode()

    field = re.search(rf'<input id="in-{fieldname}" name="{fieldname}" value="([^"]*)"', page)
    assert field and field.group(1) == "rep"
    title = re.search(rf'<span class="link-title" id="lt-{fieldname}"[^>]*>([^<]*)<', page)
    assert title and title.group(1) == REP_NAME


def test_an_owner_field_left_out_of_an_insert_is_the_inserting_user(rep_named):
    task = do_insert_doc("rep", "Follow-up Task", {"subject": "回访", "due_date": "2026-12-08"})
    assert task.assigned_to == "rep"


def test_a_reader_who_may_not_edit_still_opens_the_whole_record(rep_named, desk):
    # given: a customer finance may read but not edit
    from tests.conftest import PASSWORD, new_graded_customer

    do_create_user(
        "fin", PASSWORD, roles=["Finance User"], department="销售中心", full_name="王会计"
    )
    context.reset()
    customer = new_graded_customer("rep", {"customer_name": "苏州华瑞机械", "customer_level": "A"})

    # when
    page = desk("fin").get(f"/app/customer/{customer.name}").content.decode()

    # then: read first too, and the card still opens the whole record (no 编辑: 查看全部)
    assert 'class="doc-form reading"' in page
    card = _summary(page)
    assert 'id="record-edit"' in card and ">查看全部<" in card and ">编辑<" not in card
