"""Lists for thumbs and search on a 390×844 phone (issue 17 items 5, 8, 12), in real Chromium.

Chips narrow the list in place, the filters sit in a bottom sheet, a card opens wherever it is
tapped, a long-press or a swipe offers its actions (Mark done saves through the action layer),
more rows arrive as the list scrolls; the search box suggests while typing, finds a landline
and pinyin; workflow states read in Chinese. Screenshots: test-artifacts/screenshots/phone-*.png.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode.documents.actions import do_insert_doc
from lowcode.workflow.loader import sync_workflows
from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser
HENGLI = "苏州恒力精密制造有限公司"


def titles(page) -> list[str]:
    return page.locator("#list-results .row-title").all_inner_texts()


def mark_page(page) -> None:
    """Tag the loaded document: a full page load loses the tag, an HTMX swap keeps it."""
    page.evaluate("window.__sameDocument = true")


def same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


@pytest.fixture
def leads(users):
    today = timezone.localdate()
    for i in range(45):
        due = today if i < 2 else today - dt.timedelta(days=1) if i < 5 else None
        data = {"lead_name": f"线索{i:02d}", "status": "Open", "company_name": f"公司{i:02d}"}
        if due:
            data["next_followup_on"] = due.isoformat()
        if i == 0:
            data.update(mobile_no="13812345678", expected_amount=88000)
        do_insert_doc("rep", "Lead", data)
    return today


def test_chips_narrow_the_list_in_place_and_cards_show_what_matters(page_for, leads):
    page = page_for("rep", PHONE)
    page.goto("/app/lead")
    mark_page(page)
    chips = page.locator(".chip-row .chip")
    assert chips.all_inner_texts()[:3] == ["我的", "今日待跟进", "已逾期"]
    assert all(box["height"] >= 44 for box in (c.bounding_box() for c in chips.all()))

    page.click(".chip[data-chip=today]")
    page.wait_for_function("document.querySelectorAll('#list-results .row-title').length === 2")
    assert sorted(titles(page)) == ["线索00", "线索01"]
    assert same_document(page) and "chip=today" in page.url
    card = page.locator("tr.list-row", has_text="线索00")
    assert card.locator(".card-only a.tel").get_attribute("href") == "tel:+8613812345678"
    assert "88,000.00" in card.inner_text() and leads.isoformat() in card.inner_text()
    screenshot(page, "phone-list-chips-today")

    page.click(".chip[data-chip=overdue]")  # today ↔ overdue
    page.wait_for_function("document.querySelectorAll('#list-results .row-title').length === 3")
    assert sorted(titles(page)) == ["线索02", "线索03", "线索04"]

    # the whole card opens the record, not just its title
    box = page.locator("tr.list-row").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 8)
    page.wait_for_url("**/app/lead/LEAD-*")


def test_the_filters_are_a_bottom_sheet(page_for, leads):
    page = page_for("rep", PHONE)
    page.goto("/app/lead")
    assert not page.locator("#f_status").is_visible()

    page.click(".filter-open")
    sheet = page.locator("#filter-sheet.open")
    sheet.wait_for()
    box = sheet.bounding_box()
    assert box["y"] + box["height"] >= PHONE["height"] - 2  # anchored to the bottom
    screenshot(page, "phone-list-filter-sheet")
    assert page.locator(".filter-open .count").count() == 0
    page.select_option("#f_status", "Qualified")
    page.click(".sheet-apply")
    page.wait_for_url("**f_status=Qualified**")
    page.locator("#filter-sheet.open").wait_for(state="detached")
    assert titles(page) == []
    # the 筛选 button outside the swapped results counts the filter now applied
    assert page.locator(".filter-open .count").inner_text() == "1"


def test_more_rows_load_as_the_list_scrolls(page_for, leads):
    page = page_for("rep", PHONE)
    page.goto("/app/lead")
    mark_page(page)
    assert len(titles(page)) == 20

    page.locator("tr.more-row").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelectorAll('#list-results .row-title').length === 40")
    page.locator("tr.more-row").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelectorAll('#list-results .row-title').length === 45")

    assert page.locator("tr.more-row").count() == 0
    assert len(set(titles(page))) == 45 and same_document(page)


def test_a_long_press_offers_call_and_follow_up_and_a_swipe_does_too(page_for, leads):
    page = page_for("rep", PHONE)
    page.goto("/app/lead?chip=today")
    card = page.locator("tr.list-row", has_text="线索00")
    box = card.locator("td.card-only").first.bounding_box()
    x, y = box["x"] + box["width"] - 20, box["y"] + box["height"] / 2

    page.mouse.move(x, y)
    page.mouse.down()
    page.locator("#action-sheet:not([hidden])").wait_for()  # held until the sheet opens
    page.mouse.up()
    sheet = page.locator("#action-sheet")
    assert sheet.locator("a.tel").get_attribute("href") == "tel:+8613812345678"
    assert sheet.locator("a", has_text="写跟进记录").is_visible()
    assert page.url.endswith("chip=today")  # the press did not open the record
    screenshot(page, "phone-list-long-press")
    page.click(".action-sheet-cancel")
    sheet.wait_for(state="hidden")

    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 120, y, steps=6)
    page.mouse.up()
    sheet.wait_for(state="visible")
    sheet.locator("a", has_text="写跟进记录").click()
    page.wait_for_url("**/app/follow-up-record/new?lead=LEAD-*")


def test_mark_done_from_a_task_card(page_for, users, stored):
    name = do_insert_doc(
        "rep",
        "Follow-up Task",
        {"subject": "回访恒力", "status": "Open", "assigned_to": "rep", "due_date": "2026-12-01"},
    ).name
    page = page_for("rep", PHONE)
    page.goto("/app/follow-up-task")
    page.locator("tr.list-row .card-more").first.click()
    sheet = page.locator("#action-sheet")
    sheet.locator("textarea[name=result]").fill("已电话回访，客户满意")
    screenshot(page, "phone-list-mark-done")
    sheet.locator("button", has_text="标记完成").click()

    page.wait_for_function("document.querySelector('tr.list-row').innerText.includes('已完成')")
    from lowcode.query import reads

    status = stored(
        lambda: reads.get_list("rep", "Follow-up Task", ["status"], [["name", "=", name]])
    )
    assert status[0]["status"] == "Done"
    assert sheet.is_hidden()


def test_search_suggests_while_typing_and_finds_a_landline_and_pinyin(page_for, users):
    do_insert_doc("rep", "Customer", {"customer_name": HENGLI, "phone": "0512-66881234"})
    page = page_for("rep", PHONE)
    page.goto("/app")
    box = page.locator("#global-search")
    assert box.bounding_box()["height"] >= 44

    box.click()
    box.type("hl", delay=30)
    page.locator(".suggest-hit", has_text=HENGLI).wait_for()
    screenshot(page, "phone-search-suggest-initials")

    box.fill("")
    box.type("66881234", delay=30)
    page.locator(".suggest-hit", has_text=HENGLI).wait_for()
    assert page.locator(".suggest-row a.tel").first.get_attribute("href") == "tel:+8651266881234"

    box.fill("051266881234")
    box.press("Enter")
    page.wait_for_url("**/app/search?q=051266881234")
    assert page.locator(".search-hit", has_text=HENGLI).is_visible()
    screenshot(page, "phone-search-landline")


def test_the_visit_list_shows_workflow_states_in_chinese(page_for, users):
    sync_workflows()
    customer = do_insert_doc("rep", "Customer", {"customer_name": HENGLI}).name
    do_insert_doc(
        "rep",
        "Customer Visit",
        {"visit_title": "拜访恒力", "customer": customer, "visit_date": "2026-12-08"},
    )
    page = page_for("rep", PHONE)
    page.goto("/app/customer-visit")

    text = page.locator("#list-results").inner_text()
    assert "制定拜访计划" in text and "Planning" not in text
    screenshot(page, "phone-visit-list-states")
