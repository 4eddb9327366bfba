"""A customer's 应收 on the connections page (客户 360) in Chromium at 390×844: the rep sees
the contract amount, invoiced, collected, outstanding and the overdue deposit, one tap from
the payment plans, with nothing wider than the phone."""

from __future__ import annotations

import pytest

from kuaicrm.cash import remind_overdue_installments
from lowcode import context
from tests.browser import o2c_data as data
from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def customer(workflows):
    """A signed 100,000 contract whose 30 % deposit was due 40 days ago; 10,000 received."""
    name = data.customer()
    plan = data.payment_plan(data.contract(name))
    deposit = min(plan["installments"], key=lambda row: row["idx"])
    data.receipt(name, deposit["name"], 10000)
    remind_overdue_installments()
    context.reset()
    return name


def test_the_rep_reads_the_customers_receivables_on_a_phone(page_for, customer, expect):
    page = page_for("rep", PHONE)
    page.goto(f"/app/customer/{customer}/connections")

    card = page.locator("section.home-card[data-card='receivables']")
    expect(card.locator("h2")).to_have_text("应收回款")
    figures = card.locator(".figure")
    expect(figures).to_have_count(5)
    expect(figures.nth(0)).to_contain_text("¥100,000.00")
    expect(figures.nth(2)).to_contain_text("¥10,000.00")
    expect(figures.nth(3)).to_contain_text("¥90,000.00")
    expect(figures.nth(4)).to_contain_text("¥20,000.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "customer-receivables-390")

    figures.nth(4).click()
    page.wait_for_url("**/app/payment-plan?f_customer=*")
    expect(page.locator("#list-results a[href^='/app/payment-plan/PP-']")).to_have_count(1)
    expect(page.locator("#list-results")).to_contain_text("90,000.00")
