"""The list view in a real browser: standard filter, filter builder, sort, pages, saved views."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


def company(i: int) -> str:
    """Company names in another order than the leads' creation (the default sort)."""
    return f"公司{i * 7 % 25:02d}"


def by_company(*, reverse: bool) -> list[str]:
    order = sorted(range(25), key=company, reverse=reverse)
    return [f"客户{i:02d}" for i in order]


@pytest.fixture
def leads(users):
    """25 of the rep's leads (3 qualified ones in 苏州, 22 open in 上海) and one of rep2's."""
    for i in range(25):
        status, city = ("Qualified", "苏州") if i < 3 else ("Open", "上海")
        do_insert_doc(
            "rep",
            "Lead",
            {
                "lead_name": f"客户{i:02d}",
                "company_name": company(i),
                "status": status,
                "city": city,
            },
        )
    do_insert_doc("rep2", "Lead", {"lead_name": "别人的线索", "status": "Qualified"})


def row_titles(page) -> list[str]:
    return page.locator("#list-results .row-title").all_inner_texts()


def wait_for_rows(page, count: int) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('#list-results .row-title').length === {count}"
    )


def wait_for_query(page, key: str, value: str) -> None:
    """Wait until the address bar (hx-push-url) holds ``key=value``."""
    page.wait_for_function(f"new URLSearchParams(location.search).get({key!r}) === {value!r}")


def wait_for_first_row(page, title: str) -> None:
    page.wait_for_function(
        "document.querySelector('#list-results .row-title').textContent.trim() === " + repr(title)
    )


QUALIFIED = ["客户00", "客户01", "客户02"]


def open_filters(page, viewport: dict) -> None:
    """On a phone the filters are in a bottom sheet the 筛选 button opens (issue 17)."""
    if viewport == PHONE:
        page.click(".filter-open")
        page.locator("#filter-sheet.open").wait_for()


@VIEWPORTS
def test_standard_filter_narrows_the_list_and_the_url_keeps_it(page_for, leads, viewport):
    page = page_for("rep", viewport)
    page.goto("/app/lead")
    # own scope: rep2's lead is not listed; 20 rows on the first page of 25
    assert len(row_titles(page)) == 20
    assert "25" in page.locator(".list-count").inner_text()
    assert "别人的线索" not in row_titles(page)
    screenshot(page, f"list-lead-{viewport['width']}")

    open_filters(page, viewport)
    page.select_option("#f_status", "Qualified")
    page.wait_for_url("**f_status=Qualified**")
    wait_for_rows(page, 3)
    assert sorted(row_titles(page)) == QUALIFIED
    page.reload()  # the state is in the URL
    assert sorted(row_titles(page)) == QUALIFIED
    assert page.locator("#f_status").input_value() == "Qualified"


@VIEWPORTS
def test_filter_builder_adds_a_condition_on_any_field(page_for, leads, viewport):
    page = page_for("rep", viewport)
    page.goto("/app/lead")
    open_filters(page, viewport)
    page.click("#filter-builder summary")
    page.click("#fb-add")
    row = page.locator("#filter-rows .filter-row").last
    row.locator(".fb-field").select_option("city")
    row.locator(".fb-op").select_option("=")
    row.locator(".fb-value").fill("苏州")
    screenshot(page, f"list-filter-builder-{viewport['width']}")
    page.click("#fb-apply")
    wait_for_rows(page, 3)
    assert sorted(row_titles(page)) == QUALIFIED
    assert "filters=" in page.url
    # the builder shows the condition again after a reload, and one active filter
    page.reload()
    assert sorted(row_titles(page)) == QUALIFIED
    assert page.locator("#filter-builder summary .count").inner_text() == "1"


def test_sorting_by_a_column_and_paging(page_for, leads):
    page = page_for("rep", DESKTOP)
    page.goto("/app/lead")
    assert row_titles(page)[0] == "客户24"  # newest first
    page.locator("#list-results thead th a", has_text="公司").click()
    wait_for_query(page, "order_by", "company_name desc")
    wait_for_first_row(page, by_company(reverse=True)[0])
    assert row_titles(page) == by_company(reverse=True)[:20]
    assert "↓" in page.locator("#list-results thead th a", has_text="公司").inner_text()

    page.locator("#list-results thead th a", has_text="公司").click()
    wait_for_query(page, "order_by", "company_name asc")
    wait_for_first_row(page, by_company(reverse=False)[0])
    assert row_titles(page) == by_company(reverse=False)[:20]

    # the pages keep the sort
    page.locator(".pager a", has_text="下一页").click()
    wait_for_rows(page, 5)
    assert row_titles(page) == by_company(reverse=False)[20:]
    assert page.locator(".pager a", has_text="下一页").count() == 0
    page.locator(".pager a", has_text="上一页").click()
    wait_for_rows(page, 20)
    assert row_titles(page) == by_company(reverse=False)[:20]


def test_a_personal_saved_view_reopens_with_its_filters(page_for, leads, stored):
    page = page_for("rep", DESKTOP)
    page.goto("/app/lead?f_status=Qualified")
    page.click(".save-view summary")
    page.fill("#view-title", "我的合格线索")
    page.click(".save-view button.btn-primary")
    page.wait_for_url("**view=**")
    assert sorted(row_titles(page)) == QUALIFIED

    # a fresh list, then the saved view from the menu
    page.goto("/app/lead")
    assert len(row_titles(page)) == 20
    page.click("details.dropdown summary:has-text('已存视图')")
    page.click("a:has-text('我的合格线索')")
    page.wait_for_url("**view=**")
    assert sorted(row_titles(page)) == QUALIFIED

    # personal: another sales user does not see it
    other = page_for("rep2", DESKTOP)
    other.goto("/app/lead")
    other.click("details.dropdown summary:has-text('已存视图')")
    assert other.locator("a:has-text('我的合格线索')").count() == 0
