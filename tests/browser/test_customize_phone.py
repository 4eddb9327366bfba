"""Customize Form on a phone: each section folds to one line and "add a field" is where it is
reached (item 10). Before, every field was an open card: the page was 10,984 px tall for the
lead and 12,629 px for the contract at 390x844 (scrollHeight in CSS px)."""

from __future__ import annotations

import pytest

from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser
HEIGHT = "() => document.documentElement.scrollHeight"
# Two phone screens: the folded list, then the add form below it.
MOST_ON_A_PHONE = 2 * 1_300


@pytest.mark.parametrize("slug", ["lead", "contract"])
def test_on_a_phone_sections_fold_and_the_page_is_two_screens(page_for, expect, slug):
    admin = page_for("sysman", PHONE)
    admin.goto(f"/app/customize-form/{slug}")
    heads = admin.locator("#cf-fields .cf-section-head")
    expect(heads.first).to_be_visible()

    height = admin.evaluate(HEIGHT)
    print(f"customize-form/{slug} at 390x844: {height} px")
    screenshot(admin, f"customize-form-{slug}-390")

    assert height < MOST_ON_A_PHONE
    assert heads.count() >= 3
    assert admin.locator("#cf-fields tr.cf-row:visible").count() == 0
    # no sideways scrolling either
    assert admin.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_phone_a_section_opens_and_a_field_is_added_right_there(page_for, stored, expect):
    admin = page_for("sysman", PHONE)
    admin.goto("/app/customize-form/lead")
    head = admin.locator("#cf-fields .cf-section-head").nth(1)
    section = head.get_attribute("data-section")
    rows = admin.locator(f'#cf-fields tr.cf-row[data-section="{section}"]')

    head.locator(".cf-sec-toggle").click()
    expect(rows.first).to_be_visible()
    expect(head.locator(".cf-sec-toggle")).to_have_attribute("aria-expanded", "true")
    last = head.locator(".cf-add-here").get_attribute("data-after")

    head.locator(".cf-add-here").click()
    expect(admin.locator("#cf-add-label")).to_be_focused()
    expect(admin.locator("#cf-add-insert_after")).to_have_value(last)
    admin.fill("#cf-add-label", "行业细分")
    admin.fill("#cf-add-fieldname", "custom_segment")
    admin.click("#cf-add-submit")

    added = admin.locator('#cf-fields tr.cf-row[data-field="custom_segment"]')
    expect(added).to_be_visible()
    assert added.get_attribute("data-section") == section
    screenshot(admin, "customize-form-lead-added-390")
    assert stored(lambda: get_model("Custom Field").objects.get().insert_after) == last


def test_on_a_computer_every_field_shows_as_before(page_for, expect):
    admin = page_for("sysman", DESKTOP)
    admin.goto("/app/customize-form/lead")
    expect(admin.locator("#cf-fields tr.cf-row").first).to_be_visible()

    print(f"customize-form/lead at 1366x768: {admin.evaluate(HEIGHT)} px")
    screenshot(admin, "customize-form-lead-1366-sections")

    assert admin.locator("#cf-fields .cf-section-head:visible").count() == 0
    rows = admin.locator("#cf-fields tr.cf-row")
    assert admin.locator("#cf-fields tr.cf-row:visible").count() == rows.count() > 30
    expect(admin.locator("#cf-preview")).to_be_visible()
