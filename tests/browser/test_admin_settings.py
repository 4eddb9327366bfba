"""Admin settings in a real browser at 390x844 and 1366x768: the server-script switch in System
Settings, a document's score explanation as rows, and putting stages / options in order by drag
(mouse on the desktop, a finger on the phone)."""

from __future__ import annotations

import contextlib
import time

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_select_labels import fill_option_rows

pytestmark = pytest.mark.browser
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])


def _wide(viewport) -> str:
    return str(viewport["width"])


@VIEWPORTS
def test_a_system_manager_switches_server_scripts_on_and_off(page_for, stored, expect, viewport):
    page = page_for("sysman", viewport)
    page.goto("/app/system-settings")
    expect(page.locator("#scripts-state")).to_have_text("服务器脚本已关闭")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.check("#ss-enable_server_scripts")
    page.click("#system-settings-save")

    expect(page.locator("#system-settings-saved")).to_be_visible()
    expect(page.locator("#scripts-state")).to_have_text("服务器脚本正在运行")
    expect(page.locator("#system-settings-history tbody tr")).to_have_count(1)
    expect(page.locator("#system-settings-history tbody tr")).to_contain_text("sysman")
    screenshot(page, f"system-settings-{_wide(viewport)}")
    settings = stored(lambda: get_model("System Settings").objects.get(name="System Settings"))
    assert settings.enable_server_scripts

    page.uncheck("#ss-enable_server_scripts")
    page.click("#system-settings-save")
    expect(page.locator("#scripts-state")).to_have_text("服务器脚本已关闭")
    expect(page.locator("#system-settings-history tbody tr")).to_have_count(2)


@pytest.fixture
def scored_lead(users):
    do_insert_doc(
        "Administrator",
        "Scoring Rule",
        {
            "title": "线索评分",
            "document_type": "Lead",
            "score_field": "score",
            "criteria": [
                {
                    "fieldname": "source",
                    "operator": "=",
                    "value": "Referral",
                    "points": 30,
                    "label": "转介绍",
                },
                {
                    "fieldname": "expected_amount",
                    "operator": ">=",
                    "value": "500000",
                    "points": 20,
                    "label": "预计金额 ≥ 50 万",
                },
                {
                    "fieldname": "company_name",
                    "operator": "like",
                    "value": "%集团%",
                    "points": 5,
                    "label": "集团客户",
                },
            ],
        },
    )
    return do_insert_doc(
        "rep",
        "Lead",
        {
            "lead_name": "王磊",
            "company_name": "苏州精工集团",
            "source": "Referral",
            "expected_amount": 800000,
        },
    ).name


@VIEWPORTS
def test_a_lead_shows_why_it_has_its_score(page_for, scored_lead, expect, viewport):
    page = page_for("rep", viewport)
    page.goto(f"/app/lead/{scored_lead}")

    panel = page.locator("#score-explanation")
    expect(panel.locator("#score-total")).to_have_text("55")
    rows = panel.locator("tr.score-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("转介绍")
    expect(rows.nth(0).locator(".pts")).to_have_text("+30")
    expect(rows.nth(1)).to_contain_text("800,000.00")
    assert "criteria" not in panel.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    panel.scroll_into_view_if_needed()
    screenshot(page, f"score-explanation-{_wide(viewport)}")


@pytest.fixture
def stages(users):
    Stage = get_model("Opportunity Stage")
    if not Stage.objects.exists():
        for i, name in enumerate(["初步接触", "需求确认", "方案报价", "商务谈判"], start=1):
            do_insert_doc(
                "Administrator",
                "Opportunity Stage",
                {"stage_name": name, "stage_order": i, "probability": 10 * i},
            )
    return list(Stage.objects.order_by("stage_order").values_list("name", flat=True))


def _stage_order(stored) -> list[str]:
    Stage = get_model("Opportunity Stage")
    return stored(
        lambda: list(Stage.objects.order_by("stage_order").values_list("name", flat=True))
    )


def _listed(page) -> list[str]:
    return page.locator("#order-list [data-sort-item]").evaluate_all(
        "els => els.map((e) => e.dataset.name)"
    )


def _mouse_drag(page, source, target) -> None:
    start, end = source.bounding_box(), target.bounding_box()
    source.evaluate("el => el.closest('[data-sort-item]').setAttribute('data-drag-item', '')")
    target.evaluate(
        "el => (el.closest('[data-sort-item]') || el).setAttribute('data-drag-goal', '')"
    )
    follows = (
        "() => Boolean(document.querySelector('[data-drag-item]').compareDocumentPosition("
        "document.querySelector('[data-drag-goal]')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    before = page.evaluate(follows)
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 10, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 4, steps=20)
    # Held over the target as a hand would be: SortableJS ignores a pointer over an item that
    # is still animating (150 ms) and re-checks every 50 ms, so on a loaded machine the moves
    # can all land inside that window. Release once the list has moved the item past the
    # target (or after 5 s, and the caller's assertions say what happened).
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"({follows})() !== {str(before).lower()}", timeout=5000)
    page.mouse.up()
    page.evaluate(
        "() => document.querySelectorAll('[data-drag-item], [data-drag-goal]').forEach("
        "(el) => { el.removeAttribute('data-drag-item'); el.removeAttribute('data-drag-goal'); })"
    )


