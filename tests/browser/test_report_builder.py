"""The Report Builder in a real browser, on a phone (390x844) and a desktop (1366x768):
"amount by stage and owner" in three taps from the report list, the same built by hand,
saved for roles, opened, exported and pinned to the dashboard."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def deals(users):
    stages = list(
        get_model("Opportunity Stage")
        .objects.order_by("stage_order")
        .values_list("name", flat=True)
    )
    for owner, stage, amount in (
        ("rep", stages[0], 100000),
        ("rep", stages[0], 50000),
        ("rep", stages[1], 30000),
        ("rep2", stages[0], 990000),  # not rep's: never in rep's totals
    ):
        customer = do_insert_doc(owner, "Customer", {"customer_name": f"{owner}{amount}客户"}).name
        do_insert_doc(
            owner,
            "Opportunity",
            {"opportunity_name": f"{owner}-{amount}", "customer": customer, "sales_owner": owner,
             "amount": amount, "expected_close_date": "2026-12-31", "stage": stage},
        )  # fmt: skip
    return stages


def no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def small_targets(page) -> list[str]:
    """Visible controls of the builder shorter than 44 px (chips, segments, steps, buttons)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
              '.rb .chip, .rb .seg label, .rb-step > summary, .rb .btn, .rb select, .rb .check'))
            .filter(el => el.offsetParent !== null)
            .filter(el => el.getBoundingClientRect().height < 43.5)
            .map(el => el.outerHTML.slice(0, 80))"""
    )


def preview_total(page) -> str:
    return page.locator("#report-table tfoot").inner_text()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_amount_by_stage_and_owner_is_three_taps(page_for, deals, expect, viewport):
    size = VIEWPORTS[viewport]
    page = page_for("rep", size)
    page.goto("/app/reports")
    taps = 0
    # tap 1: new report
    page.click("#new-report")
    taps += 1
    page.wait_for_url("**/app/report-builder")
    no_sideways_scroll(page, size["width"])
    screenshot(page, f"report-builder-start-{viewport}")
    # tap 2: the Opportunity chip
    page.click('.chip[data-doctype="Opportunity"]')
    taps += 1
    page.wait_for_url("**doctype=Opportunity**")
    # tap 3: the ready-made "amount by stage and owner"
    page.locator(".chip-suggest", has_text="阶段").filter(has_text="负责人").click()
    taps += 1
    expect(page.locator("#report-table tfoot")).to_contain_text("合计")
    assert taps == 3
    # rep's own deals only: 100000 + 50000 + 30000
    assert "180,000" in preview_total(page) or "180000" in preview_total(page)
    assert page.locator(".rb-preview .chart-box svg").count() == 1
    headers = page.locator("#report-table thead th").all_inner_texts()
    assert headers[:2] == ["阶段", "销售负责人"] and "金额 · 求和" in headers[2]
    no_sideways_scroll(page, size["width"])
    assert small_targets(page) == []
    screenshot(page, f"report-builder-suggested-{viewport}")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_built_by_hand_saved_for_a_role_exported_and_pinned(
    page_for, deals, expect, stored, viewport
):
    size = VIEWPORTS[viewport]
    page = page_for("sysman", size)
    page.goto("/app/report-builder?doctype=Opportunity")
    # the measures and group steps are open; by hand: 金额 → 求和, 阶段, 负责人 (three taps)
    page.locator('input[data-measure="amount:sum"]').locator("xpath=..").click()
    expect(page.locator("#report-table")).to_be_visible()
    page.locator('input[data-group="stage"]').locator("xpath=..").click()
    expect(page.locator("#report-table thead th").first).to_have_text("阶段")
    page.locator('input[data-group="sales_owner"]').locator("xpath=..").click()
    expect(page.locator("#report-table thead th").nth(1)).to_have_text("销售负责人")
    # chart and totals
    page.locator('.rb-step[data-step="chart"] > summary').click()
    page.locator('input[name="chart"][value="pie"]').locator("xpath=..").click()
    expect(page.locator(".rb-preview .chart-box svg")).to_have_count(1)
    page.locator('input[name="totals"]').check()
    expect(page.locator("#report-table tfoot")).to_contain_text("合计")
    # every deal the System Manager may read: 100000 + 50000 + 30000 + 990000
    assert "1,170,000" in preview_total(page) or "1170000" in preview_total(page)
    no_sideways_scroll(page, size["width"])
    assert small_targets(page) == []
    screenshot(page, f"report-builder-by-hand-{viewport}")
    # save for Sales Managers and System Managers
    name = f"阶段负责人金额{viewport}"
    if page.locator('.rb-step[data-step="save"]').get_attribute("open") is None:
        page.locator('.rb-step[data-step="save"] > summary').click()
    page.fill("#rb-name", name)
    page.locator('#rb-save input[value="Sales Manager"]').check()
    page.locator('#rb-save input[value="System Manager"]').check()
    page.click("#rb-save-button")
    page.wait_for_url("**/app/query-report/**")
    expect(page.locator("#report-table tfoot")).to_contain_text("合计")
    no_sideways_scroll(page, size["width"])
    screenshot(page, f"report-builder-saved-{viewport}")
    roles = stored(
        lambda: sorted(
            get_model("Report Role").objects.filter(parent=name).values_list("role", flat=True)
        )
    )
    assert roles == ["Sales Manager", "System Manager"]
    # export through the existing export
    href = page.locator("#export-csv").get_attribute("href")
    exported = page.request.get(href)
    assert exported.status == 200 and "合计" in exported.text()
    # pin it: the dashboard draws it
    page.click("#report-pin")
    page.wait_for_url("**/app/dashboard")
    pinned = page.locator(".dashboard-chart", has_text=name)
    expect(pinned.locator(".chart-box svg")).to_have_count(1)
    no_sideways_scroll(page, size["width"])
    screenshot(page, f"report-builder-pinned-{viewport}")
