"""Overdue receivables: the daily job marks installments Overdue, reminds the owner once and
tells the owner's manager once an installment is N days late; the customer 360 shows it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from kuaicrm.cash import release_plans, remind_overdue_installments
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.kuaicrm.cash.conftest import call, message

TODAY = timezone.localdate()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def new_plan(customer: str, **extra):
    """A rep's plan: 4,000 due tomorrow and 6,000 due in 8 days."""
    return do_insert_doc(
        "rep",
        "Payment Plan",
        {
            "customer": customer,
            "total_amount": 10000,
            "installments": [
                {"due_date": str(day(1)), "amount": 4000},
                {"due_date": str(day(8)), "amount": 6000},
            ],
            **extra,
        },
    )


def notices(user: str) -> list[str]:
    return list(
        get_model("Notification Log")
        .objects.filter(for_user=user, document_type="Payment Plan")
        .order_by("creation")
        .values_list("subject", flat=True)
    )


def statuses(plan: str) -> list[str]:
    rows = get_model("Payment Plan Installment").objects.filter(parent=plan).order_by("idx")
    return [r.status for r in rows]


def test_overdue_installments_remind_the_owner_then_the_manager_after_7_days(finance, customer):
    plan = new_plan(customer)
    assert remind_overdue_installments(day(0)) == (0, 0, 0)  # nothing due yet

    # when: 12 days later, the first installment is 11 days late, the second 4
    assert remind_overdue_installments(day(12)) == (2, 2, 1)

    # then
    assert statuses(plan.name) == ["Overdue", "Overdue"]
    assert get_model("Payment Plan").objects.get(name=plan.name).status == "Overdue"
    assert len(notices("rep")) == 2 and "4000" in notices("rep")[0]
    assert len(notices("manager")) == 1 and "7" in notices("manager")[0]

    # a second run the same day tells nobody again
    assert remind_overdue_installments(day(12)) == (0, 0, 0)
    # four days on, the second installment is 8 days late: the manager hears of it too
    assert remind_overdue_installments(day(16)) == (0, 0, 1)
    assert len(notices("manager")) == 2 and len(notices("rep")) == 2


def test_the_escalation_delay_is_set_per_plan(finance, customer):
    plan = new_plan(customer, escalate_after_days=2)

    assert remind_overdue_installments(day(4)) == (1, 1, 1)

    assert len(notices("manager")) == 1
    assert get_model("Payment Plan").objects.get(name=plan.name).escalate_after_days == 2


def test_paid_installments_are_never_overdue(api, finance, customer):
    plan = new_plan(customer)
    first = get_model("Payment Plan Installment").objects.get(parent=plan.name, idx=1)
    message(
        call(
            api(finance),
            "kuaicrm.record_payment_receipt",
            customer=customer,
            receipt_date=str(TODAY),
            amount=4000,
            payment_method="Alipay",
            allocations=[{"installment": first.name, "allocated_amount": 4000}],
        )
    )

    assert remind_overdue_installments(day(5)) == (0, 0, 0)
    assert statuses(plan.name) == ["Paid", "Unpaid"]


def test_the_customer_360_shows_receivables_and_overdue(api, finance, customer, plan, contract):
    first, _second = plan["installments"]
    message(
        call(
            api(finance),
            "kuaicrm.record_payment_receipt",
            customer=customer,
            receipt_date=str(TODAY),
            amount=10000,
            payment_method="Cash",
            allocations=[{"installment": first["name"], "allocated_amount": 10000}],
        )
    )
    remind_overdue_installments(day(40))  # the 30,000 deposit was due in 30 days

    view = message(call(api("rep"), "kuaicrm.customer_360", customer=customer))

    assert {k: Decimal(v) for k, v in view["receivables"].items()} == {
        "contract_amount": Decimal("100000"),
        "invoiced": Decimal("0"),
        "collected": Decimal("10000"),
        "received": Decimal("10000"),
        "outstanding": Decimal("90000"),
        "overdue": Decimal("20000"),
    }
    assert [r["name"] for r in view["payment_plans"]["rows"]] == [plan["name"]]
    assert view["payments"]["count"] == 1
    # a rep of another team reads nothing of it
    assert call(api("south"), "kuaicrm.customer_360", customer=customer).status_code == 404


def test_a_terminated_contract_releases_its_open_installments(api, finance, plan, contract):
    first, _second = plan["installments"]
    message(
        call(
            api(finance),
            "kuaicrm.record_payment_receipt",
            customer=plan["customer"],
            receipt_date=str(TODAY),
            amount=10000,
            payment_method="Bank Transfer",
            allocations=[{"installment": first["name"], "allocated_amount": 10000}],
        )
    )

    assert release_plans("Contract", contract) == 2

    rows = get_model("Payment Plan Installment").objects.filter(parent=plan["name"]).order_by("idx")
    assert [(r.status, r.paid_amount, r.outstanding_amount) for r in rows] == [
        ("Cancelled", Decimal("10000"), Decimal("0")),
        ("Cancelled", Decimal("0"), Decimal("0")),
    ]
    released = get_model("Payment Plan").objects.get(name=plan["name"])
    assert (released.status, released.outstanding_amount) == ("Cancelled", Decimal("0"))
    assert remind_overdue_installments(day(400)) == (0, 0, 0)
