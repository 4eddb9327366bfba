"""Workflow Settings: thresholds an administrator tunes, read by conditions as settings.<name>."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import ValidationError
from lowcode.expressions import ExpressionError, evaluate, fields_read, settings_read
from lowcode.storage.factory import get_model
from lowcode.workflow import loader
from lowcode.workflow.engine import Transition, condition_holds

pytestmark = pytest.mark.django_db


def test_a_condition_reads_settings_beside_the_document():
    condition = "doc.discount > settings.max_discount || doc.margin < settings.min_margin"
    settings = {"max_discount": Decimal(10), "min_margin": Decimal(20)}
    assert evaluate(condition, {"discount": Decimal(15), "margin": Decimal(30)}, None, settings)
    assert not evaluate(condition, {"discount": Decimal(5), "margin": Decimal(30)}, None, settings)
    assert settings_read(condition) == {"max_discount", "min_margin"}
    # settings never count as document fields (they route nothing on the document)
    assert fields_read(condition) == {"discount", "margin"}
    # an unset setting reads None, as a missing field does
    assert evaluate("!settings.threshold", {}, None, {})
    with pytest.raises(ExpressionError):
        evaluate("settings.x.y > 1", {}, None, {})


def test_the_engine_reads_the_current_value_at_each_evaluation(site):
    transition = Transition(
        state="Draft",
        action="Submit",
        next_state="Approved",
        allowed="System Manager",
        condition="doc.amount <= settings.auto_limit",
        allow_self_approval=True,
        approval_mode="Single",
        approver_type="",
        approver="",
        requires_reason=False,
    )
    order = do_insert_doc("Administrator", "Test Order", {"title": "x", "amount": 800})
    assert not condition_holds(transition, order, "Administrator")  # no setting yet
    do_insert_doc(
        "Administrator", "Workflow Setting", {"setting_name": "auto_limit", "value": 1000}
    )
    assert condition_holds(transition, order, "Administrator")
    do_save_doc("Administrator", "Workflow Setting", "auto_limit", {"value": 500})
    assert not condition_holds(transition, order, "Administrator")


def test_a_setting_name_must_be_readable_in_a_condition(site):
    with pytest.raises(ValidationError) as raised:
        do_insert_doc(
            "Administrator", "Workflow Setting", {"setting_name": "Max Discount", "value": 1}
        )
    assert raised.value.errors[0].fieldname == "setting_name"


def test_a_fixture_ships_its_settings_without_overwriting_the_admins(site):
    rows = [
        {"setting_name": "demo_limit", "value": 10, "description": "a"},
        {"setting_name": "demo_floor", "value": 20, "description": "b"},
    ]
    assert loader.do_ensure_workflow_settings(rows) == ["demo_limit", "demo_floor"]
    do_save_doc("Administrator", "Workflow Setting", "demo_limit", {"value": 15})
    # a later sync (the fixture changed, or a migrate) creates only what is missing
    assert loader.do_ensure_workflow_settings(json.loads(json.dumps(rows))) == []
    Setting = get_model("Workflow Setting")
    assert Setting.objects.get(name="demo_limit").value == Decimal(15)


def test_sales_users_read_settings_but_only_system_managers_change_them(api):
    do_insert_doc("Administrator", "Workflow Setting", {"setting_name": "limit", "value": 1})
    assert api("rep").get("/api/resource/Workflow Setting/limit").status_code == 200
    response = api("rep").put("/api/resource/Workflow Setting/limit", {"value": 99})
    assert response.status_code == 403, response.content
    response = api("sysman").put("/api/resource/Workflow Setting/limit", {"value": 99})
    assert response.status_code == 200, response.content
