"""Names instead of codes on a record's page (issue 17, item 4): 李娜, not rep; 苏州华瑞机械,
not CUST-00001 — in child rows' Link cells, the timeline's changes and assignments."""

from __future__ import annotations

import re

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.users import do_create_user

pytestmark = pytest.mark.django_db
REP_NAME = "李娜"


@pytest.fixture
def rep_named(users):
    do_create_user("rep", full_name=REP_NAME, department="苏州组")
    context.reset()
    return "rep"


def test_a_child_rows_link_to_a_user_shows_the_users_name(rep_named, desk):
    # given: a visit whose issue is assigned to the rep
    customer = do_insert_doc("rep", "Customer", {"customer_name": "苏州华瑞机械"}).name
    visit = do_insert_doc(
        "rep",
        "Customer Visit",
        {
            "visit_title": "拜访华瑞",
            "customer": customer,
            "visit_date": "2026-12-08",
            "has_issue": 1,
            "issues": [{"issue": "主轴异响", "assigned_to": "rep", "due_date": "2026-12-10"}],
        },
    ).name

    # when
    page = desk("rep").get(f"/app/customer-visit/{visit}").content.decode()

    # then: the cell keeps posting the user name and shows the person
    cell = re.search(
        r'<td class="cell-link[^"]*"[^>]*data-col="assigned_to">(.*?)</td>', page, re.S
    )
    assert cell, "no assigned_to cell"
    assert 'name="issues.0.assigned_to" ' in cell.group(1) and 'value="rep"' in cell.group(1)
    assert re.search(rf'<span class="cell-title[^"]*"\s*>{REP_NAME}</span>', cell.group(1))
    # and a Link cell searches like a Link field
    assert 'class="link-cell" data-doctype="User"' in cell.group(1)


def test_the_timeline_names_linked_records_and_assignees(rep_named, desk):
    # given: a lead linked to a customer, then to another, and assigned to the rep
    first = do_insert_doc("rep", "Customer", {"customer_name": "苏州华瑞机械"}).name
    second = do_insert_doc("rep", "Customer", {"customer_name": "无锡恒力精工"}).name
    lead = do_insert_doc("rep", "Lead", {"lead_name": "王先生", "customer": first}).name
    do_save_doc("rep", "Lead", lead, {"customer": second})
    from lowcode.models import Assignment

    Assignment.objects.create(ref_doctype="Lead", docname=lead, user="rep")

    # when
    page = desk("rep").get(f"/app/lead/{lead}").content.decode()
    timeline = page.split('id="timeline"')[1]

    # then
    assert "<s>苏州华瑞机械</s> → <b>无锡恒力精工</b>" in timeline
    assert first not in timeline and second not in timeline
    assert f"分配给了 {REP_NAME}" in timeline and "分配给了 rep" not in timeline
