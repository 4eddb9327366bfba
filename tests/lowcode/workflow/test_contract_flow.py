"""Contract approval end to end through the API, with real users and departments."""

from __future__ import annotations

import pytest

from lowcode.storage.factory import get_model
from tests.lowcode.workflow.helpers import (
    act,
    actions_of,
    attach_signed_scan,
    inbox,
    set_workflow_setting,
    state_after,
)

pytestmark = pytest.mark.django_db(transaction=False)
C = "Contract"


def _new_contract(api, amount: float) -> str:
    response = api("rep").post(
        "/api/resource/Contract", {"contract_title": "年度服务合同", "amount": amount}
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["workflow_state"] == "Draft"
    return data["name"]


def _to_legal(api, name: str) -> None:
    assert state_after(api("rep"), C, name, "Submit") == "Manager Review"
    assert state_after(api("manager"), C, name, "Approve") == "Legal Review"


def test_large_contract_runs_manager_legal_finance_sign_file_monitor(workflows, api):
    # given
    name = _new_contract(api, 600000)
    assert actions_of(api("rep"), C, name) == ["Submit", "Request Urgent Signing"]
    # when / then: only the rep's supervisor (manager) may decide the first step
    assert state_after(api("rep"), C, name, "Submit") == "Manager Review"
    assert name in inbox(api("manager"), "pending")
    assert act(api("south_manager"), C, name, "Approve").status_code in (403, 404)
    assert state_after(api("manager"), C, name, "Approve") == "Legal Review"
    assert name not in inbox(api("manager"), "pending")
    # 会签: the first legal approval keeps the step open, the second completes it
    assert state_after(api("legal1"), C, name, "Approve") == "Legal Review"
    assert actions_of(api("legal1"), C, name) == []
    assert inbox(api("legal2"), "pending")[name]["colour"] == "yellow"
    assert state_after(api("legal2"), C, name, "Approve") == "Finance Review"
    # 或签: one finance approval completes the step and cancels the other's action
    assert state_after(api("finance2"), C, name, "Approve") == "Approved"
    assert name not in inbox(api("finance1"), "pending")
    attach_signed_scan(api("manager"), name)  # 已签约 needs the signed scan
    assert state_after(api("manager"), C, name, "Sign") == "Signed"
    assert get_model(C).objects.get(name=name).docstatus == 1
    for action, state in (
        ("File", "Filed"),
        ("Start Monitoring", "Monitoring"),
        ("Close", "Completed"),
    ):
        assert state_after(api("manager"), C, name, action) == state
    # then
    assert inbox(api("rep"), "submitted")[name]["colour"] == "green"
    assert name in inbox(api("legal1"), "handled")
    log = api("rep").get("/api/method/lowcode.workflow.get_log", {"doctype": C, "name": name})
    steps = [(r["user"], r["action"], r["to_state"]) for r in log.json()["message"]]
    assert steps[:5] == [
        ("rep", "Submit", "Manager Review"),
        ("manager", "Approve", "Legal Review"),
        ("legal1", "Approve", "Legal Review"),
        ("legal2", "Approve", "Finance Review"),
        ("finance2", "Approve", "Approved"),
    ]
    Action = get_model("Workflow Action")
    assert Action.objects.get(reference_name=name, user="finance1").status == "Cancelled"


def test_legal_rejection_returns_to_legal_and_small_amount_skips_finance(workflows, api):
    # finance reviews every contract unless the administrator sets a threshold
    set_workflow_setting("contract_finance_threshold", 500000)
    name = _new_contract(api, 100000)
    _to_legal(api, name)
    # a rejection in the parallel step ends it at once
    assert (
        state_after(api("legal1"), C, name, "Reject", reason="付款条款需修改") == "Legal Revision"
    )
    assert name not in inbox(api("legal2"), "pending")
    assert actions_of(api("rep"), C, name) == ["Resubmit"]
    assert state_after(api("rep"), C, name, "Resubmit") == "Legal Review"
    assert state_after(api("legal1"), C, name, "Approve") == "Legal Review"
    assert state_after(api("legal2"), C, name, "Approve") == "Approved"


def test_finance_rejection_returns_to_finance(workflows, api):
    name = _new_contract(api, 800000)
    _to_legal(api, name)
    state_after(api("legal1"), C, name, "Approve")
    state_after(api("legal2"), C, name, "Approve")
    assert state_after(api("finance1"), C, name, "Reject", reason="账期过长") == "Finance Revision"
    assert state_after(api("rep"), C, name, "Resubmit") == "Finance Review"


def test_manager_rejection_returns_to_manager(workflows, api):
    name = _new_contract(api, 1000)
    assert state_after(api("rep"), C, name, "Submit") == "Manager Review"
    assert (
        state_after(api("manager"), C, name, "Reject", reason="价格低于底价") == "Manager Revision"
    )
    assert state_after(api("rep"), C, name, "Resubmit") == "Manager Review"


def test_urgent_signing_needs_a_reason_and_a_risk_note_and_is_logged_as_exception(workflows, api):
    name = _new_contract(api, 900000)
    state_after(api("rep"), C, name, "Submit")
    # the exception path leads to the co-signers (kuaicrm's 紧急签约会签), never straight to Signed
    assert "Urgent Signing" not in actions_of(api("manager"), C, name)
    reason = "客户周末出差,需当天签约"
    refused = act(api("manager"), C, name, "Request Urgent Signing", reason=reason)
    assert refused.status_code == 417
    assert (
        state_after(
            api("manager"), C, name, "Request Urgent Signing", reason=reason, risk_note="条款未审"
        )
        == "Urgent Signing Review"
    )
    assert get_model(C).objects.get(name=name).docstatus == 0
    Log = get_model("Workflow Log")
    exception = Log.objects.get(reference_name=name, is_exception=True)
    assert (exception.user, exception.reason, exception.risk_note) == (
        "manager",
        reason,
        "条款未审",
    )


def test_state_field_changes_only_through_transitions(workflows, api):
    name = _new_contract(api, 1000)
    response = api("rep").put(f"/api/resource/Contract/{name}", {"workflow_state": "Approved"})
    assert response.status_code == 417
    assert get_model(C).objects.get(name=name).workflow_state == "Draft"


def test_next_approvers_are_notified(workflows, api):
    name = _new_contract(api, 1000)
    state_after(api("rep"), C, name, "Submit")
    Notification = get_model("Notification Log")
    assert Notification.objects.filter(for_user="manager", document_name=name).count() == 1
    state_after(api("manager"), C, name, "Approve")
    assert set(
        Notification.objects.filter(document_name=name).values_list("for_user", flat=True)
    ) == {"manager", "legal1", "legal2", "rep"}
    decided = Notification.objects.get(for_user="rep", document_name=name)
    assert "manager" in decided.subject


def test_exception_path_is_reportable_to_system_managers(workflows, api):
    name = _new_contract(api, 1000)
    state_after(api("rep"), C, name, "Submit")
    state_after(
        api("manager"), C, name, "Request Urgent Signing", reason="周末签约", risk_note="条款未审"
    )
    response = api("sysman").get(
        "/api/resource/Workflow Log",
        {"filters": [["is_exception", "=", 1]], "fields": ["reference_name", "user", "reason"]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"] == [
        {"reference_name": name, "user": "manager", "reason": "周末签约"}
    ]
    assert api("rep").get("/api/resource/Workflow Log").status_code == 403
