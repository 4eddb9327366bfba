"""Sales Order (销售订单) after approval, through the API: items per the quotation's rules, the
delivery plan and shipments (partly / fully delivered), due-date alerts, closing, changes by
cancel-and-amend (re-approved, history kept), and a cancelled or returned order releasing its
plan; orders made from a quotation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kuaicrm.orders import do_alert_due_deliveries
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.conftest import new_graded_customer
from tests.kuaicrm.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.workflow.helpers import act, actions_of, state_after

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflows")]
SO = "Sales Order"
PATH = "/api/resource/Sales Order"
USERS = ("rep", "manager", "finance1", "finance2", "sysman", "Administrator")


@pytest.fixture
def clients(api):
    """One client per user (a user's new API key replaces the previous one)."""
    return {name: api(name) for name in USERS}


@pytest.fixture
def customer(users):
    """An A-level customer: a small order needs the manager only."""
    return new_graded_customer(
        "rep", {"customer_name": "常州恒远精密机械有限公司", "customer_level": "A"}
    ).name


@pytest.fixture
def products(site):
    for name, rate, cost in (
        ("数控车床 CK6150", "15800", "11850"),
        ("备件包 SP-01", "1288.85", "700"),
    ):
        do_insert_doc(
            "Administrator",
            "Product",
            {"product_name": name, "standard_rate": rate, "standard_cost": cost, "uom": "台"},
        )
    return ["数控车床 CK6150", "备件包 SP-01"]


def _data(response) -> dict:
    assert response.status_code == 200, response.content.decode()
    return response.json()["data"]


def _message(response):
    assert response.status_code == 200, response.content.decode()
    return response.json()["message"]


def _errors(response) -> dict[str, str]:
    assert response.status_code == 417, response.content.decode()
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def _get(client, name: str) -> dict:
    return _data(client.get(f"{PATH}/{name}"))


def _approved_order(clients, customer: str, **values) -> dict:
    body = {
        "customer": customer,
        "delivery_date": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
        "items": [
            {"product": "数控车床 CK6150", "qty": 2, "tax_rate": "13"},
            {"product": "备件包 SP-01", "qty": 5, "discount_amount": 88.85, "tax_rate": "13"},
        ],
        **values,
    }
    name = _data(clients["rep"].post(PATH, body))["name"]
    assert state_after(clients["rep"], SO, name, "Submit") == "Manager Approval"
    assert state_after(clients["manager"], SO, name, "Approve") == "Approved"
    return _get(clients["rep"], name)


def _ship(client, name: str, **params):
    return client.post("/api/method/kuaicrm.record_delivery", {"sales_order": name, **params})


def test_items_take_list_price_discount_and_tax(clients, customer, products):
    order = _data(
        clients["rep"].post(
            PATH,
            {
                "customer": customer,
                "items": [
                    {"product": "数控车床 CK6150", "qty": 2, "discount_percentage": 2.5,
                     "tax_rate": "13"},
                    # the old shape still works: a name, a quantity and a price, no tax on top
                    {"item_name": "安装调试", "qty": 1, "rate": 3000},
                ],
            },
        )
    )  # fmt: skip
    lathe, service = order["items"]
    assert (lathe["item_name"], lathe["price_list_rate"], lathe["rate"]) == (
        "数控车床 CK6150",
        15800,
        15405,
    )
    assert (lathe["amount"], lathe["tax_amount"], lathe["amount_with_tax"]) == (
        30810,
        4005.3,
        34815.3,
    )
    assert (service["amount"], service["tax_amount"], service["amount_with_tax"]) == (3000, 0, 3000)
    assert (order["net_total"], order["total_tax"], order["grand_total"]) == (
        33810,
        4005.3,
        37815.3,
    )
    assert order["in_words"] == "人民币叁万柒仟捌佰壹拾伍元叁角整"
    assert (order["status"], order["delivery_status"]) == ("Draft", "Not Delivered")


def test_partial_then_full_delivery(clients, customer, products):
    # given: approved without a plan, each item is planned for the delivery date
    order = _approved_order(clients, customer)
    name = order["name"]
    assert [(d["item_name"], d["qty"], d["status"]) for d in order["deliveries"]] == [
        ("数控车床 CK6150", 2, "Pending"),
        ("备件包 SP-01", 5, "Pending"),
    ]
    assert order["status"] == "Approved"
    # when: one lathe ships
    shipped = _message(_ship(clients["rep"], name, item="数控车床 CK6150", qty=1))
    # then
    assert shipped["delivery_status"] == "Partly Delivered"
    assert shipped["deliveries"][0]["shipped_qty"] == 1
    assert shipped["deliveries"][0]["status"] == "Partly Shipped"
    assert shipped["deliveries"][0]["shipped_on"] == timezone.localdate().isoformat()
    assert shipped["delivered_amount"] == 17854  # 15800 × 1.13
    # more than planned is refused naming the shipped quantity; nothing changes
    over = _ship(clients["rep"], name, item="数控车床 CK6150", qty=2)
    assert "shipped_qty" in _errors(over)
    assert _get(clients["rep"], name)["deliveries"][0]["shipped_qty"] == 1
    assert "qty" in _errors(_ship(clients["rep"], name, item="数控车床 CK6150", qty=0))
    # the rest ships (by line this time): delivered
    _ship(clients["rep"], name, item="数控车床 CK6150", qty=1)
    line = order["deliveries"][1]["name"]
    done = _message(_ship(clients["rep"], name, line=line, qty=5, shipped_on="2026-12-20"))
    assert done["delivery_status"] == "Delivered"
    assert done["delivered_amount"] == done["grand_total"]
    assert done["deliveries"][1]["shipped_on"] == "2026-12-20"
    # a delivered order may be closed by its owner
    assert "Close" in actions_of(clients["rep"], SO, name)
    assert state_after(clients["rep"], SO, name, "Close") == "Closed"
    closed = _get(clients["rep"], name)
    assert (closed["status"], closed["closed_on"]) == ("Closed", timezone.localdate().isoformat())
    assert "qty" not in _errors(_ship(clients["rep"], name, item="备件包 SP-01", qty=1))


def test_the_approved_plan_records_shipments_only(clients, customer, products):
    order = _approved_order(clients, customer)
    rows = order["deliveries"]
    changed = [{**rows[0], "qty": 1}, rows[1]]
    response = clients["rep"].put(f"{PATH}/{order['name']}", {"deliveries": changed})
    assert "deliveries" in _errors(response)
    dropped = clients["rep"].put(f"{PATH}/{order['name']}", {"deliveries": rows[:1]})
    assert "deliveries" in _errors(dropped)
    # an undelivered order is closed by a manager only
    assert "Close" not in actions_of(clients["rep"], SO, order["name"])
    assert state_after(clients["manager"], SO, order["name"], "Close") == "Closed"


def test_a_plan_cannot_ship_more_than_ordered(clients, customer, products):
    body = {
        "customer": customer,
        "items": [{"product": "数控车床 CK6150", "qty": 2}],
        "deliveries": [
            {"product": "数控车床 CK6150", "qty": 2, "planned_date": "2027-01-10"},
            {"product": "数控车床 CK6150", "qty": 1, "planned_date": "2027-02-10"},
        ],
    }
    assert "deliveries" in _errors(clients["rep"].post(PATH, body))
    body["deliveries"][0]["qty"] = 1
    order = _data(clients["rep"].post(PATH, body))
    assert [d["item_name"] for d in order["deliveries"]] == ["数控车床 CK6150"] * 2


def test_a_change_is_cancel_and_amend_and_the_amendment_is_approved_again(
    clients, customer, products
):
    order = _approved_order(clients, customer)
    name = order["name"]
    # an approved order is not edited in place
    row = {**order["items"][0], "qty": 3}
    assert clients["rep"].put(
        f"{PATH}/{name}", {"items": [row, order["items"][1]]}
    ).status_code in (
        403,
        417,
    )
    assert "reason" in _errors(act(clients["manager"], SO, name, "Cancel"))
    assert state_after(clients["manager"], SO, name, "Cancel", reason="客户增加数量") == "Cancelled"

    amended = _message(
        clients["rep"].post("/api/method/lowcode.amend_doc", {"doctype": SO, "name": name})
    )

    assert amended["name"] == f"{name}-1"
    assert (amended["amended_from"], amended["docstatus"], amended["workflow_state"]) == (
        name,
        0,
        "Draft",
    )
    assert amended["status"] == "Draft"
    items = [{**amended["items"][0], "qty": 3}, amended["items"][1]]
    deliveries = [{**amended["deliveries"][0], "qty": 3}, amended["deliveries"][1]]
    saved = _data(
        clients["rep"].put(f"{PATH}/{amended['name']}", {"items": items, "deliveries": deliveries})
    )
    assert saved["total_qty"] == 8
    assert state_after(clients["rep"], SO, saved["name"], "Submit") == "Manager Approval"
    assert state_after(clients["manager"], SO, saved["name"], "Approve") == "Approved"
    # history kept: the cancelled order, unchanged, with its plan released
    original = _get(clients["rep"], name)
    assert (original["docstatus"], original["status"], original["total_qty"]) == (2, "Cancelled", 7)
    assert {d["status"] for d in original["deliveries"]} == {"Cancelled"}


def test_cancel_releases_the_orders_payment_plan(clients, customer, products):
    order = _approved_order(clients, customer)
    name = order["name"]
    _ship(clients["rep"], name, item="备件包 SP-01", qty=5)
    plan = _message(
        clients["rep"].post(
            "/api/method/kuaicrm.make_payment_plan_from_order", {"source_name": name, "insert": 1}
        )
    )
    assert {r["status"] for r in plan["installments"]} == {"Unpaid"}

    assert state_after(clients["manager"], SO, name, "Cancel", reason="客户取消订单") == "Cancelled"

    plan = _data(clients["rep"].get(f"/api/resource/Payment Plan/{plan['name']}"))
    assert {r["status"] for r in plan["installments"]} == {"Cancelled"}
    lines = {d["item_name"]: d["status"] for d in _get(clients["rep"], name)["deliveries"]}
    assert lines == {"数控车床 CK6150": "Cancelled", "备件包 SP-01": "Shipped"}


def test_a_returned_order_keeps_its_reason_and_releases_its_plan(clients, customer, products):
    order = _approved_order(clients, customer)
    name = order["name"]
    plan = _message(
        clients["rep"].post(
            "/api/method/kuaicrm.make_payment_plan_from_order", {"source_name": name, "insert": 1}
        )
    )
    assert "reason" in _errors(act(clients["manager"], SO, name, "Mark Returned"))
    assert (
        state_after(clients["manager"], SO, name, "Mark Returned", reason="设备规格不符，整单退货")
        == "Returned"
    )
    returned = _get(clients["rep"], name)
    assert (returned["status"], returned["docstatus"]) == ("Returned", 1)
    assert returned["return_reason"] == "设备规格不符，整单退货"
    assert {d["status"] for d in returned["deliveries"]} == {"Cancelled"}
    plan = _data(clients["rep"].get(f"/api/resource/Payment Plan/{plan['name']}"))
    assert {r["status"] for r in plan["installments"]} == {"Cancelled"}
    assert "sales_order" in _errors(_ship(clients["rep"], name, item="备件包 SP-01", qty=1))


def test_owners_are_alerted_of_deliveries_due_tomorrow_and_overdue(clients, customer, products):
    today = timezone.localdate()
    order = _approved_order(
        clients, customer, delivery_date=(today + dt.timedelta(days=1)).isoformat()
    )
    later = _approved_order(
        clients, customer, delivery_date=(today + dt.timedelta(days=5)).isoformat()
    )
    Notification = get_model("Notification Log")
    earlier = set(Notification.objects.values_list("name", flat=True))

    assert do_alert_due_deliveries(today) == 1
    alerts = Notification.objects.exclude(name__in=earlier)
    assert list(alerts.values_list("for_user", "document_name")) == [("rep", order["name"])]
    assert "明天" in alerts.get().subject

    # two days later the unshipped lines are overdue; a fully shipped order is not alerted
    _ship(clients["rep"], later["name"], item="数控车床 CK6150", qty=2)
    _ship(clients["rep"], later["name"], item="备件包 SP-01", qty=5)
    earlier = set(Notification.objects.values_list("name", flat=True))
    assert do_alert_due_deliveries(today + dt.timedelta(days=7)) == 1
    overdue = Notification.objects.exclude(name__in=earlier).get()
    assert (overdue.for_user, overdue.document_name) == ("rep", order["name"])
    assert "2 行交付已逾期" in overdue.subject
    assert "数控车床 CK6150" in overdue.email_content


def test_orders_and_contracts_are_made_from_an_approved_quotation(clients, customer, products):
    quotation = _data(
        clients["rep"].post(
            "/api/resource/Quotation",
            {
                "customer": customer,
                "valid_till": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
                "items": [{"product": "数控车床 CK6150", "qty": 2, "discount_percentage": 2}],
            },
        )
    )
    # a draft quotation is not yet an order
    early = clients["rep"].post(
        "/api/method/kuaicrm.make_sales_order", {"source_name": quotation["name"]}
    )
    assert early.status_code in (417, 403)
    assert state_after(clients["rep"], "Quotation", quotation["name"], "Submit") == "Approved"

    order = _message(
        clients["rep"].post(
            "/api/method/kuaicrm.make_sales_order", {"source_name": quotation["name"], "insert": 1}
        )
    )
    contract = _message(
        clients["rep"].post(
            "/api/method/kuaicrm.make_contract", {"source_name": quotation["name"], "insert": 1}
        )
    )

    quoted = _data(clients["rep"].get(f"/api/resource/Quotation/{quotation['name']}"))
    for made in (order, contract):
        assert made["quotation"] == quotation["name"]
        assert made["customer"] == customer
        assert made["grand_total"] == quoted["grand_total"]
        assert [(i["product"], i["qty"], i["rate"]) for i in made["items"]] == [
            ("数控车床 CK6150", 2, 15484)
        ]
    assert contract["amount"] == quoted["grand_total"]
    assert quotation["name"] in contract["contract_title"]
    connections = (
        clients["rep"]
        .get("/api/method/kuaicrm.customer_360", {"customer": customer})
        .json()["message"]
    )
    assert order["name"] in str(connections) and contract["name"] in str(connections)
