"""Customer visit approval (seed 000 flow 2) through the API."""

from __future__ import annotations

import pytest

from lowcode.storage.factory import get_model
from tests.kuaicrm.workflow.visit_helpers import check_in
from tests.lowcode.workflow.helpers import act, actions_of, inbox, state_after

pytestmark = pytest.mark.django_db
V = "Customer Visit"


def _planned(rep) -> str:
    response = rep.post(
        "/api/resource/Customer Visit", {"visit_title": "拜访苏州精工", "purpose": "续约"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["workflow_state"] == "Planning"
    return response.json()["data"]["name"]


def test_visit_with_an_issue_goes_through_follow_up_and_report_review(workflows, api):
    rep, manager = api("rep"), api("manager")
    name = _planned(rep)
    assert state_after(rep, V, name, "Submit Plan") == "Plan Approval"
    assert act(rep, V, name, "Approve").status_code == 403
    assert state_after(manager, V, name, "Reject", reason="目的不清") == "Plan Revision"
    assert state_after(rep, V, name, "Resubmit") == "Plan Approval"
    assert state_after(manager, V, name, "Approve") == "Plan Approved"
    check_in(rep, name)  # Complete Visit is the check-in (签到): a position and a photo
    rep.put(
        f"/api/resource/Customer Visit/{name}", {"has_issue": 1, "visit_record": "客户反馈交付延迟"}
    )
    assert state_after(rep, V, name, "Record Visit") == "Recorded"
    # the condition routes a visit with an issue to a follow-up task first
    assert actions_of(rep, V, name) == ["Create Follow-up Task"]
    for action in ("Create Follow-up Task", "Start Tracking", "Submit Report"):
        state_after(rep, V, name, action)
    assert name in inbox(manager, "pending")
    assert state_after(manager, V, name, "Return", reason="报告缺少结论") == "Report Revision"
    assert state_after(rep, V, name, "Resubmit Report") == "Report Review"
    assert state_after(manager, V, name, "Pass") == "Visit Archived"
    assert inbox(rep, "submitted")[name]["colour"] == "green"


def test_visit_without_issue_reports_directly(workflows, api):
    rep = api("rep")
    name = _planned(rep)
    state_after(rep, V, name, "Submit Plan")
    state_after(api("manager"), V, name, "Approve")
    check_in(rep, name)  # Complete Visit is the check-in (签到)
    rep.put(f"/api/resource/Customer Visit/{name}", {"visit_record": "客户无异议"})
    state_after(rep, V, name, "Record Visit")
    assert actions_of(rep, V, name) == ["Submit Report"]
    assert state_after(rep, V, name, "Submit Report") == "Report Review"
    assert (
        get_model("Workflow Action")
        .objects.filter(reference_name=name, user="manager", status="Open")
        .exists()
    )
