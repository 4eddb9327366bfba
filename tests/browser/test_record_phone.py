"""A record read first on a phone, edited in place, and a child row's product found by a word
(issue 17, items 4 and 9), in real Chromium at 390×844 and 1366×768."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.users import do_create_user
from tests.browser import o2c_data
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser
REP_NAME = "李娜"


@pytest.fixture
def lead(users):
    do_create_user("rep", full_name=REP_NAME, department="苏州组")
    context.reset()
    return do_insert_doc(
        "rep",
        "Lead",
        {"lead_name": "王建国", "company_name": "苏州华瑞机械", "mobile_no": "13800138000",
         "expected_amount": 300000, "city": "苏州"},
    ).name  # fmt: skip


def test_a_lead_opens_as_a_summary_card_and_edits_in_place(page_for, stored, expect, lead):
    page = page_for("rep", PHONE)
    page.goto(f"/app/lead/{lead}")

    # then: the card, its phone to dial, its owner by name; no form yet
    card = page.locator("#record-summary")
    expect(card).to_be_visible()
    expect(card.locator('a.tel[href="tel:+8613800138000"]')).to_be_visible()
    expect(card.locator('[data-field="owner"] dd')).to_have_text(REP_NAME)
    expect(card.locator('[data-field="company_name"] dd')).to_have_text("苏州华瑞机械")
    expect(page.locator("#in-city")).to_be_hidden()
    expect(page.locator("#save-btn")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "record-summary-phone-390")

    # when: 编辑 (no page load: a marker set on this page survives)
    page.evaluate("window.__samePage = true")
    page.click("#record-edit")

    # then: the form, in place
    expect(page.locator("#in-city")).to_be_visible()
    expect(card).to_be_hidden()
    assert page.evaluate("window.__samePage === true")
    screenshot(page, "record-edit-phone-390")
    page.fill("#in-city", "无锡")
    page.click("#save-btn")
    page.wait_for_function("!window.__samePage")  # the saved record's page, read first again
    expect(page.locator("#record-summary")).to_be_visible()
    assert stored(lambda: get_model("Lead").objects.get(name=lead).city) == "无锡"


def test_a_wide_screen_shows_the_form_itself(page_for, expect, lead):
    page = page_for("rep", DESKTOP)
    page.goto(f"/app/lead/{lead}")
    expect(page.locator("#in-city")).to_be_visible()
    expect(page.locator("#record-summary")).to_be_hidden()
    # a rarely used section starts folded, one tap opens it
    fold = page.locator('[data-field="section_conversion"] details.section-fold')
    expect(fold).not_to_have_attribute("open", "")
    fold.locator("summary").click()
    expect(fold).to_have_attribute("open", "")
    screenshot(page, "record-form-desktop-1366")


def test_a_quotation_row_finds_a_product_by_a_word_and_stacks_as_a_card(
    page_for, stored, expect, users
):
    # given
    o2c_data.catalogue()
    customer = o2c_data.customer()
    page = page_for("rep", PHONE)
    page.goto(f"/app/quotation/new?customer={customer}&valid_till={o2c_data.day(30)}")

    # when: a row, and 车床 typed into its product cell
    page.click(".child-table[data-table=items] .grid-add")
    cell = page.locator(".child-table[data-table=items] tbody .grid-row").last.locator(
        "input.link-cell"
    )
    cell.fill("车床")
    options = page.locator(f'datalist option[value="{o2c_data.LATHE}"]')
    expect(options).to_have_count(1)
    cell.fill(o2c_data.LATHE)
    screenshot(page, "quotation-row-card-phone-390")

    # then: the row is a card inside the phone's width, and the quotation saves with the product
    row = page.locator(".child-table[data-table=items] tbody .grid-row").last
    box = row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert row.evaluate("r => getComputedStyle(r).display") == "grid"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    row.locator('input[name$=".qty"]').fill("2")
    page.click("#save-btn")
    try:
        page.wait_for_url(lambda url: "/app/quotation/" in url and "/new" not in url)
    except Exception:
        raise AssertionError(page.locator("#form-errors").inner_text()) from None
    name = page.url.rsplit("/", 1)[1]
    saved = stored(
        lambda: [r.product for r in get_model("Quotation Item").objects.filter(parent=name)]
    )
    assert saved == [o2c_data.LATHE]
