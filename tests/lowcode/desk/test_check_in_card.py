"""The desk's one-tap check-in card (hooks desk_check_in): shown while its step is offered, and
its declaration checked at start-up (desk.E013)."""

from __future__ import annotations

import pytest
from django.core.checks import Error

import tests.engine_app.hooks as engine_hooks
from lowcode.desk.checks import run_checks
from lowcode.documents.actions import do_insert_doc
from lowcode.workflow.actions import do_apply_workflow
from lowcode.workflow.engine import get_workflow
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
V = "Customer Visit"


@pytest.mark.usefixtures("workflows")
def test_the_card_shows_only_while_complete_visit_is_offered(desk):
    name = do_insert_doc("rep", V, {"visit_title": "拜访苏州精工"}).name
    page = desk("rep").get(f"/app/customer-visit/{name}").content.decode()
    assert 'id="checkin-button"' not in page  # a plan not yet approved
    do_apply_workflow("rep", V, name, "Submit Plan")
    do_apply_workflow("manager", V, name, "Approve")
    page = desk("rep").get(f"/app/customer-visit/{name}").content.decode()
    assert 'id="checkin-button"' in page
    assert 'data-url="/api/method/kuaicrm.visit_check_in"' in page
    assert 'accept="image/*" capture="environment"' in page
    # the bare 完成拜访 button stands hidden behind the card; the coordinates have no input
    assert '.wf-action[data-action="Complete Visit"] { display: none; }' in page
    assert 'name="checkin_latitude"' not in page and 'name="checkin_longitude"' not in page
    # a manager reading the visit cannot take the rep's step: no card
    assert (
        'id="checkin-button"'
        not in desk("south_manager").get("/app/customer-visit").content.decode()
    )


@pytest.mark.usefixtures("workflows")
def test_desk_e013_a_check_in_naming_what_does_not_exist(db, monkeypatch):
    monkeypatch.setattr(
        engine_hooks,
        "desk_check_in",
        {
            "No Such Doc": {"method": "kuaicrm.visit_check_in"},
            "Lead": {"method": "no.such_method"},
            "Customer Visit": {"method": "kuaicrm.visit_check_in", "transition": "Teleport"},
        },
        raising=False,
    )
    found = sorted(
        (m for m in run_checks(databases=["default"]) if m.id == "desk.E013"), key=lambda m: m.obj
    )
    assert found == [
        Error(
            "Check-in of 'Customer Visit' stands for 'Teleport', which is not an action of its workflow.",
            hint="Name an action of the DocType's active workflow, or leave transition out.",
            obj="hooks.desk_check_in['Customer Visit']",
            id="desk.E013",
        ),
        Error(
            "Check-in of 'Lead' calls unknown method 'no.such_method'.",
            hint="Declare the method in an app's hooks.py whitelisted_methods.",
            obj="hooks.desk_check_in['Lead']",
            id="desk.E013",
        ),
        Error(
            "Check-in declared for unknown DocType 'No Such Doc'.",
            hint="Name an installed DocType.",
            obj="hooks.desk_check_in['No Such Doc']",
            id="desk.E013",
        ),
    ]


@pytest.mark.usefixtures("workflows")
def test_the_apps_check_in_declarations_are_sound(db):
    assert [m for m in run_checks(databases=["default"]) if m.id == "desk.E013"] == []


def test_a_check_in_step_is_not_judged_without_an_active_workflow(db, monkeypatch):
    """Before the workflow fixtures are synced (or with the workflow switched off) the card is
    never offered, so its step is not an error."""
    monkeypatch.setattr(
        engine_hooks,
        "desk_check_in",
        {"Customer Visit": {"method": "kuaicrm.visit_check_in", "transition": "Teleport"}},
        raising=False,
    )
    assert get_workflow("Customer Visit") is None  # the case under test: no workflow synced
    assert [m for m in run_checks(databases=["default"]) if m.id == "desk.E013"] == []
