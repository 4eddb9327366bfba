"""Workflows and delegations edited as records: re-validated, protected, never hijacked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import ValidationError
from lowcode.storage.factory import get_model
from lowcode.workflow.loader import sync_workflows

pytestmark = pytest.mark.django_db
W = "Workflow"


def _errors(caught) -> list[tuple[str, str]]:
    return [(e.fieldname, e.rule) for e in caught.value.errors]


def test_editing_an_active_workflow_is_validated_again(workflows):
    stored = get_model(W).objects.get(name="Contract Approval")
    transitions = [
        {"state": t.state, "action": t.action, "next_state": t.next_state, "allowed": t.allowed}
        for t in stored.get_children("transitions")
        if t.next_state != "Completed"  # drop the only way into the final state
    ]
    with pytest.raises(ValidationError) as caught:
        do_save_doc("Administrator", W, "Contract Approval", {"transitions": transitions})
    assert ("is_active", "workflow.E001") in _errors(caught)
    assert (
        get_model("Workflow Transition")
        .objects.filter(parent="Contract Approval", next_state="Completed")
        .exists()
    )


def test_a_second_active_workflow_for_the_same_doctype_is_refused(workflows):
    with pytest.raises(ValidationError) as caught:
        do_insert_doc(
            "Administrator",
            W,
            {
                "workflow_name": "Contract Fast Track",
                "document_type": "Contract",
                "is_active": 1,
                "states": [{"state": "Draft", "doc_status": "0"}],
                "transitions": [],
            },
        )
    assert _errors(caught) == [("is_active", "unique")]


def test_an_administrators_edit_survives_a_changed_fixture(workflows):
    do_save_doc("Administrator", W, "Visit Approval", {"workflow_state_field": "workflow_state"})
    Workflow = get_model(W)
    assert Workflow.objects.get(name="Visit Approval").is_customised
    Workflow.objects.filter(name__in=["Visit Approval", "Contract Approval"]).update(
        source_hash="older-fixture"
    )
    # the untouched shipped workflow follows its fixture; the edited one is left alone
    assert sync_workflows() == ["Contract Approval"]
    assert Workflow.objects.get(name="Visit Approval").source_hash == "older-fixture"


def _delegation(actor: str, user: str, delegate: str, days: int = 3) -> dict:
    today = timezone.localdate()
    return {
        "user": user,
        "delegate": delegate,
        "from_date": today,
        "to_date": today + dt.timedelta(days=days),
    }


def test_nobody_may_delegate_someone_elses_approvals(workflows):
    with pytest.raises(ValidationError) as caught:
        do_insert_doc("rep", "Workflow Delegation", _delegation("rep", "legal2", "rep"))
    assert _errors(caught) == [("user", "own")]
    assert not get_model("Workflow Delegation").objects.exists()


def test_a_system_manager_may_set_up_a_delegation_for_someone(workflows):
    doc = do_insert_doc("sysman", "Workflow Delegation", _delegation("sysman", "legal2", "legal1"))
    assert (doc.user, doc.delegate) == ("legal2", "legal1")


@pytest.mark.parametrize(
    ("delegate", "days", "expected"),
    [
        ("legal2", 3, [("delegate", "different")]),
        ("nobody-here", 3, [("delegate", "active")]),
        ("legal1", -2, [("to_date", "range")]),
    ],
)
def test_delegation_needs_another_active_user_and_a_real_period(
    workflows, delegate, days, expected
):
    with pytest.raises(ValidationError) as caught:
        do_insert_doc(
            "legal2", "Workflow Delegation", _delegation("legal2", "legal2", delegate, days)
        )
    assert _errors(caught) == expected
