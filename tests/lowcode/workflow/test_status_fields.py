"""A record's status never disagrees with its workflow state (issue 17, item 4).

A state's Update Field / Update Value (Frappe's Workflow Document State) is a rule of every
write path: a new record takes its first state's status, a transition writes the next one
whatever a controller says, an edit that contradicts the state is refused naming the field,
and ``after_migrate`` puts rows saved before back in step. The definition is checked too.
"""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import ValidationError
from lowcode.storage.factory import get_model
from lowcode.workflow import checks, engine
from lowcode.workflow.actions import do_align_status_fields
from tests.kuaicrm.doctype.test_conversion import CONVERT, new_lead, to_demo
from tests.lowcode.workflow.helpers import state_after

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflows")]
L = "Lead"


def _stored(name: str):
    return get_model(L).objects.get(name=name)


def test_a_new_record_takes_its_first_states_status(users):
    # when: a lead created (say, imported) as 已联系
    lead = do_insert_doc("rep", L, {"lead_name": "周先生", "status": "Contacted"})

    # then: it stands in 新建 and says so
    stored = _stored(lead.name)
    assert (stored.get("workflow_state"), stored.status) == ("New", "Open")


def test_an_edit_contradicting_the_state_is_refused_naming_the_field(api):
    # given
    rep = api("rep")
    name = new_lead(rep)

    # when
    response = rep.put(f"/api/resource/Lead/{name}", {"status": "Converted"})

    # then
    assert response.status_code == 417, response.content
    [error] = response.json()["errors"]
    assert error["field"] == "status"
    assert error["message"] == "状态由审批流程决定：在“新线索”状态下为“待跟进”"
    assert _stored(name).status == "Open"
    # the same value, or a save that leaves it alone, passes
    assert (
        rep.put(f"/api/resource/Lead/{name}", {"status": "Open", "city": "无锡"}).status_code == 200
    )


def test_a_transition_writes_the_states_status_over_the_controllers(api):
    # given: a converted lead whose supervisor review fails (it keeps its opportunity)
    rep, manager = api("rep"), api("manager")
    name = new_lead(rep)
    to_demo(rep, manager, name)
    assert rep.post(CONVERT, {"lead": name, "amount": 100000}).status_code == 200
    assert _stored(name).status == "Converted"
    state_after(rep, L, name, "Submit for Review")

    # when
    state = state_after(manager, L, name, "Fail", reason="预算未确认")

    # then: back to the follow-up plan, and its status says so (it said 已转化 before)
    assert (state, _stored(name).status) == ("Follow-up Planned", "Qualified")


def test_migrate_puts_rows_that_disagree_back_in_step(api):
    # given: rows saved before the states declared their status (written as they were left)
    rep = api("rep")
    stale, fine = new_lead(rep), new_lead(rep)
    get_model(L).objects.filter(name=stale).update(status="Nurturing")

    # when
    changed = do_align_status_fields()

    # then
    assert changed == 1
    assert (_stored(stale).status, _stored(fine).status) == ("Open", "Open")
    assert do_align_status_fields() == 0  # idempotent


def test_a_status_value_the_field_cannot_hold_is_reported(users):
    # given: the Lead workflow, one state writing a status Lead.status has no option for
    stored = get_model("Workflow").objects.get(document_type=L)
    definition = engine.build_definition(stored)
    broken = engine.WorkflowDef(
        name=definition.name,
        document_type=L,
        state_field=definition.state_field,
        states=tuple(
            s if s.state != "Nurturing" else type(s)(**{**s.__dict__, "update_value": "Warm"})
            for s in definition.states
        ),
        transitions=definition.transitions,
    )

    # when
    found = [e for e in checks.check_workflow(broken) if e.id == "workflow.E009"]

    # then
    assert [(e.state, e.params["value"]) for e in found] == [("Nurturing", "Warm")]
    assert not [e for e in checks.check_workflow(definition) if e.id == "workflow.E009"]


def test_a_state_leaving_the_status_as_it_was_is_reported_at_start_up(users):
    # given: the shipped Lead workflow (every state says its status) and one state that does not
    definition = engine.build_definition(get_model("Workflow").objects.get(document_type=L))
    assert checks.check_status_coverage(definition) == []
    silent = engine.WorkflowDef(
        name=definition.name,
        document_type=L,
        state_field=definition.state_field,
        states=tuple(
            s if s.state != "Assigned" else type(s)(**{**s.__dict__, "update_field": ""})
            for s in definition.states
        ),
        transitions=definition.transitions,
    )

    # when
    [warning] = checks.check_status_coverage(silent)

    # then
    assert warning.id == "workflow.W001" and "'Assigned'" in warning.msg
    assert all(w.id != "workflow.W001" for w in checks.run_checks(databases=["default"]))


def test_the_desk_shows_the_status_as_the_state_sets_it(api, client):
    # given
    rep = api("rep")
    name = new_lead(rep)
    context.reset()
    client.force_login(get_user("rep"))

    # when
    page = client.get(f"/app/lead/{name}").content.decode()

    # then: no status input to contradict the state with
    assert 'name="status"' not in page
    with pytest.raises(ValidationError):
        do_save_doc("rep", L, name, {"status": "Closed"})


def get_user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)
