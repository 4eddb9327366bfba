"""The desk's 回款 / 开票 actions: the mapping links on a signed contract, 冲销 from the form."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

from kuaicrm.cash import do_record_payment_receipt
from lowcode.storage.factory import get_model
from tests.lowcode.desk.conftest import desk  # noqa: F401
from tests.lowcode.desk.test_form_actions import buttons, page


def mapping_links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'<a class="btn fa-link" href="([^"]+)">', html)]


def test_a_signed_contract_offers_its_plan_and_invoice_request(desk, contract):  # noqa: F811
    links = mapping_links(page(desk("rep"), f"/app/contract/{contract}"))

    assert f"/app/payment-plan/new?__mapping=kuaicrm.make_payment_plan&__source={contract}" in links
    assert f"/app/invoice/new?__mapping=kuaicrm.make_invoice&__source={contract}" in links


def test_finance_reverses_a_receipt_from_its_form_with_a_reason(desk, finance, plan):  # noqa: F811
    first = plan["installments"][0]
    done = do_record_payment_receipt(
        finance,
        {
            "customer": plan["customer"],
            "receipt_date": first["due_date"],
            "amount": 30000,
            "payment_method": "Bank Transfer",
            "allocations": [{"installment": first["name"], "allocated_amount": 30000}],
        },
    )
    url = f"/app/payment-receipt/{done.name}"
    assert "reverse" not in buttons(page(desk("rep"), url))  # the rep reads it, cannot reverse
    client = desk(finance)
    assert "reverse" in buttons(page(client, url))

    assert client.post(f"{url}/run/reverse", {"reason": ""}).status_code != 204
    response = client.post(f"{url}/run/reverse", {"reason": "客户重复付款，原路退回"})

    assert response.status_code == 204, response.content.decode()
    receipt = get_model("Payment Receipt").objects.get(name=done.name)
    assert (receipt.docstatus, receipt.reversal_reason) == (2, "客户重复付款，原路退回")
    row = get_model("Payment Plan Installment").objects.get(name=first["name"])
    assert row.outstanding_amount == Decimal("30000")


def test_an_installments_computed_status_reads_as_text_not_a_dropdown(desk, plan):  # noqa: F811
    """A read-only Select in a child row (the installment's status) is shown, not offered."""
    html = page(desk("rep"), f"/app/payment-plan/{plan['name']}")
    first = plan["installments"][0]["name"]
    assert not re.search(r'<select name="installments\.\d+\.status"', html)
    cell = re.search(r'<input type="hidden" name="installments\.0\.status" value="([^"]*)">'
                     r'<input type="text" aria-label="[^"]*" value="([^"]*)" readonly>', html)  # fmt: skip
    assert cell, html
    stored = get_model("Payment Plan Installment").objects.get(name=first).status
    assert cell.group(1) == stored
    assert cell.group(2) == {"Unpaid": "未回款", "Overdue": "已逾期"}[stored]
