"""Amendments (documents/actions.do_amend_doc, /api/method/lowcode.amend_doc): a cancelled document's
next revision is a draft named <root>-1, -2 … that copies it and restarts its workflow."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.documents.actions import (
    do_amend_doc,
    do_assign_doc,
    do_cancel_doc,
    do_insert_doc,
    do_submit_doc,
)
from lowcode.models import Version
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow

pytestmark = pytest.mark.django_db
AMEND = "/api/method/lowcode.amend_doc"
D = "Test Delivery"


def cancelled(doctype: str, data: dict, user: str = "sysman") -> str:
    name = do_insert_doc(user, doctype, data).name
    do_submit_doc(user, doctype, name)
    do_cancel_doc(user, doctype, name)
    context.reset()
    return name


def delivery(**values) -> dict:
    return {
        "title": "一号发货",
        "amount": 500,
        "note": "只属于原件",
        "items": [{"item_code": "泵体", "qty": 2, "rate": 250}],
        **values,
    }


def test_amending_copies_the_document_and_counts_on_across_the_chain(api):
    # given a cancelled delivery named by its series
    first = cancelled(D, delivery())
    client = api("sysman")
    # when it is amended over the API
    response = client.post(AMEND, {"doctype": D, "name": first})
    # then a new draft <name>-1 copies it, except no_copy fields
    assert response.status_code == 200, response.json()
    amended = response.json()["message"]
    assert amended["name"] == f"{first}-1"
    assert (amended["docstatus"], amended["amended_from"]) == (0, first)
    assert (amended["title"], float(amended["amount"]), amended["note"]) == ("一号发货", 500, None)
    assert [(r["item_code"], r["qty"]) for r in amended["items"]] == [("泵体", 2)]
    original_rows = {r.name for r in get_model(D).objects.get(name=first).get_children("items")}
    assert amended["items"][0]["name"] not in original_rows  # new rows, the original keeps its own
    # and the next revision continues the count from the same root
    do_submit_doc("sysman", D, amended["name"])
    do_cancel_doc("sysman", D, amended["name"])
    second = client.post(AMEND, {"doctype": D, "name": amended["name"]}).json()["message"]
    assert (second["name"], second["amended_from"]) == (f"{first}-2", f"{first}-1")
    # the history of the cancelled one says where it went
    notes = Version.objects.filter(ref_doctype=D, docname=first, data__amended_to__isnull=False)
    assert [v.data["amended_to"] for v in notes] == [f"{first}-1"]


def test_hash_and_field_names_get_the_suffix_too(users):
    memo = cancelled("Test Memo", {"subject": "备忘"})
    assert do_amend_doc("sysman", "Test Memo", memo).name == f"{memo}-1"
    coded = cancelled("Test Coded Memo", {"code": "HT-7"})
    assert coded == "HT-7"
    revision = do_amend_doc("sysman", "Test Coded Memo", coded)
    assert (revision.name, revision.code) == ("HT-7-1", "HT-7")
    do_submit_doc("sysman", "Test Coded Memo", revision.name)
    do_cancel_doc("sysman", "Test Coded Memo", revision.name)
    assert do_amend_doc("sysman", "Test Coded Memo", revision.name).name == "HT-7-2"


def test_only_a_cancelled_amendable_document_once(api):
    client = api("sysman")
    draft = do_insert_doc("sysman", D, delivery()).name
    refused = client.post(AMEND, {"doctype": D, "name": draft})
    assert refused.status_code == 417
    assert refused.json()["message"] == f"只有已取消的单据才能修订：Test Delivery {draft} 未取消"
    do_submit_doc("sysman", D, draft)
    assert client.post(AMEND, {"doctype": D, "name": draft}).status_code == 417
    do_cancel_doc("sysman", D, draft)
    assert client.post(AMEND, {"doctype": D, "name": draft}).status_code == 200
    again = client.post(AMEND, {"doctype": D, "name": draft})
    assert again.status_code == 417
    assert again.json()["message"] == f"Test Delivery {draft} 已修订为 {draft}-1"
    # a DocType without amended_from keeps no revisions
    order = cancelled("Test Order", {"title": "订单"})
    refused = client.post(AMEND, {"doctype": "Test Order", "name": order})
    assert (refused.status_code, refused.json()["message"]) == (417, "Test Order不能修订")


def test_the_user_needs_write_on_the_document_and_create(api):
    name = cancelled(D, delivery(), user="rep")
    # another rep cannot see it: the same 404 as a missing document
    assert api("rep2").post(AMEND, {"doctype": D, "name": name}).status_code == 404
    assert api("nobody").post(AMEND, {"doctype": D, "name": name}).status_code == 404
    # the owner may
    assert api("rep").post(AMEND, {"doctype": D, "name": name}).json()["message"]["owner"] == "rep"


@pytest.fixture
def delivery_workflow(users):
    do_insert_doc(
        "Administrator",
        "Workflow",
        {
            "workflow_name": "Delivery Approval",
            "document_type": D,
            "is_active": 1,
            "states": [
                {"state": "Draft", "doc_status": "0", "update_field": "status", "update_value": "Draft"},
                {"state": "Approved", "doc_status": "1", "update_field": "status", "update_value": "Open"},
                {"state": "Cancelled", "doc_status": "2", "update_field": "status", "update_value": "Closed"},
            ],
            "transitions": [
                {"state": "Draft", "action": "Approve", "next_state": "Approved", "allowed": "Sales Manager",
                 "approver_type": "Role", "approver": "Sales Manager"},
                {"state": "Approved", "action": "Cancel", "next_state": "Cancelled", "allowed": "Sales Manager"},
            ],
        },
    )  # fmt: skip
    context.reset()


def test_the_revision_restarts_the_workflow(delivery_workflow):
    from lowcode.workflow import engine

    name = do_insert_doc("rep", D, delivery()).name
    do_apply_workflow("manager", D, name, "Approve")
    done = do_apply_workflow("manager", D, name, "Cancel")
    assert (done.docstatus, done.get("workflow_state"), done.status) == (2, "Cancelled", "Closed")
    context.reset()
    # when the rep amends it
    revision = do_amend_doc("rep", D, name)
    # then it is a draft at the first state, and its approval is open again
    assert (revision.docstatus, revision.get("workflow_state"), revision.status) == (
        0,
        "Draft",
        "Draft",
    )
    context.reset()
    stored = get_model(D).objects.get(name=revision.name)
    assert [t.action for t in engine.get_transitions("manager", stored)] == ["Approve"]
    approved = do_apply_workflow("manager", D, revision.name, "Approve")
    assert (approved.docstatus, approved.status) == (1, "Open")


def test_an_assigned_user_may_amend(api):
    name = cancelled(D, delivery())
    do_assign_doc("sysman", D, name, "rep")
    context.reset()
    assert api("rep").post(AMEND, {"doctype": D, "name": name}).status_code == 200
