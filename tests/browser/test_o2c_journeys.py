"""Order-to-cash journeys in a real browser, the approvers on 390×844 phones: a quotation made
from an opportunity with a discount over the threshold, countersigned (会签) by the sales
manager and finance; the contract's manager → legal (会签) → finance path and its signing with
the signed scan uploaded; finance recording a payment against a plan's installments (an
over-allocation refused on its row); an invoice request issued; the quotation's print preview
and PDF; the home page's overdue receivables and attainment. Data is made through the actions
layer; the browser does the rest."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.documents.factory import get_model
from tests.browser import o2c_data as data
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser


def viewport_shot(page, name: str) -> None:
    """What the screen shows right now, not the whole page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def stored_doc(stored, doctype: str, name: str):
    return stored(lambda: get_model(doctype).objects.get(name=name))


def open_from_inbox(page, expect, name: str) -> None:
    """The approver's path: the approvals inbox, then the document."""
    page.goto("/app/approvals")
    item = page.locator(f".rows li a[href$='/{name}']")
    expect(item).to_be_visible()
    item.click()
    page.wait_for_url(f"**/{name}")


# ------------------------------------------------------------------ a. quotation, 会签 on phones


@pytest.fixture
def opportunity(workflows):
    data.catalogue()
    name = data.opportunity(data.customer())
    context.reset()
    return name


def test_a_discounted_quotation_is_countersigned_on_phones(page_for, opportunity, stored, expect):
    # given: the rep makes the quotation from the opportunity (the mapping form action)
    rep = page_for("rep", DESKTOP)
    rep.goto(f"/app/opportunity/{opportunity}")
    rep.locator(".form-actions-bar a", has_text="生成报价单").click()
    rep.wait_for_url("**/app/quotation/new?**")
    rows = rep.locator("fieldset[data-table='items'] tbody .grid-row")
    expect(rows).to_have_count(1)
    # a 15 % discount: over the 10 % the admin allows without approval
    rep.fill("input[name='items.0.discount_percentage']", "15")
    rep.click("#save-btn")
    rep.wait_for_url("**/app/quotation/QTN-*")
    name = rep.url.rsplit("/", 1)[-1]
    # 158000 − 15 % = 134300 × 2 = 268600, computed on the server
    expect(rep.locator("input[name='items.0.amount']")).to_have_value("268600")
    rep.locator(".wf-action", has_text="提交").click()
    expect(rep.locator("h1 .pill")).to_have_text("待审批")

    # when: the sales manager decides on a phone, from the approvals inbox
    manager = page_for("manager", PHONE)
    open_from_inbox(manager, expect, name)
    progress = manager.get_by_test_id("approval-progress")
    expect(progress).to_contain_text("会签 0/")
    no_sideways_scroll(manager)
    viewport_shot(manager, "o2c-a-quotation-manager-390")
    manager.locator('.wf-action[data-action="Approve"]').click()
    expect(progress).to_contain_text("会签 1/")
    assert stored_doc(stored, "Quotation", name).status == "Pending Approval"

    # then: finance agrees on theirs (every finance user holds a slot), and it is approved
    for number, user in enumerate(("finance1", "finance2"), start=2):
        finance = page_for(user, PHONE)
        open_from_inbox(finance, expect, name)
        # the negative decision does not look like the positive one
        reject = finance.locator('.wf-action[data-action="Reject"]')
        assert "btn-primary" not in reject.get_attribute("class")
        viewport_shot(finance, f"o2c-a-quotation-{user}-390")
        finance.locator('.wf-action[data-action="Approve"]').click()
        if number < 3:
            expect(finance.get_by_test_id("approval-progress")).to_contain_text(f"会签 {number}/3")
    expect(finance.locator("h1 .pill")).to_have_text("审批通过")
    quotation = stored_doc(stored, "Quotation", name)
    assert (quotation.status, quotation.docstatus) == ("Approved", 1)
    screenshot(finance, "o2c-a-quotation-approved-390")
