"""A mapping form action in a real browser on a phone: a Test Order's "Make Delivery" opens the
new Test Delivery filled by the mapping, rows included, and saving it stores rows and link."""

from __future__ import annotations

import pytest

import tests.engine_app.hooks as engine_hooks
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def order(users, monkeypatch):
    monkeypatch.setattr(
        engine_hooks,
        "desk_form_actions",
        {"Test Order": [{"label": "Make Delivery", "mapping": "tests.make_delivery"}]},
        raising=False,
    )
    items = [
        {"item_code": "泵体", "qty": 2, "rate": 100},
        {"item_code": "叶轮", "qty": 3, "rate": 40},
    ]
    return do_insert_doc("rep", "Test Order", {"title": "泵站改造", "items": items}).name


def test_a_mapping_action_fills_the_new_form_and_saves_it_on_a_phone(
    page_for, stored, expect, order
):
    page = page_for("rep", PHONE)
    page.goto(f"/app/test-order/{order}")
    page.click("a.fa-link:has-text('Make Delivery')")
    page.wait_for_url("**/app/test-delivery/new?**")
    # the mapped title and both rows are on the new form
    assert page.locator("#in-title").input_value() == "泵站改造"
    rows = page.locator("fieldset[data-table='items'] tbody .grid-row")
    expect(rows).to_have_count(2)
    assert rows.nth(1).locator("input[name='items.1.item_code']").input_value() == "叶轮"
    # no sideways scrolling on the phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "mapping-new-delivery-390")
    page.fill("#in-title", "泵站改造 第一批")
    page.click("#save-btn")
    page.wait_for_url("**/app/test-delivery/TD-*")
    expect(page.locator("h1.page-title")).to_contain_text("泵站改造 第一批")
    screenshot(page, "mapping-saved-delivery-390")
    delivery = stored(lambda: get_model("Test Delivery").objects.get())
    saved_rows = stored(lambda: [(r.item_code, r.qty) for r in delivery.get_children("items")])
    assert (delivery.test_order, saved_rows) == (order, [("泵体", 2), ("叶轮", 3)])
