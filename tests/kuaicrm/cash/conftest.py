"""Fixtures of the 回款 / 开票 tests: a finance user, a signed contract, its payment plan."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.workflow import engine
from lowcode.workflow.actions import do_apply_workflow
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401

# The default terms' due dates: ahead of today, so nothing is overdue unless a test says so.
DEPOSIT_DUE = str(timezone.localdate() + dt.timedelta(days=30))
FINAL_DUE = str(timezone.localdate() + dt.timedelta(days=200))
# The contract approval's forward path, in the order a walk prefers them.
FORWARD = ("Submit", "Resubmit", "Approve", "Sign")


def call(client, method: str, **params):
    """POST /api/method/<method> (JSON body), as the desk and the phone call it."""
    return client.post(f"/api/method/{method}", params)


def message(response) -> dict:
    assert response.status_code == 200, response.content.decode()
    return json.loads(response.content)["message"]


def error_messages(response) -> str:
    """Every message of a refused call (summary and field errors), as one string."""
    body = json.loads(response.content)
    parts = [str(body.get("exception") or ""), str(body.get("_server_messages") or "")]
    parts += [e.get("message", "") for e in body.get("errors") or []]
    return " ".join(parts)


# Who takes the contract approval's steps (tests/lowcode/workflow/conftest.py approvers).
DECIDERS = ("rep", "manager", "legal1", "legal2", "finance1", "finance2", "sysman")


def walk_to_submitted(doctype: str, name: str) -> None:
    """Take the approval's forward transitions, as whoever may, until the document is submitted."""
    for _step in range(20):
        context.reset()
        doc = get_model(doctype).objects.get(name=name)
        if doc.docstatus == 1:
            return
        taken = next(
            (
                (user, action)
                for user in DECIDERS
                for action in FORWARD
                if action in {t.action for t in engine.get_transitions(user, doc)}
            ),
            None,
        )
        assert taken is not None, f"{doctype} {name} is stuck in {doc.get('workflow_state')}"
        do_apply_workflow(taken[0], doctype, name, taken[1])
    raise AssertionError(f"{doctype} {name} was not submitted")


@pytest.fixture
def finance(workflows):  # noqa: F811
    """A finance user (财务); 华东销售部 is headed by the manager, the reps' supervisor."""
    return "finance1"


@pytest.fixture
def customer(finance):
    return do_insert_doc("rep", "Customer", {"customer_name": "苏州精密机械有限公司"}).name


def new_contract(customer: str, amount: float = 100000, terms=None, owner: str = "rep") -> str:
    """A signed contract of ``owner`` for ``customer`` with payment terms (30/70 by default)."""
    terms = terms or [
        {"description": "预付款", "due_basis": "Date", "due_date": DEPOSIT_DUE, "percentage": 30},
        {"description": "验收款", "due_basis": "Date", "due_date": FINAL_DUE, "percentage": 70},
    ]
    contract = do_insert_doc(
        owner,
        "Contract",
        {
            "contract_title": "数控机床采购合同",
            "customer": customer,
            "amount": amount,
            "sales_owner": owner,
            "start_date": str(timezone.localdate()),
            "end_date": FINAL_DUE,
            "signed_scan": "/private/files/signed.pdf",
            "payment_terms": terms,
        },
    )
    walk_to_submitted("Contract", contract.name)
    return contract.name


@pytest.fixture
def contract(customer) -> str:
    return new_contract(customer)


@pytest.fixture
def plan(api, contract) -> dict:
    """The contract's payment plan, made by the rep through kuaicrm.make_payment_plan."""
    return message(call(api("rep"), "kuaicrm.make_payment_plan", source_name=contract, insert=1))


def new_order(customer: str, qty: int = 2, rate: int = 5000) -> str:
    """An approved (submitted) sales order of the rep's, due for delivery in 200 days."""
    order = do_insert_doc(
        "rep",
        "Sales Order",
        {
            "customer": customer,
            "order_date": DEPOSIT_DUE,
            "delivery_date": FINAL_DUE,
            "items": [{"item_name": "立式加工中心", "qty": qty, "rate": rate}],
        },
    )
    walk_to_submitted("Sales Order", order.name)
    return order.name
