"""The customer's 应收 on the desk's connections page (hooks ``desk_connection_cards``): the
figures of ``kuaicrm.customer_360``, read through the permission layer as the reader."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape

from django.utils import timezone

from kuaicrm.cash import remind_overdue_installments
from tests.kuaicrm.cash.conftest import call, message
from tests.lowcode.desk.conftest import desk  # noqa: F401

TODAY = timezone.localdate()


def receivables_card(client, customer: str) -> dict[str, str] | None:
    """Label → value of the card's figures on the customer's connections page (None: no card)."""
    response = client.get(f"/app/customer/{customer}/connections")
    assert response.status_code == 200, response.content.decode()[:500]
    html = unescape(response.content.decode())
    card = re.search(
        r'<section class="card home-card" data-card="receivables".*?</section>', html, re.S
    )
    if card is None:
        return None
    assert "<h2" in card.group(0) and "应收回款" in card.group(0)
    figures = re.findall(
        r'class="figure[^"]*"[^>]*><span class="figure-label">([^<]*)</span>'
        r'<span class="figure-value">([^<]*)</span>',
        card.group(0),
    )
    return dict(figures)


def test_the_connections_page_shows_the_customers_receivables(
    api,
    desk,  # noqa: F811
    finance,
    customer,
    plan,
    contract,
):
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
    remind_overdue_installments(TODAY + dt.timedelta(days=40))  # the 30,000 deposit is overdue

    # when the rep opens the customer's connections (客户 360)
    shown = receivables_card(desk("rep"), customer)

    # then the card holds the API's figures for the same reader
    api_view = message(call(api("rep"), "kuaicrm.customer_360", customer=customer))["receivables"]
    assert {k: Decimal(v) for k, v in api_view.items() if k != "received"} == {
        "contract_amount": Decimal("100000"),
        "invoiced": Decimal("0"),
        "collected": Decimal("10000"),
        "outstanding": Decimal("90000"),
        "overdue": Decimal("20000"),
    }
    assert shown == {
        "合同金额": "¥100,000.00",
        "已开票金额": "¥0.00",
        "回款额": "¥10,000.00",
        "未回款金额": "¥90,000.00",
        "逾期金额": "¥20,000.00",
    }
    page = unescape(desk("rep").get(f"/app/customer/{customer}/connections").content.decode())
    assert f'class="figure tone-red" href="/app/payment-plan?f_customer={customer}"' in page


def test_a_pool_reader_sees_only_the_receivables_they_may_read(
    api,
    desk,  # noqa: F811
    finance,
    customer,
    plan,
    contract,
):
    # given the customer back in the pool: any rep who may claim it reads it, not its contracts
    message(call(api("rep"), "kuaicrm.release_customer", customer=customer, reason="暂不跟进"))

    # then a rep of another team sees the card with nothing of the rep's contract or plan
    assert receivables_card(desk("south"), customer) == {
        "合同金额": "¥0.00",
        "已开票金额": "¥0.00",
        "回款额": "¥0.00",
        "未回款金额": "¥0.00",
        "逾期金额": "¥0.00",
    }
    # while finance (every contract and plan) sees the amounts
    assert receivables_card(desk(finance), customer)["合同金额"] == "¥100,000.00"
    assert receivables_card(desk(finance), customer)["未回款金额"] == "¥100,000.00"