def _finger_drag(page, source, target) -> None:
    """A finger on the handle moved to the target, as Chromium's touch input delivers it."""
    start, end = source.bounding_box(), target.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    to_y = end["y"] + 4
    session = page.context.new_cdp_session(page)
    try:
        session.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]}
        )
        for step in range(1, 21):
            point = {"x": x, "y": y + (to_y - y) * step / 20}
            session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        session.detach()


@VIEWPORTS
def test_stages_are_put_in_order_by_drag(page_for, stages, stored, expect, viewport):
    page = page_for("sysman", viewport)
    page.goto("/app/opportunity-stage")
    page.click("#view-order")
    page.wait_for_url("**/app/opportunity-stage/_order")
    assert _listed(page) == stages
    handles = page.locator("#order-list .drag-handle")

    # the last stage dragged to the top, by mouse on the desktop and by a finger on the phone
    drag = _mouse_drag if viewport is DESKTOP else _finger_drag
    drag(page, handles.nth(len(stages) - 1), page.locator("#order-list [data-sort-item]").first)

    wanted = [stages[-1], *stages[:-1]]
    page.wait_for_function(
        "names => JSON.stringify([...document.querySelectorAll('#order-list [data-sort-item]')]"
        ".map((e) => e.dataset.name)) === JSON.stringify(names)",
        arg=wanted,
    )
    # (the rows have finished sliding into place)
    page.wait_for_function(
        "![...document.querySelectorAll('#order-list [data-sort-item]')]"
        ".some((e) => e.style.transform)"
    )
    numbers = page.locator("#order-list .row-no").all_inner_texts()
    assert numbers == [str(i) for i in range(1, len(stages) + 1)]
    screenshot(page, f"stage-order-drag-{_wide(viewport)}")
    page.click("#order-save")
    expect(page.locator("#order-saved")).to_be_visible()
    assert _listed(page) == wanted
    assert _stage_order(stored) == wanted
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_a_select_fields_options_are_put_in_order_by_drag(page_for, stored, expect):
    page = page_for("sysman", DESKTOP)
    page.goto("/app/customize-form/lead")
    page.fill("#cf-add-label", "采购渠道")
    page.select_option("#cf-add-fieldtype", "Select")
    fill_option_rows(page, "#cf-add-form", [("直销", ""), ("代理商", ""), ("电商", "")])
    page.click("#cf-add-submit")
    row = page.locator('.cf-row[data-field="custom_caigou_qudao"]')
    expect(row).to_be_visible()  # its name in pinyin, not custom_field_1
    row.locator(".cf-edit").click()
    lines = page.locator("#cf-edit .opt-list [data-sort-item]").filter(
        has=page.locator(".opt-value:not([value=''])")
    )
    expect(lines).to_have_count(3)
    page.wait_for_load_state("networkidle")  # the preview beside the editor has refreshed
    # in the middle of the screen, clear of the toast at its foot
    page.locator("#cf-edit .opt-list").evaluate("el => el.scrollIntoView({block: 'center'})")

    _mouse_drag(page, lines.nth(2).locator(".drag-handle"), lines.nth(0))

    values = page.locator("#cf-edit .opt-list .opt-value")
    expect(values.nth(0)).to_have_value("电商")
    assert values.evaluate_all("els => els.map((e) => [e.name, e.value])")[:3] == [
        ["opt.0.value", "电商"], ["opt.1.value", "直销"], ["opt.2.value", "代理商"]
    ]  # fmt: skip
    screenshot(page, "select-options-drag-1366")
    page.click("#cf-edit-save")
    expect(page.locator('.cf-row[data-field="custom_caigou_qudao"]')).to_contain_text("电商")
    field = "Lead-custom_caigou_qudao"
    # the row showed 电商 before the save: wait (bounded) for the save to commit
    deadline = time.monotonic() + 10
    while True:
        options = stored(lambda: get_model("Custom Field").objects.get(name=field).options)
        if options == "电商\n直销\n代理商" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert options == "电商\n直销\n代理商"


def test_workflow_states_are_put_in_order_by_a_finger(page_for, workflows, stored, expect):
    State = get_model("Workflow Document State")

    def states(name: str) -> list[str]:
        rows = State.objects.filter(parent=name, parentfield="states").order_by("idx")
        return list(rows.values_list("state", flat=True))

    name = next(n for n in workflows if len(stored(lambda n=n: states(n))) >= 3)
    before = stored(lambda: states(name))
    page = page_for("sysman", PHONE)
    page.goto(f"/app/workflow-editor/{name}")
    rows = page.locator("#wf-states > [data-sort-item]")
    expect(rows).to_have_count(len(before))
    rows.first.evaluate("el => el.scrollIntoView({block: 'center'})")

    # the last state's handle dragged above the first
    last = rows.nth(len(before) - 1)
    last.evaluate("el => el.scrollIntoView({block: 'center'})")
    _finger_drag(page, last.locator(".drag-handle"), rows.nth(len(before) - 3))

    moved = [*before[:-3], before[-1], *before[-3:-1]]
    page.wait_for_function(
        "names => JSON.stringify([...document.querySelectorAll('#wf-states .wf-state-name')]"
        ".map((e) => e.value)) === JSON.stringify(names)",
        arg=moved,
    )
    names = page.locator("#wf-states [data-sort-item] input[name$='.state']").evaluate_all(
        "els => els.map((e) => e.name)"
    )
    assert names == [f"states.{i}.state" for i in range(len(before))]  # renumbered
    screenshot(page, "workflow-states-drag-390")
    page.click("#wf-save")
    page.wait_for_url("**/app/workflow-editor/*?saved=1")
    assert stored(lambda: states(name)) == moved
