"""Approver rules on a small workflow over the test DocType."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import PermissionError
from lowcode.storage.factory import get_model
from lowcode.users import do_create_user
from lowcode.workflow import engine
from lowcode.workflow.actions import do_apply_workflow
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
T = "Test Order"


@pytest.fixture
def order_workflow(users):
    do_create_user("sysman2", PASSWORD, roles=["System Manager"], department="销售中心")
    do_insert_doc(
        "Administrator",
        "Workflow",
        {
            "workflow_name": "Order Approval",
            "document_type": T,
            "is_active": 1,
            "states": [
                {"state": "Draft", "doc_status": "0", "allow_edit": "System Manager"},
                {"state": "Checked", "doc_status": "0"},
                {
                    "state": "Approved",
                    "doc_status": "1",
                    "update_field": "status",
                    "update_value": "Closed",
                },
                {"state": "Cancelled", "doc_status": "2"},
            ],
            "transitions": [
                {
                    "state": "Draft",
                    "action": "Check",
                    "next_state": "Checked",
                    "allowed": "System Manager",
                    "approver_type": "Field",
                    "approver": "assigned_user",
                },
                {
                    "state": "Checked",
                    "action": "Approve",
                    "next_state": "Approved",
                    "allowed": "System Manager",
                    "allow_self_approval": 0,
                },
                {
                    "state": "Approved",
                    "action": "Cancel",
                    "next_state": "Cancelled",
                    "allowed": "System Manager",
                },
            ],
        },
    )
    context.reset()


def test_state_field_is_added_and_set_on_insert(order_workflow):
    doc = do_insert_doc("sysman", T, {"title": "订单", "assigned_user": "sysman2"})
    assert doc.get("workflow_state") == "Draft"


def test_field_approver_then_no_self_approval_then_submit_and_cancel(order_workflow):
    doc = do_insert_doc("sysman", T, {"title": "订单", "assigned_user": "sysman2"})
    # only the user named in assigned_user may check
    with pytest.raises(PermissionError):
        do_apply_workflow("sysman", T, doc.name, "Check")
    do_apply_workflow("sysman2", T, doc.name, "Check")
    # the owner may not approve their own order
    stored = get_model(T).objects.get(name=doc.name)
    assert engine.get_transitions("sysman", stored) == []
    approved = do_apply_workflow("sysman2", T, doc.name, "Approve")
    assert (approved.docstatus, approved.status) == (1, "Closed")
    cancelled = do_apply_workflow("sysman", T, doc.name, "Cancel")
    assert cancelled.docstatus == 2


def test_allow_edit_limits_who_edits_in_a_state(order_workflow):
    doc = do_insert_doc("rep", T, {"title": "订单"})
    with pytest.raises(PermissionError, match=r"可以编辑|may edit"):
        do_save_doc("rep", T, doc.name, {"title": "改过的订单"})
    assert do_save_doc("sysman", T, doc.name, {"title": "改过的订单"}).title == "改过的订单"


@pytest.fixture
def named_approvers_workflow(users):
    do_create_user("sysman2", PASSWORD, roles=["System Manager"], department="销售中心")
    do_create_user("sysman3", PASSWORD, roles=["System Manager"], department="销售中心")
    do_insert_doc(
        "Administrator",
        "Workflow",
        {
            "workflow_name": "Named Approval",
            "document_type": T,
            "is_active": 1,
            "states": [
                {"state": "Draft", "doc_status": "0"},
                {"state": "Done", "doc_status": "0", "is_final": 1},
            ],
            "transitions": [
                {
                    "state": "Draft",
                    "action": "Approve",
                    "next_state": "Done",
                    "allowed": "System Manager",
                    "approver_type": "User",
                    "approver": "sysman2, sysman3",
                    "approval_mode": "All",
                },
                {
                    # a condition over the user: only System Managers may close it at once
                    "state": "Draft",
                    "action": "Close",
                    "next_state": "Done",
                    "allowed": "Sales Manager",
                    "condition": "'System Manager' in user.roles",
                },
            ],
        },
    )
    context.reset()


def test_named_users_are_the_approvers_and_all_must_agree(named_approvers_workflow):
    doc = do_insert_doc("sysman", T, {"title": "订单"})
    Action = get_model("Workflow Action")
    open_for = Action.objects.filter(reference_name=doc.name, status="Open")
    assert sorted(open_for.values_list("user", flat=True)) == ["sysman2", "sysman3"]
    # a System Manager not named may not approve
    with pytest.raises(PermissionError):
        do_apply_workflow("sysman", T, doc.name, "Approve")
    assert do_apply_workflow("sysman2", T, doc.name, "Approve").get("workflow_state") == "Draft"
    assert do_apply_workflow("sysman3", T, doc.name, "Approve").get("workflow_state") == "Done"


def test_a_condition_over_the_user_hides_the_transition(named_approvers_workflow):
    do_create_user(
        "boss", PASSWORD, roles=["Sales Manager", "System Manager"], department="销售中心"
    )
    doc = do_insert_doc("rep", T, {"title": "订单"})  # the manager's department sees it
    stored = get_model(T).objects.get(name=doc.name)
    assert "Close" not in [t.action for t in engine.get_transitions("manager", stored)]
    assert "Close" in [t.action for t in engine.get_transitions("boss", stored)]
    with pytest.raises(PermissionError):
        do_apply_workflow("manager", T, doc.name, "Close")
    assert do_apply_workflow("boss", T, doc.name, "Close").get("workflow_state") == "Done"
