"""Payment Receipts (回款): finance records and allocates; partial, full, refused, reversed."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from kuaicrm.cash import do_record_payment_receipt
from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import ValidationError
from lowcode.storage.factory import get_model
from tests.kuaicrm.cash.conftest import call, error_messages, message


def receipt(customer: str, amount, allocations: list[tuple[dict, object]], **extra) -> dict:
    return {
        "customer": customer,
        "receipt_date": "2026-02-01",
        "amount": amount,
        "payment_method": "Bank Transfer",
        "reference_no": "CMB20260201001",
        "allocations": [
            {"installment": row["name"], "allocated_amount": allocated}
            for row, allocated in allocations
        ],
        **extra,
    }


def installments(plan_name: str) -> list:
    return list(
        get_model("Payment Plan Installment").objects.filter(parent=plan_name).order_by("idx")
    )


def stored(doctype: str, name: str):
    return get_model(doctype).objects.get(name=name)


def test_a_partial_then_a_full_payment(api, finance, plan, contract):
    first, second = plan["installments"]
    client = api(finance)

    # when: 10,000 of the 30,000 deposit arrives
    partial = message(
        call(
            client,
            "kuaicrm.record_payment_receipt",
            **receipt(plan["customer"], 10000, [(first, 10000)]),
        )
    )

    # then
    assert partial["name"].startswith("HK-") and partial["docstatus"] == 1
    rows = installments(plan["name"])
    assert (rows[0].status, rows[0].paid_amount, rows[0].outstanding_amount) == (
        "Partly Paid",
        Decimal("10000"),
        Decimal("20000"),
    )
    assert stored("Payment Plan", plan["name"]).outstanding_amount == Decimal("90000")
    signed = stored("Contract", contract)
    assert (signed.collected_amount, signed.outstanding_amount) == (
        Decimal("10000"),
        Decimal("90000"),
    )

    # when: the rest of the deposit and all of the final payment, in one receipt
    message(
        call(
            client,
            "kuaicrm.record_payment_receipt",
            **receipt(
                plan["customer"],
                90000,
                [(first, 20000), (second, 70000)],
                payment_method="Bank Acceptance Bill",
            ),
        )
    )

    # then
    assert [r.status for r in installments(plan["name"])] == ["Paid", "Paid"]
    paid_plan = stored("Payment Plan", plan["name"])
    assert (paid_plan.status, paid_plan.outstanding_amount) == ("Paid", Decimal("0"))
    signed = stored("Contract", contract)
    assert (signed.collected_amount, signed.outstanding_amount) == (
        Decimal("100000"),
        Decimal("0"),
    )
    # the contract stays in its workflow state: a receipt is not an edit of the contract
    assert signed.workflow_state == "Signed" and signed.docstatus == 1


def test_allocating_more_than_an_installment_owes_names_it(api, finance, plan):
    first, _second = plan["installments"]
    client = api(finance)
    message(
        call(
            client,
            "kuaicrm.record_payment_receipt",
            **receipt(plan["customer"], 25000, [(first, 25000)]),
        )
    )

    # when: 6,000 more for the deposit, which owes 5,000
    response = call(
        client, "kuaicrm.record_payment_receipt", **receipt(plan["customer"], 6000, [(first, 6000)])
    )

    # then
    assert response.status_code == 417
    text = error_messages(response)
    assert f"{plan['name']} 第 1 期" in text and "5000" in text and "6000" in text
    assert installments(plan["name"])[0].paid_amount == Decimal("25000")


def test_allocations_cannot_exceed_the_receipt(api, finance, plan):
    first, second = plan["installments"]

    response = call(
        api(finance),
        "kuaicrm.record_payment_receipt",
        **receipt(plan["customer"], 1000, [(first, 800), (second, 800)]),
    )

    assert response.status_code == 417
    text = error_messages(response)
    assert "1600" in text and "1000" in text
    assert not get_model("Payment Receipt").objects.exists()


def test_a_receipt_need_not_be_fully_allocated(finance, plan):
    first, _second = plan["installments"]

    doc = do_insert_doc(
        finance, "Payment Receipt", receipt(plan["customer"], 50000, [(first, 30000)])
    )

    assert (doc.allocated_amount, doc.unallocated_amount) == (Decimal("30000"), Decimal("20000"))


def test_the_outstanding_check_reads_the_locked_plan_not_the_callers_copy(finance, plan):
    # given: two drafts that each take the whole deposit (a draft is not yet received)
    first, _second = plan["installments"]
    drafts = [
        do_insert_doc(
            finance, "Payment Receipt", receipt(plan["customer"], 30000, [(first, 30000)])
        )
        for _ in range(2)
    ]
    from lowcode.documents.actions import do_submit_doc

    do_submit_doc(finance, "Payment Receipt", drafts[0].name)
    context.reset()

    # when: the second is submitted, it sees the first under the plan's lock
    with pytest.raises(ValidationError) as refused:
        do_submit_doc(finance, "Payment Receipt", drafts[1].name)

    assert refused.value.errors[0].rule == "over_allocated"
    assert installments(plan["name"])[0].paid_amount == Decimal("30000")


def test_reversal_needs_a_reason_and_gives_the_outstanding_back(api, finance, plan, contract):
    first, _second = plan["installments"]
    client = api(finance)
    done = message(
        call(
            client,
            "kuaicrm.record_payment_receipt",
            **receipt(plan["customer"], 30000, [(first, 30000)]),
        )
    )
    assert installments(plan["name"])[0].status == "Paid"

    # a bare cancel is refused: a reversal is recorded with its reason
    bare = client.post(
        "/api/method/frappe.client.cancel", {"doctype": "Payment Receipt", "name": done["name"]}
    )
    assert bare.status_code == 417
    no_reason = call(client, "kuaicrm.reverse_payment_receipt", receipt=done["name"], reason=" ")
    assert no_reason.status_code == 417

    # when
    reversed_ = message(
        call(client, "kuaicrm.reverse_payment_receipt", receipt=done["name"], reason="银行退票")
    )

    # then
    assert reversed_["docstatus"] == 2 and reversed_["reversal_reason"] == "银行退票"
    assert reversed_["reversed_on"]
    row = installments(plan["name"])[0]
    assert (row.status, row.paid_amount, row.outstanding_amount) == (
        "Unpaid",
        Decimal("0"),
        Decimal("30000"),
    )
    signed = stored("Contract", contract)
    assert (signed.collected_amount, signed.outstanding_amount) == (
        Decimal("0"),
        Decimal("100000"),
    )


def test_sales_cannot_record_or_reverse_receipts_but_read_their_own(api, finance, plan):
    first, _second = plan["installments"]
    body = receipt(plan["customer"], 1000, [(first, 1000)])

    assert call(api("rep"), "kuaicrm.record_payment_receipt", **body).status_code == 403
    assert api("rep").post("/api/resource/Payment Receipt", body).status_code == 403

    done = message(call(api(finance), "kuaicrm.record_payment_receipt", **body))
    reverse = call(api("rep"), "kuaicrm.reverse_payment_receipt", receipt=done["name"], reason="x")
    assert reverse.status_code in (403, 404)

    # the rep (sales owner) reads it; a rep of another team does not
    assert api("rep").get(f"/api/resource/Payment Receipt/{done['name']}").status_code == 200
    assert api("south").get(f"/api/resource/Payment Receipt/{done['name']}").status_code == 404


def test_an_installment_cannot_drop_below_what_was_paid(api, finance, plan):
    first, second = plan["installments"]
    message(
        call(
            api(finance),
            "kuaicrm.record_payment_receipt",
            **receipt(plan["customer"], 30000, [(first, 30000)]),
        )
    )

    with pytest.raises(ValidationError) as refused:
        do_save_doc(
            "rep",
            "Payment Plan",
            plan["name"],
            {
                "installments": [
                    {"name": first["name"], "due_date": first["due_date"], "amount": 20000},
                    {"name": second["name"], "due_date": second["due_date"], "amount": 80000},
                ]
            },
        )

    assert refused.value.errors[0].rule == "paid"


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_two_receipts_for_the_same_installment_at_once_never_over_allocate(finance, plan):
    if connection.vendor != "mysql":
        pytest.skip("SQLite serialises writers; the row lock race needs MariaDB")
    first, _second = plan["installments"]
    body = receipt(plan["customer"], 30000, [(first, 30000)])
    barrier, outcomes = threading.Barrier(2), []

    def record(user: str) -> None:
        try:
            barrier.wait()
            context.reset()
            do_record_payment_receipt(user, dict(body))
            outcomes.append(user)
        except ValidationError as refused:
            outcomes.append(refused.errors[0].rule)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(u,)) for u in ("finance1", "finance2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(o == "over_allocated" for o in outcomes) == [False, True], outcomes
    assert installments(plan["name"])[0].paid_amount == Decimal("30000")
    assert get_model("Payment Receipt").objects.filter(docstatus=1).count() == 1


def test_a_stale_contract_form_cannot_write_back_old_receivables(api, finance, plan, contract):
    # given: the manager opened the signed contract before the deposit was received
    first, _second = plan["installments"]
    message(
        call(
            api(finance),
            "kuaicrm.record_payment_receipt",
            **receipt(plan["customer"], 30000, [(first, 30000)]),
        )
    )

    # when: the manager saves the form as it was shown (collected 0, outstanding 100,000)
    response = api("manager").put(
        f"/api/resource/Contract/{contract}",
        {
            "signed_scan": "/private/files/signed-v2.pdf",
            "collected_amount": 0,
            "outstanding_amount": 100000,
            "invoiced_amount": 5,
        },
    )

    # then: the edit is saved, the totals still come from the receipts
    assert response.status_code == 200, response.content.decode()
    signed = stored("Contract", contract)
    assert signed.signed_scan == "/private/files/signed-v2.pdf"
    assert (signed.collected_amount, signed.outstanding_amount, signed.invoiced_amount) == (
        Decimal("30000"),
        Decimal("70000"),
        Decimal("0"),
    )


def test_a_plan_that_received_money_cannot_be_deleted(api, finance, plan):
    first, _second = plan["installments"]
    done = message(
        call(
            api(finance),
            "kuaicrm.record_payment_receipt",
            **receipt(plan["customer"], 1000, [(first, 1000)]),
        )
    )
    url = f"/api/resource/Payment Plan/{plan['name']}"

    refused = api(finance).delete(url)
    assert refused.status_code == 417 and done["name"] in error_messages(refused)

    message(
        call(api(finance), "kuaicrm.reverse_payment_receipt", receipt=done["name"], reason="退回")
    )
    assert api(finance).delete(url).status_code == 202
    assert not get_model("Payment Plan").objects.filter(name=plan["name"]).exists()
