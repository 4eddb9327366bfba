"""Follow-ups move the work (issue 17 item 3): a Workflow Action Rule (lowcode/rules/
workflow_actions.py) takes a workflow step on the lead a follow-up names, as the rep, through
the workflow; the CRM's default (kuaicrm/defaults_flow.py) moves a lead called with 有意向 to
已联系. Everything through the HTTP API, with the workflows loaded."""

from __future__ import annotations

import json

import pytest

from kuaicrm.defaults_flow import install_follow_up_rules
from lowcode.storage.factory import get_model
from tests.lowcode.desk.conftest import desk  # noqa: F401
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.workflow.helpers import state_after

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflows")]
LEADS = "/api/resource/Lead"
RECORDS = "/api/resource/Follow-up Record"
RULES = "/api/resource/Workflow Action Rule"


def new_lead(client, state: str = "Follow-up Planned", manager=None) -> str:
    response = client.post(
        LEADS,
        {
            "lead_name": "李娜",
            "company_name": "苏州华瑞机械",
            "mobile_no": "13800138000",
            "designation": "采购经理",
            "company_size": "200-999",
            "budget_range": "500k-2M",
        },
    )
    assert response.status_code == 200, response.content
    name = response.json()["data"]["name"]
    steps = [("Qualify", client), ("Assign", manager), ("Plan Follow-up", client)]
    for action, who in steps:
        if get_model("Lead").objects.get(name=name).get("workflow_state") == state:
            break
        state_after(who, "Lead", name, action)
    assert get_model("Lead").objects.get(name=name).get("workflow_state") == state
    return name


def log_call(client, lead: str, intent: str = "Interested", method: str = "Phone"):
    return client.post(
        RECORDS,
        {
            "followup_method": method,
            "content": "电话沟通，客户有意向",
            "lead": lead,
            "intent": intent,
        },
    )


def messages(response) -> list[str]:
    raw = response.json().get("_server_messages")
    return [json.loads(m)["message"] for m in json.loads(raw)] if raw else []


def lead_state(name: str) -> str:
    return get_model("Lead").objects.get(name=name).get("workflow_state")


def test_a_call_with_intent_moves_the_lead_to_contacted_as_the_rep(api):
    rep, manager = api("rep"), api("manager")
    assert install_follow_up_rules() == 1
    name = new_lead(rep, manager=manager)

    response = log_call(rep, name)

    assert response.status_code == 200, response.content
    record = response.json()["data"]["name"]
    lead = get_model("Lead").objects.get(name=name)
    assert (lead.get("workflow_state"), lead.status) == ("Contacted", "Contacted")
    step = get_model("Workflow Log").objects.filter(reference_name=name).order_by("-creation")[0]
    # through the workflow, as the rep, naming the follow-up that moved it
    assert (step.action, step.user, step.to_state) == ("Make Contact", "rep", "Contacted")
    assert record in step.comment
    assert messages(response) == []
    assert install_follow_up_rules() == 0  # installed once; an admin's edits stay


def test_other_outcomes_and_leads_past_the_step_do_not_move(api):
    rep, manager = api("rep"), api("manager")
    install_follow_up_rules()
    planned = new_lead(rep, manager=manager)
    fresh = new_lead(rep, state="New")

    hesitant = log_call(rep, planned, intent="Hesitant")
    email = log_call(rep, planned, method="Email")
    not_yet = log_call(rep, fresh)  # New offers no "Make Contact": nothing to take, no warning

    assert [r.status_code for r in (hesitant, email, not_yet)] == [200, 200, 200]
    assert lead_state(planned) == "Follow-up Planned"
    assert lead_state(fresh) == "New"
    assert messages(not_yet) == []


def _manager_only_rule(api, on_refusal: str) -> None:
    # "Assign" (Qualified → Assigned) is the Sales Manager's step: a rep may not take it.
    response = api("Administrator").post(
        RULES,
        {
            "title": "通话有意向即分配",
            "document_type": "Follow-up Record",
            "condition": "doc.intent == 'Interested'",
            "link_field": "lead",
            "action": "Assign",
            "on_refusal": on_refusal,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["target_doctype"] == "Lead"  # filled from the Link field


def test_a_step_the_rep_may_not_take_is_refused_naming_why_and_the_call_is_kept(api):
    rep = api("rep")
    _manager_only_rule(api, "Warn")
    name = new_lead(rep, state="Qualified")

    response = log_call(rep, name)

    assert response.status_code == 200, response.content
    assert lead_state(name) == "Qualified"
    assert get_model("Follow-up Record").objects.filter(lead=name).count() == 1
    (message,) = messages(response)
    assert "通话有意向即分配" in message and "李娜" in message
    assert "销售经理" in message  # the role the step needs, in Chinese


def test_a_blocking_rule_refuses_the_whole_save(api):
    rep = api("rep")
    _manager_only_rule(api, "Block")
    name = new_lead(rep, state="Qualified")

    response = log_call(rep, name)

    assert response.status_code == 417, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["lead"]
    assert "销售经理" in errors[0]["message"]
    assert get_model("Follow-up Record").objects.filter(lead=name).count() == 0
    assert lead_state(name) == "Qualified"


def test_a_rule_names_an_action_its_target_s_workflow_has(api):
    admin = api("Administrator")

    wrong_action = admin.post(
        RULES,
        {"title": "x", "document_type": "Follow-up Record", "link_field": "lead", "action": "Fly"},
    )
    not_a_link = admin.post(
        RULES,
        {
            "title": "x",
            "document_type": "Follow-up Record",
            "link_field": "content",
            "action": "Make Contact",
        },
    )
    choices = admin.get(
        "/api/method/lowcode.desk.pick", {"kind": "workflow_action", "doctype": "Lead"}
    )

    assert wrong_action.status_code == 417
    assert [e["field"] for e in wrong_action.json()["errors"]] == ["action"]
    assert not_a_link.status_code == 417
    assert [e["field"] for e in not_a_link.json()["errors"]] == ["link_field"]
    assert {"value": "Make Contact", "label": "联系客户"} in choices.json()["message"]


def test_an_admin_configures_a_rule_in_the_desk(desk):  # noqa: F811
    admin = desk("Administrator")
    hub = admin.get("/app/rules").content.decode()
    form = admin.get("/app/workflow-action-rule/new")
    saved = admin.post(
        "/app/workflow-action-rule/new",
        {
            "title": "通话无意向 → 关闭线索",
            "document_type": "Follow-up Record",
            "event": "Insert",
            "condition": "doc.intent == 'No Intent'",
            "link_field": "lead",
            "action": "No Intent",
            "reason_field": "content",
            "on_refusal": "Warn",
            "priority": "5",
            "enabled": "1",
        },
    )

    assert "流程联动规则" in hub
    assert form.status_code == 200 and 'data-kind="workflow_action"' in form.content.decode()
    assert saved.status_code == 204, saved.content.decode()[:600]
    rule = get_model("Workflow Action Rule").objects.get(title="通话无意向 → 关闭线索")
    assert (rule.target_doctype, rule.action, rule.reason_field) == ("Lead", "No Intent", "content")
