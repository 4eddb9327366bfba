"""The opportunity board in a real browser: stages in funnel order, a move back asks for the
reason, a move to the lost stage names the lost reason it needs."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def deal(users):
    customer = do_insert_doc("rep", "Customer", {"customer_name": "无锡华光电气有限公司"}).name
    stages = list(
        get_model("Opportunity Stage")
        .objects.order_by("stage_order")
        .values_list("name", "stage_type")
    )
    name = do_insert_doc(
        "rep",
        "Opportunity",
        {
            "opportunity_name": "配电柜改造",
            "customer": customer,
            "sales_owner": "rep",
            "amount": 480000,
            "expected_close_date": "2026-12-31",
            "stage": stages[1][0],
        },
    ).name
    return {"name": name, "stages": stages}


def stage_of(stored, name: str) -> str:
    return stored(lambda: get_model("Opportunity").objects.get(name=name).stage)


def test_the_opportunity_board_on_a_phone(page_for, deal, stored, expect):
    name, stages = deal["name"], deal["stages"]
    page = page_for("rep", PHONE)
    page.goto("/app/opportunity/view/kanban")
    # the columns are the stages in funnel order
    values = page.locator(".kanban-column").evaluate_all("cs => cs.map(c => c.dataset.value)")
    assert values == [s for s, _type in stages]
    screenshot(page, "kanban-opportunity-390")
    picker = page.locator(f'.kanban-card[data-name="{name}"] .kanban-move-select')

    # a move back asks why; the answer goes to the stage history
    questions: list[str] = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept("客户预算推迟")

    page.on("dialog", answer)
    picker.select_option(stages[0][0])
    expect(page.locator("#toast")).to_contain_text("已移动到")
    assert questions and "原因" in questions[0]
    assert stage_of(stored, name) == stages[0][0]
    reason = stored(
        lambda: (
            get_model("Opportunity Stage Change")
            .objects.filter(parent=name)
            .order_by("-idx")
            .values_list("reason", flat=True)
            .first()
        )
    )
    assert reason == "客户预算推迟"

    # a move to the lost stage is refused naming the lost reason (the board cannot pick it)
    lost = next(s for s, kind in stages if kind == "Lost")
    questions.clear()
    picker.select_option(lost)
    expect(page.locator("#toast")).to_contain_text("输单原因")
    assert questions == []  # nothing was asked that would not be enough
    assert stage_of(stored, name) == stages[0][0]
    expect(
        page.locator(
            f'.kanban-column[data-value="{stages[0][0]}"] .kanban-card[data-name="{name}"]'
        )
    ).to_be_attached()
    screenshot(page, "kanban-opportunity-lost-refused-390")
