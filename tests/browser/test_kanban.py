"""Kanban: dragging a card to another column saves the document; so does the phone's picker."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def leads(users):
    names = {}
    for title, status in (("吴刚", "Open"), ("郑洁", "Open"), ("冯涛", "Contacted")):
        names[title] = do_insert_doc("rep", "Lead", {"lead_name": title, "status": status}).name
    return names


def column(page, value: str):
    return page.locator(f'.kanban-column[data-value="{value}"]')


def card(page, name: str):
    return page.locator(f'.kanban-card[data-name="{name}"]')


def status_of(stored, name: str) -> str:
    return stored(lambda: get_model("Lead").objects.get(name=name).status)


def drag(page, source, target) -> None:
    """Drag with the mouse in small steps, as a person does (SortableJS listens to the moves)."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 20)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 30, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=20)
    page.mouse.up()


def test_dragging_a_lead_to_another_column_saves_its_status(page_for, leads, stored, expect):
    page = page_for("rep", DESKTOP)
    page.goto("/app/lead/view/kanban")
    wu = leads["吴刚"]
    expect(column(page, "Open").locator(".kanban-count")).to_have_text("2")
    expect(column(page, "Contacted").locator(".kanban-count")).to_have_text("1")
    screenshot(page, "kanban-lead-1366")

    drag(page, card(page, wu), column(page, "Contacted").locator(".kanban-cards"))

    expect(column(page, "Contacted").locator(f'.kanban-card[data-name="{wu}"]')).to_be_visible()
    expect(page.locator("#toast")).to_contain_text("已移动到")
    expect(column(page, "Contacted").locator(".kanban-count")).to_have_text("2")
    expect(column(page, "Open").locator(".kanban-count")).to_have_text("1")
    assert status_of(stored, wu) == "Contacted"
    # the board drawn again from the database agrees
    page.reload()
    expect(column(page, "Contacted").locator(f'.kanban-card[data-name="{wu}"]')).to_be_visible()
    assert column(page, "Open").locator(".kanban-card").count() == 1


def test_on_a_phone_the_move_picker_moves_the_card(page_for, leads, stored, expect):
    page = page_for("rep", PHONE)
    page.goto("/app/lead/view/kanban")
    zheng = leads["郑洁"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    card(page, zheng).locator(".kanban-move-select").select_option("Qualified")
    expect(column(page, "Qualified").locator(f'.kanban-card[data-name="{zheng}"]')).to_be_attached()
    expect(page.locator("#toast")).to_contain_text("已移动到")
    assert status_of(stored, zheng) == "Qualified"
    screenshot(page, "kanban-lead-390")
