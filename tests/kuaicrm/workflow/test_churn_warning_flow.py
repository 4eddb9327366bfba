"""Churn warning (seed 000 flow 4) through the API: alert → analysis → plan → execution → outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kuaicrm.tasks import raise_churn_warnings
from lowcode.documents.actions import do_save_doc
from lowcode.storage.factory import get_model
from tests.conftest import new_graded_customer
from tests.lowcode.workflow.helpers import act, actions_of, inbox, state_after

pytestmark = pytest.mark.django_db
CW = "Churn Warning"


@pytest.fixture
def customer(users):
    return new_graded_customer(
        "rep", {"customer_name": "苏州精工机械有限公司", "customer_level": "A", "status": "Active"}
    ).name


def _warning(rep, customer: str) -> str:
    response = rep.post(
        "/api/resource/Churn Warning",
        {"customer": customer, "indicator": "Declining Orders", "risk_level": "High"},
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["workflow_state"], data["customer_name"]) == ("Alerted", "苏州精工机械有限公司")
    return data["name"]


def _fill(rep, name: str, **values) -> None:
    response = rep.put(f"/api/resource/Churn Warning/{name}", values)
    assert response.status_code == 200, response.content


def _to_execution(rep, name: str) -> None:
    assert state_after(rep, CW, name, "Analyse") == "Analysis"
    _fill(rep, name, cause_analysis="竞品降价 15%,采购换了负责人")
    assert state_after(rep, CW, name, "Plan Retention") == "Retention Planning"
    _fill(rep, name, retention_plan="总经理拜访,提供一年免费保养")
    assert state_after(rep, CW, name, "Execute Retention") == "Retention Execution"


def test_each_step_demands_its_record_before_the_flow_moves_on(workflows, api, customer):
    rep = api("rep")
    name = _warning(rep, customer)
    state_after(rep, CW, name, "Analyse")
    # the plan step cannot start until the cause is written down; the field is named
    refused = act(rep, CW, name, "Plan Retention")
    assert refused.status_code == 417
    assert [e["field"] for e in refused.json()["errors"]] == ["cause_analysis"]
    assert get_model(CW).objects.get(name=name).workflow_state == "Analysis"


def test_retained_customer_records_the_lesson_and_becomes_active(workflows, api, customer):
    rep = api("rep")
    do_save_doc("Administrator", "Customer", customer, {"status": "Dormant"})
    name = _warning(rep, customer)
    _to_execution(rep, name)
    assert act(rep, CW, name, "Mark Retained").status_code == 417  # no record yet
    _fill(
        rep,
        name,
        execution_record="3月12日拜访,签订保养协议",
        lessons_learned="换人时尽早拜访新负责人",
    )
    assert state_after(rep, CW, name, "Mark Retained") == "Retained"
    warning = get_model(CW).objects.get(name=name)
    assert (warning.outcome, warning.closed_on) == ("Retained", timezone.localdate())
    assert get_model("Customer").objects.get(name=customer).status == "Active"
    assert inbox(rep, "submitted")[name]["colour"] == "green"


def test_loss_is_confirmed_by_the_supervisor_who_may_send_it_back(workflows, api, customer):
    rep, manager = api("rep"), api("manager")
    name = _warning(rep, customer)
    _to_execution(rep, name)
    _fill(rep, name, execution_record="两次报价均被拒", loss_reason="Competitor")
    assert state_after(rep, CW, name, "Report Loss") == "Loss Confirmation"
    assert actions_of(rep, CW, name) == []
    assert name in inbox(manager, "pending")
    assert (
        state_after(manager, CW, name, "Retry Retention", reason="再争取一次")
        == "Retention Execution"
    )
    assert state_after(rep, CW, name, "Report Loss") == "Loss Confirmation"
    assert state_after(manager, CW, name, "Confirm Loss", reason="客户已选竞品") == "Lost"
    warning = get_model(CW).objects.get(name=name)
    assert (warning.outcome, warning.loss_reason) == ("Lost", "Competitor")
    assert get_model("Customer").objects.get(name=customer).status == "Lost"
    log = rep.get("/api/method/lowcode.workflow.get_log", {"doctype": CW, "name": name})
    assert [(r["user"], r["action"]) for r in log.json()["message"]][-3:] == [
        ("manager", "Retry Retention"),
        ("rep", "Report Loss"),
        ("manager", "Confirm Loss"),
    ]


def test_a_false_alarm_is_dismissed_by_a_manager_with_a_reason(workflows, api, customer):
    name = _warning(api("rep"), customer)
    assert "Dismiss" not in actions_of(api("rep"), CW, name)
    assert act(api("manager"), CW, name, "Dismiss").status_code == 417
    assert state_after(api("manager"), CW, name, "Dismiss", reason="客户刚下大单") == "Dismissed"
    assert get_model(CW).objects.get(name=name).outcome == "Dismissed"
    assert get_model("Customer").objects.get(name=customer).status == "Active"


def test_one_open_warning_per_customer(workflows, api, customer):
    _warning(api("rep"), customer)
    second = api("rep").post(
        "/api/resource/Churn Warning", {"customer": customer, "indicator": "Complaints"}
    )
    assert second.status_code == 417
    assert second.json()["errors"][0]["field"] == "customer"


def test_silent_customers_are_alerted_daily_by_level_once(workflows, api, users):
    now = timezone.now()
    Customer = get_model("Customer")
    spec = {"甲": ("A", 40), "乙": ("B", 40), "丙": ("C", 100), "丁": ("A", 5)}
    names = {}
    for label, (level, silent_days) in spec.items():
        names[label] = new_graded_customer(
            "rep", {"customer_name": f"{label}公司", "customer_level": level, "status": "Active"}
        ).name
        Customer.objects.filter(name=names[label]).update(
            last_followup_on=now - dt.timedelta(days=silent_days)
        )
    # A is watched after 30 silent days, B after 60, C after 90
    raised = raise_churn_warnings(now)
    Warning = get_model(CW)
    assert set(Warning.objects.filter(name__in=raised).values_list("customer", flat=True)) == {
        names["甲"],
        names["丙"],
    }
    assert raise_churn_warnings(now) == []
    # raised as the customer's owner: the rep sees it in their own list
    listed = api("rep").get("/api/resource/Churn Warning", {"fields": ["customer", "owner"]})
    assert {row["owner"] for row in listed.json()["data"]} == {"rep"}
    assert len(listed.json()["data"]) == 2
