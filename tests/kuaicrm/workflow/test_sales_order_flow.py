"""Sales-order approval through the API: routing by amount and customer level, 会签, returns."""

from __future__ import annotations

import pytest

from lowcode.storage.factory import get_model
from tests.conftest import new_graded_customer
from tests.lowcode.workflow.helpers import act, actions_of, inbox, state_after

pytestmark = pytest.mark.django_db
SO = "Sales Order"


@pytest.fixture
def customers(users):
    """An A-level key account and a C-level new customer, both the rep's."""
    return {
        level: new_graded_customer(
            "rep", {"customer_name": f"{level}级客户有限公司", "customer_level": level}
        ).name
        for level in ("A", "C")
    }


def _order(rep, customer: str, qty: float, rate: float) -> str:
    response = rep.post(
        "/api/resource/Sales Order",
        {
            "customer": customer,
            "items": [{"item_name": "数控机床 CK6150", "qty": qty, "rate": rate}],
        },
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["workflow_state"], data["grand_total"]) == ("Draft", qty * rate)
    return data["name"]


def _submitted(api, customer: str, qty: float, rate: float) -> str:
    name = _order(api("rep"), customer, qty, rate)
    assert state_after(api("rep"), SO, name, "Submit") == "Manager Approval"
    return name


def test_small_order_of_an_a_level_customer_needs_the_manager_only(workflows, api, customers):
    name = _submitted(api, customers["A"], 2, 30000)
    # the rep cannot approve their own order; the manager is their supervisor
    assert "Approve" not in actions_of(api("rep"), SO, name)
    assert state_after(api("manager"), SO, name, "Approve") == "Approved"
    assert get_model(SO).objects.get(name=name).docstatus == 1
    assert inbox(api("rep"), "submitted")[name]["colour"] == "green"


def test_same_amount_for_a_c_level_customer_is_countersigned_by_every_finance_reviewer(
    workflows, api, customers
):
    name = _submitted(api, customers["C"], 2, 30000)
    assert state_after(api("manager"), SO, name, "Approve") == "Countersign"
    Action = get_model("Workflow Action")
    assert set(
        Action.objects.filter(reference_name=name, status="Open").values_list("user", flat=True)
    ) == {"finance1", "finance2"}
    # 会签: the first approval is recorded, the step stays open for the other reviewer
    assert state_after(api("finance1"), SO, name, "Approve") == "Countersign"
    assert name not in inbox(api("finance1"), "pending")
    assert name in inbox(api("finance2"), "pending")
    assert state_after(api("finance2"), SO, name, "Approve") == "Approved"
    assert get_model(SO).objects.get(name=name).docstatus == 1


def test_large_order_goes_on_to_the_director_two_levels_up(workflows, api, customers):
    name = _submitted(api, customers["A"], 10, 150000)
    assert state_after(api("manager"), SO, name, "Approve") == "Countersign"
    state_after(api("finance1"), SO, name, "Approve")
    assert state_after(api("finance2"), SO, name, "Approve") == "Director Approval"
    # the director is the head of 销售中心 (sysman), not the rep's direct manager
    assert actions_of(api("manager"), SO, name) == []
    assert name in inbox(api("sysman"), "pending")
    assert state_after(api("sysman"), SO, name, "Approve") == "Approved"
    log = api("rep").get("/api/method/lowcode.workflow.get_log", {"doctype": SO, "name": name})
    assert [(r["user"], r["to_state"]) for r in log.json()["message"]] == [
        ("rep", "Manager Approval"),
        ("manager", "Countersign"),
        ("finance1", "Countersign"),
        ("finance2", "Director Approval"),
        ("sysman", "Approved"),
    ]


def test_a_return_needs_a_reason_ends_the_countersign_and_restarts_after_revision(
    workflows, api, customers
):
    name = _submitted(api, customers["C"], 1, 200000)
    state_after(api("manager"), SO, name, "Approve")
    state_after(api("finance1"), SO, name, "Approve")
    refused = act(api("finance2"), SO, name, "Return")
    assert refused.status_code == 417
    assert state_after(api("finance2"), SO, name, "Return", reason="信用额度不足") == "Revision"
    assert (
        get_model("Workflow Action").objects.filter(reference_name=name, status="Open").count() == 0
    )
    # the rep lowers the price: the manager approved 200,000, so the approval starts again
    order = api("rep").get(f"/api/resource/Sales Order/{name}").json()["data"]
    row = {**order["items"][0], "rate": 50000}
    saved = api("rep").put(f"/api/resource/Sales Order/{name}", {"items": [row]})
    assert saved.status_code == 200
    assert saved.json()["data"]["workflow_state"] == "Draft"
    assert state_after(api("rep"), SO, name, "Submit") == "Manager Approval"
    assert state_after(api("manager"), SO, name, "Approve") == "Countersign"
    Log = get_model("Workflow Log")
    assert Log.objects.get(reference_name=name, action="Return").reason == "信用额度不足"


def test_amount_cannot_change_while_finance_countersigns(workflows, api, customers):
    name = _submitted(api, customers["C"], 1, 200000)
    state_after(api("manager"), SO, name, "Approve")
    order = api("rep").get(f"/api/resource/Sales Order/{name}").json()["data"]
    row = {**order["items"][0], "rate": 1}
    response = api("rep").put(f"/api/resource/Sales Order/{name}", {"items": [row]})
    assert response.status_code == 403
    assert get_model(SO).objects.get(name=name).grand_total == 200000
