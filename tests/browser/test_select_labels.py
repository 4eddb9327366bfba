"""A Select custom field whose options have a stored value and a Chinese label, added in
Customize Form at 390x844 and 1366x768: the form shows the labels, the record keeps the value."""

from __future__ import annotations

import pytest

from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])


def fill_option_rows(page, form: str, rows: list[tuple[str, str]]) -> None:
    """Type (value, 中文标签) rows into a form's option rows, adding rows as needed."""
    box = page.locator(f"{form} [data-option-rows]")
    for index, (value, label) in enumerate(rows):
        if box.locator(".opt-row").count() <= index:
            box.locator(".opt-add").click()
        row = box.locator(".opt-row").nth(index)
        row.locator(".opt-value").fill(value)
        row.locator(".opt-label").fill(label)


@VIEWPORTS
def test_an_admin_gives_select_options_chinese_labels(page_for, stored, expect, viewport):
    wide = str(viewport["width"])
    admin = page_for("sysman", viewport)
    admin.goto("/app/customize-form/lead")
    admin.fill("#cf-add-label", "采购渠道")
    admin.select_option("#cf-add-fieldtype", "Select")
    expect(admin.locator("#cf-add-options")).to_be_hidden()  # rows, not lines, for a Select
    fill_option_rows(admin, "#cf-add-form", [("direct", "直销"), ("agent", "代理商")])
    # a third row, typed as a label only: its value is made from it
    fill_option_rows(admin, "#cf-add-form", [("direct", "直销"), ("agent", "代理商"), ("", "电商")])
    admin.locator("#cf-add-opt-rows").scroll_into_view_if_needed()
    screenshot(admin, f"select-labels-add-{wide}")
    assert admin.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    admin.click("#cf-add-submit")
    row = admin.locator('.cf-row[data-field="custom_caigou_qudao"]')
    expect(row).to_be_attached()
    field = "Lead-custom_caigou_qudao"
    options = stored(lambda: get_model("Custom Field").objects.get(name=field).options)
    assert options == "direct\nagent\ndianshang"

    # the editor shows the rows back, labels included (on a phone: open the field's section)
    if not row.is_visible():
        section = row.get_attribute("data-section")
        admin.locator(f'.cf-sec-toggle[data-section="{section}"]').click()
    row.locator(".cf-edit").click()
    rows = admin.locator("#cf-edit [data-option-rows] .opt-row")
    expect(rows.nth(1).locator(".opt-label")).to_have_value("代理商")
    expect(rows.nth(2).locator(".opt-value")).to_have_value("dianshang")
    admin.locator("#cf-edit-opt-rows").scroll_into_view_if_needed()
    screenshot(admin, f"select-labels-editor-{wide}")

    rep = page_for("rep", viewport)
    rep.goto("/app/lead/new")
    select = rep.locator("#in-custom_caigou_qudao")
    # added at the end, the field lands in the Lead's last section, a rarely used one
    # drawn folded (转化): the rep opens it to reach the field
    if not select.is_visible():
        rep.locator("details.section-fold", has=select).locator("summary").click()
    expect(select).to_be_visible()
    texts = select.locator("option").all_inner_texts()
    assert [t for t in texts if t.strip() not in ("", "—")] == ["直销", "代理商", "电商"]
    rep.fill("#in-lead_name", "孙丽")
    select.select_option(label="代理商")
    select.scroll_into_view_if_needed()
    screenshot(rep, f"select-labels-form-{wide}")
    rep.click("#save-btn")
    rep.wait_for_url("**/app/lead/LEAD-*")
    expect(rep.locator("#in-custom_caigou_qudao")).to_have_value("agent")
    assert stored(lambda: get_model("Lead").objects.get()._custom) == {
        "custom_caigou_qudao": "agent"
    }
