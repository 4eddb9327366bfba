"""Lead qualification (seed 000 flow 1) through the API, on the existing Lead DocType."""

from __future__ import annotations

import pytest

from lowcode.meta import registry
from lowcode.storage.factory import get_model
from tests.lowcode.workflow.helpers import act, actions_of, inbox, state_after

pytestmark = pytest.mark.django_db
L = "Lead"


def _new_lead(rep) -> str:
    response = rep.post(
        "/api/resource/Lead",
        {
            "lead_name": "王先生",
            "company_name": "苏州精工",
            "mobile_no": "13800138000",
            "designation": "采购总监",
            "company_size": "200-999",
            "budget_range": "500k-2M",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["workflow_state"] == "New"
    return response.json()["data"]["name"]


def test_activation_adds_the_state_field_to_lead(workflows):
    assert registry.get_meta(L).get_field("workflow_state") is not None
    assert get_model("Custom Field").objects.filter(dt=L, fieldname="workflow_state").exists()


def test_lead_runs_branches_and_supervisor_review(workflows, api):
    rep, manager = api("rep"), api("manager")
    name = _new_lead(rep)
    assert sorted(actions_of(rep, L, name)) == ["Mark Invalid", "Qualify"]
    assert state_after(rep, L, name, "Qualify") == "Qualified"
    assert act(rep, L, name, "Assign").status_code == 403
    assert state_after(manager, L, name, "Assign") == "Assigned"
    for action, state in (
        ("Plan Follow-up", "Follow-up Planned"),
        ("Make Contact", "Contacted"),
        ("Hesitant", "Nurturing"),
        ("Re-evaluate", "Re-evaluation"),
        ("Contact Again", "Contacted"),
        ("Needs Information", "Re-evaluation"),
        ("Contact Again", "Contacted"),
        ("Interested", "Demo Scheduled"),
    ):
        assert state_after(rep, L, name, action) == state
    # the bare step would move the lead and create nothing: only the conversion takes it
    refused = act(rep, L, name, "Convert to Opportunity")
    assert refused.status_code == 417, refused.content
    assert "转化为商机" in refused.json()["errors"][0]["message"]
    lead = get_model(L).objects.get(name=name)
    assert (lead.get("workflow_state"), lead.opportunity) == ("Demo Scheduled", None)
    converted = rep.post("/api/method/kuaicrm.convert_lead", {"lead": name, "amount": 120000})
    assert converted.status_code == 200, converted.content
    assert converted.json()["message"]["workflow_state"] == "Opportunity"
    assert state_after(rep, L, name, "Submit for Review") == "Supervisor Review"
    assert inbox(manager, "pending")[name]["workflow_state"] == "Supervisor Review"
    # failing the review sends the lead back to the follow-up plan; it keeps its opportunity,
    # so the step back to Opportunity is open again without a second conversion
    assert state_after(manager, L, name, "Fail", reason="预算未确认") == "Follow-up Planned"
    for action in ("Make Contact", "Interested", "Convert to Opportunity", "Submit for Review"):
        state_after(rep, L, name, action)
    assert state_after(manager, L, name, "Pass") == "Confirmed Opportunity"
    assert get_model(L).objects.get(name=name).status == "Converted"
    assert inbox(rep, "submitted")[name]["colour"] == "green"


def test_invalid_and_no_intent_leads_are_archived(workflows, api):
    rep, manager = api("rep"), api("manager")
    invalid, closed = _new_lead(rep), _new_lead(rep)
    assert act(rep, L, invalid, "Mark Invalid").status_code == 417  # a reason is required
    # and a close reason (kuaicrm's Lead controller: invalid and closed leads say why)
    refused = act(rep, L, invalid, "Mark Invalid", reason="空号,无法联系")
    assert [e["field"] for e in refused.json()["errors"]] == ["close_reason"]
    for name, why in ((invalid, "Unreachable"), (closed, "No Budget")):
        assert rep.put(f"/api/resource/Lead/{name}", {"close_reason": why}).status_code == 200
    assert state_after(rep, L, invalid, "Mark Invalid", reason="空号,无法联系") == "Invalid"
    assert get_model(L).objects.get(name=invalid).status == "Invalid"
    assert state_after(rep, L, invalid, "Archive") == "Archived Invalid"
    assert actions_of(rep, L, invalid) == []
    state_after(rep, L, closed, "Qualify")
    state_after(manager, L, closed, "Assign")
    for action in ("Plan Follow-up", "Make Contact"):
        state_after(rep, L, closed, action)
    state_after(rep, L, closed, "No Intent", reason="预算取消")
    state_after(rep, L, closed, "Archive")
    assert get_model(L).objects.get(name=closed).get("workflow_state") == "Archived Closed"


def test_the_quality_gate_names_what_a_lead_lacks(workflows, api):
    rep = api("rep")
    created = rep.post("/api/resource/Lead", {"lead_name": "李女士", "company_name": "无锡某厂"})
    name = created.json()["data"]["name"]
    # when
    refused = act(rep, L, name, "Qualify")
    # then: every missing piece is named, in Chinese, and the lead stays New
    assert refused.status_code == 417
    errors = {e["field"]: e for e in refused.json()["errors"]}
    assert set(errors) == {"company_size", "budget_range", "designation", "mobile_no"}
    assert {e["rule"] for e in errors.values()} == {"quality_gate"}
    assert "才能确认合格" in errors["budget_range"]["message"]
    assert get_model(L).objects.get(name=name).get("workflow_state") == "New"
    fixed = rep.put(
        f"/api/resource/Lead/{name}",
        {
            "company_size": "50-199",
            "budget_range": "100k-500k",
            "designation": "厂长",
            "email_id": "li@wx.cn",
        },
    )
    assert fixed.status_code == 200, fixed.content
    assert state_after(rep, L, name, "Qualify") == "Qualified"


def test_reasons_for_invalid_and_closed_leads_are_logged(workflows, api):
    rep = api("rep")
    name = _new_lead(rep)
    rep.put(f"/api/resource/Lead/{name}", {"close_reason": "Duplicate"})
    state_after(rep, L, name, "Mark Invalid", reason="重复线索")
    entry = get_model("Workflow Log").objects.get(reference_name=name, action="Mark Invalid")
    assert (entry.reason, entry.is_exception) == ("重复线索", False)
