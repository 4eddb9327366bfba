"""The approval-integrity findings, one by one, over the REST API and the desk."""

from __future__ import annotations

import json

import pytest

from lowcode.storage.factory import get_model
from tests.conftest import new_graded_customer
from tests.lowcode.desk.conftest import desk  # noqa: F401
from tests.lowcode.workflow.helpers import act, state_after

pytestmark = pytest.mark.django_db
C, SO, V = "Contract", "Sales Order", "Customer Visit"


def _contract(api, amount: float) -> str:
    response = api("rep").post(
        "/api/resource/Contract", {"contract_title": "年度服务合同", "amount": amount}
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]["name"]


def _in_legal_review(api, amount: float) -> str:
    name = _contract(api, amount)
    assert state_after(api("rep"), C, name, "Submit") == "Manager Review"
    assert state_after(api("manager"), C, name, "Approve") == "Legal Review"
    return name


def _errors(response) -> list[tuple[str, str]]:
    return [(e["field"], e["rule"]) for e in response.json().get("errors", [])]


def test_the_amount_cannot_change_under_legal_review_by_anyone(workflows, api):
    name = _in_legal_review(api, 900000)
    url = f"/api/resource/Contract/{name}"
    # the sales owner: the state lets only Legal Users edit
    assert api("rep").put(url, {"amount": 100000}).status_code == 403
    # a legal reviewer reviews; they hold no write permission on contracts
    assert api("legal1").put(url, {"amount": 100000}).status_code == 403
    # even the Administrator: the amount routes the open approval (finance from 500,000)
    by_admin = api("Administrator").put(url, {"amount": 100000})
    assert by_admin.status_code == 417
    assert _errors(by_admin) == [("amount", "workflow_routing")]
    assert get_model(C).objects.get(name=name).amount == 900000
    # so the approval goes on to finance, as the real amount says
    state_after(api("legal1"), C, name, "Approve")
    assert state_after(api("legal2"), C, name, "Approve") == "Finance Review"


def test_a_routing_change_after_an_approval_starts_the_approval_again(workflows, api):
    name = _in_legal_review(api, 100000)
    assert (
        state_after(api("legal1"), C, name, "Reject", reason="付款条款需修改") == "Legal Revision"
    )
    # in revision the rep may edit, but the manager approved 100,000, not 5,000,000
    saved = api("rep").put(f"/api/resource/Contract/{name}", {"amount": 5000000})
    assert saved.status_code == 200, saved.content
    assert saved.json()["data"]["workflow_state"] == "Draft"
    log = get_model("Workflow Log").objects.filter(reference_name=name).order_by("-timestamp")
    restart = log.first()
    assert (restart.action, restart.from_state, restart.to_state) == (
        "Restart Approval",
        "Legal Revision",
        "Draft",
    )
    assert "金额" in restart.reason
    assert not get_model("Workflow Action").objects.filter(reference_name=name, status="Open")
    # resubmitted, it goes through the manager again, then legal, then finance
    assert state_after(api("rep"), C, name, "Submit") == "Manager Review"


def test_a_change_that_routes_nothing_keeps_the_revision_state(workflows, api):
    name = _contract(api, 100000)
    state_after(api("rep"), C, name, "Submit")
    state_after(api("manager"), C, name, "Reject", reason="价格低于底价")
    # nobody has approved anything in this round: the revision simply goes back to the manager
    saved = api("rep").put(f"/api/resource/Contract/{name}", {"amount": 120000})
    assert saved.json()["data"]["workflow_state"] == "Manager Revision"


def test_a_state_names_the_fields_its_editors_may_change(workflows, api):
    name = _contract(api, 1000)
    state_after(api("rep"), C, name, "Submit")
    url = f"/api/resource/Contract/{name}"
    moved = api("manager").put(url, {"sales_owner": "rep2"})
    assert moved.status_code == 200, moved.content
    retitled = api("manager").put(url, {"contract_title": "改过的标题"})
    assert retitled.status_code == 417
    assert _errors(retitled) == [("contract_title", "workflow_readonly")]


