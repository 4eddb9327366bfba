"""Reports on a phone: the figures and the chart first, the filters in a bottom sheet."""

from __future__ import annotations

import pytest

from lowcode import context
from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def funnel(users):
    from kuaicrm.reports import install_reports
    from tests.kuaicrm.reports.conftest import make_deal

    install_reports()
    make_deal("rep", ["初步接触", "需求确认", "方案报价"], 300000)
    make_deal("rep2", ["初步接触", "需求确认"], 80000)
    context.reset()


def test_on_a_phone_the_funnel_chart_comes_first_and_filters_open_in_a_bottom_sheet(
    page_for, funnel, expect
):
    page = page_for("manager", PHONE)
    page.goto("/app/query-report/Sales Funnel")

    # then: the chart is drawn within the first screen; the filters are not in the way
    chart = page.locator(".chart-box svg")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["y"] < PHONE["height"] * 0.6
    expect(page.locator("#report-filters")).to_be_hidden()
    opener = page.locator("#report-filters-open")
    expect(opener).to_have_text("筛选条件")
    assert opener.bounding_box()["height"] >= 44
    screenshot(page, "report-funnel-phone")

    # when: 筛选 opens the sheet at the bottom of the screen
    opener.click()
    sheet = page.locator("#report-filters")
    expect(sheet).to_be_visible()
    box = sheet.bounding_box()
    assert abs(box["y"] + box["height"] - PHONE["height"]) <= 1 and box["width"] == PHONE["width"]
    screenshot(page, "report-funnel-phone-filters")
    page.fill("#rf-sales_owner", "rep2")
    sheet.locator("button[type=submit]").click()

    # then: the filtered figures, the filter named on the button, the sheet closed again
    expect(page.locator("#report-filters-open .report-sheet-chip")).to_contain_text("rep2")
    expect(page.locator("#report-filters")).to_be_hidden()
    expect(page.locator(".chart-box svg")).to_be_visible()

    # and ✕ closes the sheet without running anything
    opener.click()
    page.locator("#report-filters [data-close-sheet]").click()
    expect(page.locator("#report-filters")).to_be_hidden()
