"""Fixtures of the targets, commission and order-to-cash report tests.

Plans, receipts and contracts are made through the actions layer as the people who make them
(a rep's plan, finance records and reverses receipts). Where a test needs a contract *signed*
on a given past day, or a quotation already accepted or lost, it sets the stored outcome
(docstatus, ``sign_date``, status, progress amounts) after creating the document through the
actions: the contract and quotation flows are tested by their own tests, these tests are about
the figures (as the sales report tests backdate opportunities).
"""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import count

import pytest

from kuaicrm.cash import do_record_payment_receipt, do_reverse_payment_receipt
from kuaicrm.reports import install_reports
from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.users import do_create_user
from lowcode.workflow.loader import sync_workflows
from tests.conftest import PASSWORD

RUN = "/api/method/frappe.desk.query_report.run"
_numbers = count(1)


@pytest.fixture
def o2c(users):
    """A finance user, the workflows (commission statement approval) and the report records."""
    do_create_user("fin", PASSWORD, roles=["Finance User"], department="销售中心", full_name="fin")
    sync_workflows()
    install_reports()
    context.reset()
    return "fin"


def customer_of(user: str) -> str:
    return do_insert_doc(user, "Customer", {"customer_name": f"{user}客户{next(_numbers)}"}).name


def product(name: str, group: str, rate: float) -> str:
    return do_insert_doc(
        "Administrator",
        "Product",
        {"product_name": name, "product_group": group, "standard_rate": rate},
    ).name


def plan(owner: str, customer: str, installments: list[tuple[str, float]], **more) -> dict:
    """A Payment Plan of ``owner``: ``[(due_date, amount)]``; returns {name, rows: [row names]}."""
    doc = do_insert_doc(
        owner,
        "Payment Plan",
        {
            "customer": customer,
            "total_amount": sum(amount for _due, amount in installments),
            "installments": [{"due_date": due, "amount": amount} for due, amount in installments],
            **more,
        },
    )
    rows = [r.name for r in sorted(doc.get_children("installments"), key=lambda r: r.idx)]
    context.reset()
    return {"name": doc.name, "rows": rows}


def receive(
    customer: str,
    amount: float,
    day: str,
    allocations: list[tuple[str, float]] = (),
    sales_owner: str | None = None,
) -> str:
    """Finance records a received payment, allocated to installments ``[(row, amount)]``."""
    data = {
        "customer": customer,
        "amount": amount,
        "receipt_date": day,
        "allocations": [{"installment": i, "allocated_amount": a} for i, a in allocations],
    }
    if sales_owner:
        data["sales_owner"] = sales_owner
    name = do_record_payment_receipt("fin", data).name
    context.reset()
    return name


def reverse(receipt: str, reason: str = "客户退票") -> None:
    do_reverse_payment_receipt("fin", receipt, reason)
    context.reset()


def run(client, report: str, filters: dict | None = None) -> dict:
    response = client.get(RUN, {"report_name": report, "filters": filters or {}})
    assert response.status_code == 200, response.content.decode()[:800]
    return response.json()["message"]


def call(client, method: str, **params):
    return client.post(f"/api/method/{method}", params)


def message(response):
    assert response.status_code == 200, response.content.decode()[:800]
    return json.loads(response.content)["message"]


def d(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def stored(doctype: str, name: str):
    return get_model(doctype).objects.get(name=name)
