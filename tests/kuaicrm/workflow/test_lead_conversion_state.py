"""A lead converted straight to a customer ends the Lead Qualification workflow with it.

The conversion takes the workflow's "Convert to Customer" transition into the final state
Converted to Customer, so the lead's status (Converted) and its workflow state agree.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from kuaicrm.conversion import settle_customer_conversions
from kuaicrm.doctype.lead.lead import STATUS_BY_STATE
from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.storage.factory import get_model
from tests.kuaicrm.doctype.test_conversion import CONVERT, new_lead
from tests.lowcode.workflow.helpers import act, actions_of, state_after

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflows")]
L = "Lead"
# Each state a lead may convert to a customer from, and how a rep and a manager get there.
PATHS = {
    "Qualified": [("rep", "Qualify")],
    "Assigned": [("rep", "Qualify"), ("manager", "Assign")],
    "Contacted": [
        ("rep", "Qualify"),
        ("manager", "Assign"),
        ("rep", "Plan Follow-up"),
        ("rep", "Make Contact"),
    ],
    "Nurturing": [
        ("rep", "Qualify"),
        ("manager", "Assign"),
        ("rep", "Plan Follow-up"),
        ("rep", "Make Contact"),
        ("rep", "Hesitant"),
    ],
    "Demo Scheduled": [
        ("rep", "Qualify"),
        ("manager", "Assign"),
        ("rep", "Plan Follow-up"),
        ("rep", "Make Contact"),
        ("rep", "Interested"),
    ],
}


def _walk(clients: dict, name: str, state: str) -> None:
    for user, action in PATHS[state]:
        state_after(clients[user], L, name, action)
    assert get_model(L).objects.get(name=name).get("workflow_state") == state


@pytest.mark.parametrize("state", list(PATHS))
def test_converting_to_a_customer_ends_the_workflow_in_converted_to_customer(api, state):
    # given
    clients = {"rep": api("rep"), "manager": api("manager")}
    rep = clients["rep"]
    name = new_lead(rep)
    _walk(clients, name, state)
    assert "Convert to Customer" in actions_of(rep, L, name)

    # when
    response = rep.post(CONVERT, {"lead": name, "create_opportunity": 0, "reason": "直接签单"})

    # then
    assert response.status_code == 200, response.content
    result = response.json()["message"]
    assert (result["status"], result["workflow_state"]) == ("Converted", "Converted to Customer")
    lead = get_model(L).objects.get(name=name)
    assert (lead.status, lead.get("workflow_state")) == ("Converted", "Converted to Customer")
    assert lead.customer == result["customer"]
    assert actions_of(rep, L, name) == []
    log = get_model("Workflow Log").objects.filter(reference_name=name).latest("timestamp")
    assert (log.from_state, log.action, log.to_state, log.reason) == (
        state,
        "Convert to Customer",
        "Converted to Customer",
        "直接签单",
    )


def test_the_bare_convert_to_customer_step_is_refused(api):
    rep = api("rep")
    name = new_lead(rep)
    _walk({"rep": rep}, name, "Qualified")

    response = act(rep, L, name, "Convert to Customer")

    assert response.status_code == 417, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["workflow_state"]
    assert "转化为客户" in response.json()["message"]
    lead = get_model(L).objects.get(name=name)
    assert (lead.get("workflow_state"), lead.status, lead.customer) == (
        "Qualified",
        "Qualified",
        None,
    )


def test_every_converted_state_of_the_workflow_says_converted(workflows):
    """No workflow state a converted lead can stand in disagrees with its status."""
    converted_states = {s for s, status in STATUS_BY_STATE.items() if status == "Converted"}
    workflow = get_model("Workflow").objects.get(document_type=L)
    targets = {row.next_state for row in workflow.get_children("transitions")}
    assert "Converted to Customer" in targets
    states = {row.state: row for row in workflow.get_children("states")}
    final = states["Converted to Customer"]
    assert (final.is_final, final.update_field, final.update_value) == (1, "status", "Converted")
    assert "Converted to Customer" in converted_states


def test_leads_converted_before_the_step_existed_are_settled_on_migrate(api):
    # given: a lead converted the old way (customer and status, the workflow left in Qualified)
    rep = api("rep")
    name = new_lead(rep)
    _walk({"rep": rep}, name, "Qualified")
    customer = do_insert_doc("rep", "Customer", {"customer_name": "苏州精工"}).name
    do_save_doc("rep", L, name, {"customer": customer, "converted_on": timezone.now()})
    # the status such a lead was left with: no write path sets it against the state any more
    get_model(L).objects.filter(name=name).update(status="Converted")
    untouched = new_lead(rep)
    _walk({"rep": rep}, untouched, "Qualified")
    context.reset()

    # when: migrate runs the after_migrate hooks
    moved = settle_customer_conversions()

    # then
    assert moved == 1
    lead = get_model(L).objects.get(name=name)
    assert (lead.status, lead.get("workflow_state")) == ("Converted", "Converted to Customer")
    other = get_model(L).objects.get(name=untouched)
    assert (other.status, other.get("workflow_state")) == ("Qualified", "Qualified")
    assert settle_customer_conversions() == 0  # idempotent
