"""Approver rules on a small workflow over the test DocType."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.documents.factory import get_model
from lowcode.exceptions import PermissionError
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