def test_the_desk_greys_out_what_the_state_locks(workflows, api, desk):  # noqa: F811
    name = _contract(api, 900000)
    state_after(api("rep"), C, name, "Submit")
    page = desk("manager").get(f"/app/contract/{name}").content.decode()
    assert 'class="readonly-value" id="in-amount"' in page
    assert 'class="readonly-value" id="in-contract_title"' in page
    assert 'name="sales_owner"' in page  # the one field the manager may change stays an input
    rep_page = desk("rep").get(f"/app/contract/{name}").content.decode()
    assert 'name="sales_owner"' not in rep_page  # frozen for the sales owner while reviewed


def test_a_bare_submit_or_cancel_is_refused_naming_the_workflow_action(workflows, api, users):
    name = _contract(api, 1000)
    submitted = api("manager").post(
        "/api/method/frappe.client.submit", {"doc": json.dumps({"doctype": C, "name": name})}
    )
    assert submitted.status_code == 417
    body = submitted.json()
    assert body["exc_type"] == "WorkflowTransitionError"
    assert "紧急签约" in body["message"] or "提交" in body["message"]
    assert get_model(C).objects.get(name=name).docstatus == 0


def test_cancelling_an_approved_order_goes_through_its_cancel_action(workflows, api):
    customer = new_graded_customer("rep", {"customer_name": "A级客户", "customer_level": "A"}).name
    created = api("rep").post(
        "/api/resource/Sales Order",
        {"customer": customer, "items": [{"item_name": "主轴", "qty": 1, "rate": 20000}]},
    )
    name = created.json()["data"]["name"]
    state_after(api("rep"), SO, name, "Submit")
    assert state_after(api("manager"), SO, name, "Approve") == "Approved"
    cancelled = api("manager").post(
        "/api/method/frappe.client.cancel", {"doctype": SO, "name": name}
    )
    assert cancelled.status_code == 417
    assert "作废" in cancelled.json()["message"] or "Cancel" in cancelled.json()["message"]
    assert get_model(SO).objects.get(name=name).docstatus == 1
    assert act(api("manager"), SO, name, "Cancel").status_code == 417  # needs a reason
    assert state_after(api("manager"), SO, name, "Cancel", reason="客户撤单") == "Cancelled"
    order = get_model(SO).objects.get(name=name)
    assert (order.workflow_state, order.docstatus) == ("Cancelled", 2)


@pytest.mark.parametrize(
    ("doctype", "payload", "to_review", "reviewer", "action"),
    [
        (C, {"contract_title": "服务合同", "amount": 1000}, ["Submit"], "manager", "Reject"),
        (
            V,
            {"visit_title": "拜访", "visit_date": "2026-12-20"},
            ["Submit Plan"],
            "manager",
            "Reject",
        ),
    ],
)
def test_every_rejection_needs_a_reason_that_reaches_the_submitter(
    workflows, api, doctype, payload, to_review, reviewer, action
):
    name = api("rep").post(f"/api/resource/{doctype}", payload).json()["data"]["name"]
    for step in to_review:
        state_after(api("rep"), doctype, name, step)
    refused = act(api(reviewer), doctype, name, action)
    assert refused.status_code == 417
    assert _errors(refused) == [("reason", "reqd")]
    state_after(api(reviewer), doctype, name, action, reason="目的不清楚，请补充")
    told = get_model("Notification Log").objects.filter(for_user="rep", document_name=name)
    assert any("目的不清楚，请补充" in n.subject for n in told)


def test_countersign_progress_names_who_is_still_awaited(workflows, api):
    customer = new_graded_customer("rep", {"customer_name": "C级客户", "customer_level": "C"}).name
    created = api("rep").post(
        "/api/resource/Sales Order",
        {"customer": customer, "items": [{"item_name": "主轴", "qty": 1, "rate": 200000}]},
    )
    name = created.json()["data"]["name"]
    state_after(api("rep"), SO, name, "Submit")
    assert state_after(api("manager"), SO, name, "Approve") == "Countersign"
    state_after(api("finance1"), SO, name, "Approve")
    progress = api("rep").get(
        "/api/method/lowcode.workflow.get_progress", {"doctype": SO, "name": name}
    )
    assert progress.json()["message"]["summary"] == "会签 1/2 已同意，等待 finance2"
