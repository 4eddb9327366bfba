"""After a call (issue 17 item 2): the follow-up sheet's form (views/flow.py, hooks
desk_call_follow_up), its return to the called record, and a saved-with-warning toast."""

from __future__ import annotations

import json
import re

import pytest

from kuaicrm.defaults_flow import install_follow_up_rules
from lowcode.desk.lib import calls
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.workflow.helpers import state_after

pytestmark = pytest.mark.django_db
SHEET = "/app/_call_follow_up"


@pytest.fixture
def lead(users):
    return do_insert_doc(
        "rep",
        "Lead",
        {"lead_name": "李娜", "company_name": "苏州华瑞机械", "mobile_no": "13800138000"},
    ).name


def selected(html: str, name: str) -> str:
    block = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)
    assert block, name
    found = re.search(r'<option value="([^"]*)"[^>]*selected', block.group(0))
    return found.group(1) if found else ""


def test_the_sheet_is_the_follow_up_form_prefilled_for_the_called_record(desk, lead):
    html = desk("rep").get(SHEET, {"doctype": "Lead", "name": lead, "at": "2026-12-07T09:05"})

    assert html.status_code == 200
    body = html.content.decode()
    assert 'hx-post="/app/follow-up-record/new"' in body
    assert selected(body, "followup_method") == "Phone"
    assert f'name="lead" type="hidden" value="{lead}"' in body or f'value="{lead}"' in body
    assert 'value="2026-12-07T09:05"' in body  # the time of the call, not of the sheet
    assert f'data-return="/app/lead/{lead}"' in body
    assert "李娜" in body  # the called record by its name in the sheet's title


def test_the_sheet_by_slug_for_the_open_form_and_nothing_where_nothing_is_declared(desk, lead):
    rep = desk("rep")
    product = do_insert_doc("Administrator", "Product", {"product_name": "车床"})

    by_slug = rep.get(SHEET, {"slug": "lead", "name": lead})
    undeclared = rep.get(SHEET, {"doctype": "Product", "name": product.name})
    not_readable = desk("south").get(SHEET, {"doctype": "Lead", "name": lead})

    assert by_slug.status_code == 200 and 'data-return="/app/lead/' in by_slug.content.decode()
    assert undeclared.status_code == 204
    assert not_readable.status_code == 404


def test_saving_from_the_sheet_returns_to_the_called_record_only_inside_the_desk(desk, lead):
    rep = desk("rep")
    post = {
        "followup_method": "Phone",
        "lead": lead,
        "content": "电话沟通",
        "followed_up_on": "2026-12-07T09:05",
    }

    back = rep.post("/app/follow-up-record/new", {**post, "__return": f"/app/lead/{lead}"})
    elsewhere = rep.post("/app/follow-up-record/new", {**post, "__return": "//evil.example/app"})

    assert back.status_code == 204 and back["HX-Redirect"] == f"/app/lead/{lead}"
    assert elsewhere["HX-Redirect"].startswith("/app/follow-up-record/FUR-")
    assert get_model("Follow-up Record").objects.filter(lead=lead).count() == 2


def test_a_refused_rule_step_is_shown_as_a_toast_and_the_call_is_saved(workflows, desk, api):  # noqa: F811
    lead = do_insert_doc(
        "rep",
        "Lead",
        {
            "lead_name": "李娜",
            "company_name": "苏州华瑞机械",
            "mobile_no": "13800138000",
            "designation": "采购经理",
            "company_size": "200-999",
            "budget_range": "500k-2M",
        },
    ).name
    # the rep may not take "Assign" (a Sales Manager's step) on their Qualified lead
    assert state_after(api("rep"), "Lead", lead, "Qualify") == "Qualified"
    install_follow_up_rules()
    do_insert_doc(
        "Administrator",
        "Workflow Action Rule",
        {
            "title": "通话有意向即分配",
            "document_type": "Follow-up Record",
            "condition": "doc.intent == 'Interested'",
            "link_field": "lead",
            "action": "Assign",
        },
    )
    response = desk("rep").post(
        "/app/follow-up-record/new",
        {
            "followup_method": "Phone",
            "lead": lead,
            "content": "有意向",
            "intent": "Interested",
            "__return": f"/app/lead/{lead}",
        },
    )

    assert response.status_code == 204, response.content.decode()[:800]
    flash = json.loads(response["HX-Trigger"])["desk:flash"]
    assert flash["colour"] == "orange" and "销售经理" in flash["message"]
    assert get_model("Follow-up Record").objects.filter(lead=lead).count() == 1


def test_the_crm_declarations_name_real_doctypes_and_fields(site):
    assert calls.problems() == []
    assert calls.for_doctype("Lead").values == {"followup_method": "Phone"}
