"""Payment Plans (回款计划): made from a contract's terms or an order, installments that add up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.exceptions import ValidationError
from lowcode.storage.factory import get_model
from tests.kuaicrm.cash.conftest import (
    DEPOSIT_DUE,
    FINAL_DUE,
    call,
    message,
    new_order,
)


def test_a_plan_from_a_signed_contract_takes_its_payment_terms(api, contract):
    # when
    plan = message(call(api("rep"), "kuaicrm.make_payment_plan", source_name=contract, insert=1))

    # then
    assert plan["contract"] == contract and plan["customer"]
    assert Decimal(plan["total_amount"]) == Decimal("100000")
    rows = plan["installments"]
    assert [(r["due_date"], Decimal(r["amount"]), r["status"]) for r in rows] == [
        (DEPOSIT_DUE, Decimal("30000"), "Unpaid"),
        (FINAL_DUE, Decimal("70000"), "Unpaid"),
    ]
    assert Decimal(plan["outstanding_amount"]) == Decimal("100000")
    assert plan["sales_owner"] == "rep"


def test_installments_must_add_up_to_the_total(finance, customer):
    with pytest.raises(ValidationError) as refused:
        do_insert_doc(
            "rep",
            "Payment Plan",
            {
                "customer": customer,
                "total_amount": 1000,
                "installments": [
                    {"due_date": "2026-03-01", "amount": 400},
                    {"due_date": "2026-04-01", "amount": 500},
                ],
            },
        )

    fields = {e.fieldname for e in refused.value.errors}
    assert {"installments", "total_amount"} <= fields
    assert "900" in refused.value.errors[0].message and "1000" in refused.value.errors[0].message


def test_percentages_become_amounts_and_the_last_takes_the_cents(finance, customer):
    plan = do_insert_doc(
        "rep",
        "Payment Plan",
        {
            "customer": customer,
            "total_amount": "100.01",
            "installments": [
                {"due_date": "2026-03-01", "percentage": 30},
                {"due_date": "2026-04-01", "percentage": 30},
                {"due_date": "2026-05-01", "percentage": 40},
            ],
        },
    )

    amounts = [r.amount for r in plan.get_children("installments")]
    assert amounts == [Decimal("30.00"), Decimal("30.00"), Decimal("40.01")]


def test_a_plan_from_a_sales_order_is_one_installment_due_on_delivery(api, finance, customer):
    order = new_order(customer)

    plan = message(
        call(api("rep"), "kuaicrm.make_payment_plan_from_order", source_name=order, insert=1)
    )

    assert plan["sales_order"] == order
    assert [(r["due_date"], Decimal(r["amount"])) for r in plan["installments"]] == [
        (FINAL_DUE, Decimal(plan["total_amount"]))
    ]
    assert Decimal(plan["total_amount"]) > 0


def test_a_plan_finance_makes_is_read_by_the_contracts_sales_owner(api, finance, contract):
    plan = message(call(api(finance), "kuaicrm.make_payment_plan", source_name=contract, insert=1))
    url = f"/api/resource/Payment Plan/{plan['name']}"

    assert plan["sales_owner"] == "rep"
    assert api("rep").get(url).status_code == 200
    assert api("south").get(url).status_code == 404


def test_a_draft_contract_has_no_plan_yet(api, finance, customer):
    draft = do_insert_doc(
        "rep", "Contract", {"contract_title": "草稿", "customer": customer, "amount": 1000}
    )

    response = call(api("rep"), "kuaicrm.make_payment_plan", source_name=draft.name, insert=1)

    assert response.status_code == 417
    assert not get_model("Payment Plan").objects.exists()


def test_a_contract_has_one_live_plan(api, plan, contract):
    again = call(api("rep"), "kuaicrm.make_payment_plan", source_name=contract, insert=1)

    assert again.status_code == 417
    assert plan["name"] in again.json()["errors"][0]["message"]
    assert again.json()["errors"][0]["field"] == "contract"
