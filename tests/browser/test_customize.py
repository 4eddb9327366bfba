"""An administrator adds a field in Customize Form; a sales user has it at once, no restart."""

from __future__ import annotations

import pytest

from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_list import open_filters
from tests.browser.test_select_labels import fill_option_rows

pytestmark = pytest.mark.browser


def test_a_custom_field_reaches_the_sales_users_form_list_and_filter(page_for, stored, expect):
    # the sales user is already working when the administrator changes the form
    rep = page_for("rep", PHONE)
    rep.goto("/app/lead/new")
    expect(rep.locator("#in-lead_name")).to_be_visible()
    assert rep.locator("#field-custom_channel").count() == 0

    admin = page_for("sysman", DESKTOP)
    admin.goto("/app/customize-form/lead")
    admin.fill("#cf-add-label", "采购渠道")
    admin.fill("#cf-add-fieldname", "custom_channel")
    admin.select_option("#cf-add-fieldtype", "Select")
    fill_option_rows(admin, "#cf-add-form", [("直销", ""), ("代理商", "")])
    admin.select_option("#cf-add-insert_after", "company_name")
    admin.check("#cf-add-in_list_view")
    admin.check("#cf-add-in_standard_filter")
    admin.click("#cf-add-submit")
    expect(admin.locator('.cf-row[data-field="custom_channel"]')).to_be_visible()
    screenshot(admin, "customize-form-lead-1366")
    assert stored(lambda: get_model("Custom Field").objects.filter(dt="Lead").count()) == 1

    # the rep's next page has it, right after the company, and saves it
    rep.reload()
    channel = rep.locator("#in-custom_channel")
    expect(channel).to_be_visible()
    assert rep.locator("label[for=in-custom_channel]").inner_text() == "采购渠道"
    order = rep.locator(".doc-form [data-field]").evaluate_all(
        "els => els.map((e) => e.dataset.field)"
    )
    assert order.index("custom_channel") == order.index("company_name") + 1
    rep.fill("#in-lead_name", "孙丽")
    channel.select_option("代理商")
    rep.click("#save-btn")
    rep.wait_for_url("**/app/lead/LEAD-*")
    expect(rep.locator("#in-custom_channel")).to_have_value("代理商")
    stored_channel = stored(lambda: get_model("Lead").objects.get()._custom)
    assert stored_channel == {"custom_channel": "代理商"}

    # a second lead without it, then the list: a column and a standard filter
    rep.goto("/app/lead/new")
    rep.fill("#in-lead_name", "钱伟")
    channel = rep.locator("#in-custom_channel")
    channel.select_option("直销")
    rep.click("#save-btn")
    rep.wait_for_url("**/app/lead/LEAD-*")
    rep.goto("/app/lead")
    expect(rep.locator("#list-results td[data-label=采购渠道]", has_text="代理商")).to_be_visible()
    open_filters(rep, PHONE)  # on a phone the standard filters are in the 筛选 sheet
    rep.select_option("#f_custom_channel", "代理商")
    rep.wait_for_function("document.querySelectorAll('#list-results .row-title').length === 1")
    assert rep.locator("#list-results .row-title").all_inner_texts() == ["孙丽"]
    rep.click(".sheet-apply")  # 查看结果: the sheet closes on the filtered list
    rep.locator("#filter-sheet.open").wait_for(state="detached")
    assert rep.locator("#list-results .row-title").all_inner_texts() == ["孙丽"]
    screenshot(rep, "list-lead-custom-filter-390")
