"""Order-to-cash documents for the browser tests, made through the actions layer as the people
who make them: products, a customer and an opportunity of the rep's, a quotation, a signed
contract with its payment plan, a received payment, an invoice request, a target, a commission
rule and statement. Each helper returns names; the browser does the rest."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kuaicrm.cash import do_issue_invoice, do_record_payment_receipt
from kuaicrm.commission import do_make_commission_statements
from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.documents.mapping import do_make_mapped_doc
from tests.conftest import new_graded_customer
from tests.kuaicrm.cash.conftest import walk_to_submitted

# A valid unified social credit code (GB 32100-2015 check character).
CREDIT_CODE = "91350100M000100Y43"
LATHE, SPARES = "数控车床 CK6150", "备件包 SP-01"


def day(offset: int = 0) -> str:
    return (timezone.localdate() + dt.timedelta(days=offset)).isoformat()


def catalogue() -> list[str]:
    for name, rate, cost, group in (
        (LATHE, "158000", "118500", "CNC Machine Tools"),
        (SPARES, "1288.85", "700", "Spare Parts"),
    ):
        do_insert_doc(
            "Administrator",
            "Product",
            {"product_name": name, "standard_rate": rate, "standard_cost": cost,
             "product_group": group, "uom": "台"},
        )  # fmt: skip
    return [LATHE, SPARES]


def company() -> str:
    """Our company: the letterhead and the seller on printed documents."""
    return do_insert_doc(
        "Administrator",
        "Company",
        {"company_name": "苏州快工装备有限公司", "tax_id": "91320500MA1XXXXX0X", "is_default": 1,
         "address": "苏州工业园区星湖街 88 号", "phone": "0512-62880000",
         "bank": "招商银行苏州分行", "bank_account": "5129 0000 1234 567"},
    ).name  # fmt: skip


def customer(name: str = "常州恒远精密机械有限公司") -> str:
    return new_graded_customer("rep", {"customer_name": name, "customer_level": "A"}).name


def opportunity(customer_name: str) -> str:
    return do_insert_doc(
        "rep",
        "Opportunity",
        {"opportunity_name": "恒远二期产线", "customer": customer_name,
         "expected_close_date": day(60), "items": [{"product": LATHE, "qty": 2, "rate": 150000}]},
    ).name  # fmt: skip


def quotation(customer_name: str, discount: float = 5) -> str:
    return do_insert_doc(
        "rep",
        "Quotation",
        {"customer": customer_name, "valid_till": day(30),
         "items": [{"product": LATHE, "qty": 2, "discount_percentage": discount},
                   {"product": SPARES, "qty": 10, "tax_rate": "13"}]},
    ).name  # fmt: skip


def contract(customer_name: str, amount: float = 100000, *, signed: bool = True) -> str:
    name = do_insert_doc(
        "rep",
        "Contract",
        {"contract_title": "数控车床供货合同", "customer": customer_name, "amount": amount,
         "sales_owner": "rep", "start_date": day(), "end_date": day(365),
         **({"signed_scan": "/private/files/signed.pdf"} if signed else {}),
         "payment_terms": [
             {"description": "预付款", "due_basis": "Date", "due_date": day(-40), "percentage": 30},
             {"description": "验收款", "due_basis": "Date", "due_date": day(90), "percentage": 70},
         ]},
    ).name  # fmt: skip
    if signed:
        walk_to_submitted("Contract", name)
    context.reset()
    return name


def payment_plan(contract_name: str) -> dict:
    return do_make_mapped_doc("rep", "kuaicrm.make_payment_plan", contract_name, insert=True)


def receipt(customer_name: str, installment: str, amount: float = 10000) -> str:
    return do_record_payment_receipt(
        "finance1",
        {"customer": customer_name, "amount": amount, "receipt_date": day(),
         "payment_method": "Bank Transfer", "reference_no": "CMB20261201001",
         "allocations": [{"installment": installment, "allocated_amount": amount}]},
    ).name  # fmt: skip


def invoice_request(contract_name: str, amount: float = 11300) -> str:
    draft = do_make_mapped_doc("rep", "kuaicrm.make_invoice", contract_name)
    for key in ("name", "__islocal", "owner", "creation", "modified", "modified_by", "docstatus"):
        draft.pop(key, None)
    draft.update(
        {"grand_total": amount, "invoice_type": "VAT Special Invoice",
         "buyer_title": "常州恒远精密机械有限公司", "taxpayer_id": CREDIT_CODE,
         "buyer_address": "常州市武进区常武中路 18 号", "buyer_phone": "0519-86001234",
         "buyer_bank": "招商银行常州分行", "buyer_account": "519902345610001"}
    )  # fmt: skip
    return do_insert_doc("rep", "Invoice", draft).name


def issued(invoice: str) -> str:
    do_issue_invoice("finance1", invoice, "04412345", day())
    return invoice


def target(user: str = "rep", amount: float = 40000) -> str:
    today = timezone.localdate()
    return do_insert_doc(
        "manager",
        "Sales Target",
        {"target_type": "Collected Amount", "period_type": "Month", "period": f"{today:%Y-%m}",
         "target_amount": amount, "user": user},
    ).name  # fmt: skip


def commission(period: str) -> tuple[str, list[str]]:
    rule = do_insert_doc(
        "finance1",
        "Commission Rule",
        {"rule_name": "通用提成", "calculation": "Whole Amount", "effective_from": "2026-01-01",
         "tiers": [{"from_amount": 0, "to_amount": 50000, "rate": 1},
                   {"from_amount": 50000, "rate": 1.5}]},
    ).name  # fmt: skip
    made = do_make_commission_statements("manager", period)
    return rule, list(made.get("created") or [])
