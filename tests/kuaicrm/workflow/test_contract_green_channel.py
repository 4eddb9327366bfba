"""The contract's 绿色通道 (seed 003, the weekend urgent signing) end to end over the REST API.

A Sales User or Sales Manager requests urgent signing (申请紧急签约) with a reason and a risk
note; the Sales Director and the Operations VP co-sign (会签); the contract is then signed
(docstatus 1) in Post Review Pending until Legal and Finance complete the normal review (补审),
with a reminder after 48 h and an escalation after 72 h.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode import context
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_process_workflow_timers
from tests.lowcode.workflow.helpers import (
    act,
    actions_of,
    attach_signed_scan,
    inbox,
    state_after,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signers")]
C = "Contract"
REQUEST = "Request Urgent Signing"
REASON = "客户周末出差,需当天签约"
RISK = "法务、财务周末不在岗;合同金额90万,条款沿用去年模板"
REVIEWERS = {"legal1", "legal2", "finance1", "finance2"}


@pytest.fixture
def clients(api):
    """One client per user (a user's new API key replaces the previous one)."""
    names = ["rep", "manager", "director", "opsvp", "sysman", *sorted(REVIEWERS)]
    return {name: api(name) for name in names}


def _new_contract(client, amount: float = 900000) -> str:
    response = client.post(
        "/api/resource/Contract", {"contract_title": "周末加急供货合同", "amount": amount}
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]["name"]


def _stored(name: str):
    return get_model(C).objects.get(name=name)


def _open_actions(name: str) -> dict[str, object]:
    rows = get_model("Workflow Action").objects.filter(reference_name=name, status="Open")
    return {row.user: row for row in rows}


def _co_signed(clients, name: str) -> None:
    assert state_after(clients["rep"], C, name, REQUEST, reason=REASON, risk_note=RISK) == (
        "Urgent Signing Review"
    )
    assert state_after(clients["director"], C, name, "Approve") == "Urgent Signing Review"
    assert state_after(clients["opsvp"], C, name, "Approve") == "Post Review Pending"


def test_a_request_needs_a_reason_and_a_risk_note(clients):
    name = _new_contract(clients["rep"])
    assert REQUEST in actions_of(clients["rep"], C, name)

    bare = act(clients["rep"], C, name, REQUEST)
    reason_only = act(clients["rep"], C, name, REQUEST, reason=REASON)

    assert bare.status_code == 417
    assert sorted(e["field"] for e in bare.json()["errors"]) == ["reason", "risk_note"]
    assert reason_only.status_code == 417
    assert [e["field"] for e in reason_only.json()["errors"]] == ["risk_note"]
    assert _stored(name).get("workflow_state") == "Draft"
    assert not get_model("Workflow Log").objects.filter(reference_name=name).exists()


def test_both_co_signers_sign_then_legal_and_finance_review_after(clients):
    rep, director, opsvp = clients["rep"], clients["director"], clients["opsvp"]
    name = _new_contract(rep)

    # the request: logged as the exception path with its reason and risk note
    assert state_after(rep, C, name, REQUEST, reason=REASON, risk_note=RISK) == (
        "Urgent Signing Review"
    )
    log = get_model("Workflow Log").objects.get(reference_name=name, is_exception=True)
    assert (log.user, log.action, log.reason, log.risk_note) == ("rep", REQUEST, REASON, RISK)
    assert set(_open_actions(name)) == {"director", "opsvp"}

    # 会签: one of the two approvals leaves it waiting, unsigned
    assert state_after(director, C, name, "Approve") == "Urgent Signing Review"
    assert _stored(name).docstatus == 0
    assert actions_of(director, C, name) == []
    assert name in inbox(opsvp, "pending")
    assert state_after(opsvp, C, name, "Approve") == "Post Review Pending"

    # signed now; the normal review (补审) is still owed by every legal and finance reviewer
    contract = _stored(name)
    assert (contract.docstatus, contract.get("workflow_state")) == (1, "Post Review Pending")
    pending = _open_actions(name)
    assert set(pending) == REVIEWERS
    for reviewer in REVIEWERS:
        assert name in inbox(clients[reviewer], "pending")
        assert actions_of(clients[reviewer], C, name) == ["Pass Post Review", "Fail Post Review"]

    # 补审 passes only when all of them agree
    for reviewer in sorted(REVIEWERS)[:-1]:
        assert state_after(clients[reviewer], C, name, "Pass Post Review") == (
            "Post Review Pending"
        )
    last = sorted(REVIEWERS)[-1]
    attach_signed_scan(clients["rep"], name)  # 已签约 needs the (electronically) signed scan
    assert state_after(clients[last], C, name, "Pass Post Review") == "Signed"
    contract = _stored(name)
    assert (contract.docstatus, contract.get("workflow_state")) == (1, "Signed")
    assert _open_actions(name) == {}
    assert "File" in actions_of(clients["manager"], C, name)


def test_post_review_reminds_after_48_hours_and_escalates_after_72(clients):
    name = _new_contract(clients["rep"])
    _co_signed(clients, name)
    entered = timezone.now()
    Notification = get_model("Notification Log")

    assert do_process_workflow_timers(now=entered + dt.timedelta(hours=47)) == (0, 0)
    reminded, escalated = do_process_workflow_timers(now=entered + dt.timedelta(hours=49))
    context.reset()

    assert (reminded, escalated) == (len(REVIEWERS), 0)
    for reviewer in REVIEWERS:
        assert Notification.objects.filter(
            for_user=reviewer, document_name=name, subject__contains="提醒"
        ).exists(), reviewer
    assert inbox(clients["legal1"], "pending")[name]["colour"] == "yellow"
    # overdue: escalated to the reviewers' department head, the item turns red
    reminded, escalated = do_process_workflow_timers(now=entered + dt.timedelta(hours=73))
    assert (reminded, escalated) == (0, len(REVIEWERS))
    assert "manager" in _open_actions(name)


def test_a_failed_post_review_leaves_it_for_a_sales_manager_to_cancel(clients):
    name = _new_contract(clients["rep"])
    _co_signed(clients, name)

    no_reason = act(clients["finance1"], C, name, "Fail Post Review")
    assert no_reason.status_code == 417
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    assert state_after(
        clients["finance1"], C, name, "Fail Post Review", reason="付款条款不符合财务制度"
    ) == ("Post Review Failed")
    contract = _stored(name)
    assert (contract.docstatus, contract.get("workflow_state")) == (1, "Post Review Failed")
    assert _open_actions(name) == {}
    assert actions_of(clients["rep"], C, name) == []
    assert actions_of(clients["manager"], C, name) == ["Cancel"]

    assert act(clients["manager"], C, name, "Cancel").status_code == 417  # a reason is needed
    assert state_after(clients["manager"], C, name, "Cancel", reason="补审不通过,合同作废") == (
        "Cancelled"
    )
    contract = _stored(name)
    assert (contract.docstatus, contract.get("workflow_state")) == (2, "Cancelled")


def test_a_co_signer_may_reject_with_a_reason_back_to_draft(clients):
    name = _new_contract(clients["rep"])
    state_after(clients["rep"], C, name, REQUEST, reason=REASON, risk_note=RISK)

    assert act(clients["opsvp"], C, name, "Reject").status_code == 417
    assert state_after(clients["opsvp"], C, name, "Reject", reason="风险不可控") == "Draft"

    assert _stored(name).docstatus == 0
    assert _open_actions(name) == {}


def test_a_manager_may_request_it_from_manager_review(clients):
    rep, manager = clients["rep"], clients["manager"]
    name = _new_contract(rep)
    assert state_after(rep, C, name, "Submit") == "Manager Review"
    assert set(_open_actions(name)) == {"manager"}

    assert state_after(manager, C, name, REQUEST, reason=REASON, risk_note=RISK) == (
        "Urgent Signing Review"
    )

    assert set(_open_actions(name)) == {"director", "opsvp"}
    log = get_model("Workflow Log").objects.get(reference_name=name, is_exception=True)
    assert (log.user, log.from_state) == ("manager", "Manager Review")


def test_no_one_signs_without_the_co_signers(clients):
    """The old shortcut (one Sales Manager straight to Signed) is gone."""
    rep, manager = clients["rep"], clients["manager"]
    name = _new_contract(rep)
    state_after(rep, C, name, "Submit")
    assert act(manager, C, name, "Urgent Signing", reason=REASON).status_code == 403
    state_after(manager, C, name, REQUEST, reason=REASON, risk_note=RISK)
    for user in ("rep", "manager", "sysman"):
        assert actions_of(clients[user], C, name) == [], user
    assert _stored(name).docstatus == 0


def test_each_state_limits_who_edits_what(clients):
    rep, manager = clients["rep"], clients["manager"]
    name = _new_contract(rep, 100000)
    path = f"/api/resource/Contract/{name}"
    assert rep.put(path, {"amount": 120000}).status_code == 200  # Draft: the rep edits
    state_after(rep, C, name, "Submit")
    # Manager Review: only the manager, and only the sales owner
    assert rep.put(path, {"contract_title": "改名"}).status_code in (403, 417)
    assert manager.put(path, {"amount": 1}).status_code in (403, 417)
    assert manager.put(path, {"contract_title": "改名"}).status_code in (403, 417)
    assert manager.put(path, {"sales_owner": "rep2"}).status_code == 200
    state_after(manager, C, name, REQUEST, reason=REASON, risk_note=RISK)
    # Urgent Signing Review: frozen for the sales side while the co-signers decide
    for client in (rep, manager):
        assert client.put(path, {"amount": 1}).status_code in (403, 417)
    assert float(_stored(name).amount) == 120000
