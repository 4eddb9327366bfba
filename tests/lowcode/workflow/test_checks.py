"""Validation before activation: one test per stable ID (workflow.E001 … E008)."""

from __future__ import annotations

import dataclasses

import pytest

from lowcode.documents.actions import do_delete_doc, do_insert_doc, do_save_doc
from lowcode.exceptions import ValidationError
from lowcode.users import do_create_user

pytestmark = pytest.mark.django_db
T = "Test Order"


def _state(state: str, **extra) -> dict:
    return {"state": state, "doc_status": "0", **extra}


def _transition(
    state: str, action: str, next_state: str, allowed="System Manager", **extra
) -> dict:
    return {"state": state, "action": action, "next_state": next_state, "allowed": allowed, **extra}


def _activate(states: list, transitions: list, **extra) -> None:
    do_insert_doc(
        "Administrator",
        "Workflow",
        {
            "workflow_name": "Order Check",
            "document_type": T,
            "is_active": 1,
            "states": states,
            "transitions": transitions,
            **extra,
        },
    )


def _ids(states, transitions, **extra) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        _activate(states, transitions, **extra)
    return {error.rule for error in caught.value.errors}


GOOD_STATES = [_state("Draft"), _state("Done", is_final=1)]
GOOD_TRANSITIONS = [_transition("Draft", "Finish", "Done")]


def test_a_sound_workflow_activates(users):
    _activate(GOOD_STATES, GOOD_TRANSITIONS)


def test_e001_unreachable_state(users):
    states = [*GOOD_STATES, _state("Orphan", is_final=1)]
    assert _ids(states, GOOD_TRANSITIONS) == {"workflow.E001"}


def test_e002_dead_end(users):
    states = [_state("Draft"), _state("Stuck")]
    assert _ids(states, [_transition("Draft", "Go", "Stuck")]) == {"workflow.E002"}


def test_e003_role_without_users(users):
    transitions = [_transition("Draft", "Finish", "Done", allowed="Service Manager")]
    assert _ids(GOOD_STATES, transitions) == {"workflow.E003"}


def test_e003_approver_field_not_a_user_link(users):
    transitions = [_transition("Draft", "Finish", "Done", approver_type="Field", approver="role")]
    assert _ids(GOOD_STATES, transitions) == {"workflow.E003"}


def test_e004_condition_does_not_parse(users):
    transitions = [_transition("Draft", "Finish", "Done", condition="doc.amount >>> 5")]
    assert _ids(GOOD_STATES, transitions) == {"workflow.E004"}


def test_e005_unknown_state(users):
    transitions = [*GOOD_TRANSITIONS, _transition("Draft", "Lose", "Nowhere")]
    assert _ids(GOOD_STATES, transitions) == {"workflow.E005"}


def test_e006_state_field_not_select_or_data(users):
    assert _ids(GOOD_STATES, GOOD_TRANSITIONS, workflow_state_field="priority") == {"workflow.E006"}


def test_e008_role_slots_on_a_transition_not_routed_by_role(users):
    transitions = [_transition("Draft", "Finish", "Done", approver_slots="Role")]
    assert _ids(GOOD_STATES, transitions) == {"workflow.E008"}


def test_e008_approver_slots_neither_user_nor_role(users):
    from lowcode.workflow.checks import check_workflow
    from lowcode.workflow.engine import Transition, WorkflowDef

    # A value the Select would refuse on save can still reach a definition (a fixture, SQL).
    odd = Transition("Draft", "Finish", "Done", "System Manager", "", True, "Single", "", "", False)
    definition = WorkflowDef(
        "Order Check",
        T,
        "workflow_state",
        (),
        (dataclasses.replace(odd, approver_slots="Department"),),
    )
    assert [e.id for e in check_workflow(definition) if e.id == "workflow.E008"] == [
        "workflow.E008"
    ]


def test_negated_condition_parses(users):
    # Frappe writes "!doc.field"; its leading "!" once failed to parse (workflow.E004).
    transitions = [_transition("Draft", "Finish", "Done", condition="!doc.urgent")]
    _activate(GOOD_STATES, transitions)


def test_e007_documents_left_in_a_removed_state(users):
    # given: an order waiting in "Review"
    states = [_state("Draft"), _state("Review"), _state("Done", is_final=1)]
    transitions = [_transition("Draft", "Send", "Review"), _transition("Review", "Finish", "Done")]
    _activate(states, transitions)
    from lowcode.workflow.actions import do_apply_workflow

    order = do_insert_doc("Administrator", T, {"title": "待审订单"})
    do_apply_workflow("Administrator", T, order.name, "Send")
    # when the edit drops "Review", then the save is refused and names the state
    with pytest.raises(ValidationError) as caught:
        do_save_doc(
            "Administrator",
            "Workflow",
            "Order Check",
            {
                "states": [_state("Draft"), _state("Done", is_final=1)],
                "transitions": [_transition("Draft", "Finish", "Done")],
            },
        )
    assert {e.rule for e in caught.value.errors} == {"workflow.E007"}
    assert "'Review'" in caught.value.errors[0].message


def test_stored_workflows_are_checked_again_by_kuaicrm_check(users):
    from lowcode.workflow.checks import run_checks

    do_insert_doc("Administrator", "Role", {"role_name": "Order Auditor"})
    do_create_user("auditor", "Audit-pass-2026!", roles=["Order Auditor"])
    _activate(GOOD_STATES, [_transition("Draft", "Finish", "Done", allowed="Order Auditor")])
    assert run_checks(databases=["default"]) == []
    # when the role is deleted after activation
    do_delete_doc("Administrator", "Role", "Order Auditor")
    # then the check names the transition no one can perform any more
    found = run_checks(databases=["default"])
    assert [e.id for e in found] == ["workflow.E003"]
    assert "Order Auditor" in found[0].msg
