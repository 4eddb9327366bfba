"""An administrator picks keys from lists shown in Chinese and builds conditions from rows:
an assignment rule (DocType, field, user, a two-row condition) and a workflow step's role,
on a phone and a desktop."""

from __future__ import annotations

import pytest

from lowcode.expressions import evaluate
from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser
SIZES = [pytest.param(PHONE, id="390"), pytest.param(DESKTOP, id="1366")]


def _pick(page, expect, scope, search: str, value: str) -> None:
    """Open the picker in ``scope``, search, and choose ``value`` (a key shown by its label)."""
    scope.locator(".picker-open").first.click()
    sheet = page.locator("dialog.picker-sheet")
    expect(sheet).to_be_visible()
    sheet.locator(".picker-search").fill(search)
    choice = sheet.locator(f'.picker-choice[data-value="{value}"]')
    expect(choice).to_be_visible()
    choice.click()
    expect(sheet).to_be_hidden()


@pytest.mark.parametrize("size", SIZES)
def test_an_assignment_rule_is_built_from_pickers_and_condition_rows(
    page_for, stored, expect, size
):
    admin = page_for("sysman", size)
    admin.goto("/app/rules/assignment/new")
    width = "390" if size is PHONE else "1366"
    admin.fill("#in-title", "华东大单")

    # the DocType: a list in Chinese, the key stored
    _pick(admin, expect, admin.locator("#field-document_type"), "线索", "Lead")
    expect(admin.locator("#field-document_type .picker-text")).to_have_text("线索")
    assert admin.locator("#in-document_type").input_value() == "Lead"

    # a field of that DocType, searched by its Chinese label
    _pick(admin, expect, admin.locator("#field-status_field"), "状态", "status")
    expect(admin.locator("#field-status_field .picker-text")).to_have_text("状态")

    # the condition: two rows, "any of"
    condition = admin.locator("#field-condition")
    condition.locator(".cond-add").click()
    first = condition.locator(".cond-rows .cond-row").nth(0)
    _pick(admin, expect, first, "状态", "status")
    first.locator(".cond-op").select_option("in")
    first.locator(".cond-value").fill("Open, Contacted")
    condition.locator(".cond-add").click()
    second = condition.locator(".cond-rows .cond-row").nth(1)
    _pick(admin, expect, second, "金额", "expected_amount")
    second.locator(".cond-op").select_option(">=")
    second.locator(".cond-value").fill("100000")
    condition.locator(".cond-join select").select_option("or")

    # who gets the leads: a user picked by name
    admin.click("#rule-add-row")
    row = admin.locator("#rule-rows .rule-row").last
    _pick(admin, expect, row, "rep2", "rep2")
    sheet_rows = admin.locator("dialog.picker-sheet .picker-choice")
    assert sheet_rows.count() == 0 or sheet_rows.first.bounding_box() is None

    # the raw expression stays one tap away, written from the rows by the server
    condition.locator('input[value="advanced"]').check()
    expect(condition.locator(".cond-advanced textarea")).to_have_value(
        "doc.status in ['Open', 'Contacted'] or doc.expected_amount >= 100000"
    )
    condition.locator('input[value="rows"]').check()
    expect(condition.locator(".cond-rows .cond-row")).to_have_count(2)
    expect(condition.locator(".cond-rows .cond-row").nth(1).locator(".picker-text")).to_have_text(
        "预计金额"
    )
    screenshot(admin, f"assignment-rule-condition-rows-{width}")

    admin.click("#rule-save")
    admin.wait_for_url("**/app/rules/assignment/*?saved=1")
    rule = stored(lambda: get_model("Assignment Rule").objects.get(title="华东大单"))
    assert (rule.document_type, rule.status_field) == ("Lead", "status")
    assert rule.condition == "doc.status in ['Open', 'Contacted'] or doc.expected_amount >= 100000"
    assert evaluate(rule.condition, {"status": "Lost", "expected_amount": 200000})
    users = stored(
        lambda: list(get_model("Assignment Rule User").objects.values_list("user", flat=True))
    )
    assert users == ["rep2"]

    # reopened: the rows, the labels, not the keys
    expect(admin.locator("#field-condition .cond-rows .cond-row")).to_have_count(2)
    expect(admin.locator("#field-document_type .picker-text")).to_have_text("线索")
    if size is DESKTOP:
        # another DocType: the field picked from the old one is cleared, not kept
        _pick(admin, expect, admin.locator("#field-document_type"), "客户", "Customer")
        expect(admin.locator("#field-status_field .picker-text")).to_have_text("请选择")
        assert admin.locator("#in-status_field").input_value() == ""
    if size is PHONE:
        # a phone: no sideways scrolling, and every row of the list is a thumb's height
        assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _open = admin.locator("#field-status_field .picker-open")
        _open.click()
        sheet = admin.locator("dialog.picker-sheet")
        expect(sheet.locator(".picker-choice").first).to_be_visible()
        heights = sheet.locator(".picker-choice").evaluate_all(
            "els => els.slice(0, 5).map((e) => e.getBoundingClientRect().height)"
        )
        assert min(heights) >= 44
        box = sheet.bounding_box()
        assert box["y"] + box["height"] >= 844 - 1  # a bottom sheet
        screenshot(admin, "picker-sheet-fields-390")
        sheet.locator(".picker-close").click()


@pytest.mark.parametrize("size", SIZES)
def test_a_workflow_step_role_is_picked_by_its_chinese_name(page_for, stored, expect, size):
    admin = page_for("sysman", size)
    admin.goto("/app/workflow-editor/new")
    width = "390" if size is PHONE else "1366"
    admin.fill("#in-workflow_name", f"线索复核 {width}")
    _pick(admin, expect, admin.locator("#field-document_type"), "线索", "Lead")
    transition = admin.locator("#wf-transition-0")
    if not transition.locator("details").evaluate("d => d.open"):
        transition.locator("summary").click()
    # the next state is picked from the states on this page, by their Chinese names
    next_state = transition.locator(".row-picker").nth(1)
    next_state.locator(".picker-open").click()
    sheet = admin.locator("dialog.picker-sheet")
    expect(sheet.locator(".picker-choice")).to_have_count(2)
    assert sheet.locator(".picker-choice-label").all_inner_texts() == ["草稿", "审批通过"]
    sheet.locator('.picker-choice[data-value="Approved"]').click()
    expect(next_state.locator(".picker-text")).to_have_text("审批通过")
    allowed = transition.locator(".row-picker").nth(2)
    expect(allowed.locator(".picker-text")).to_have_text("系统管理员")
    _pick(admin, expect, allowed, "销售经理", "Sales Manager")
    expect(allowed.locator(".picker-text")).to_have_text("销售经理")
    # the approver follows its type: two users picked by name from one list
    approver = transition.locator('.picker[data-kind-from="approver_type"]')
    expect(approver.locator(".picker-open")).to_be_hidden()  # "anyone with the role": none
    transition.locator(".wf-approver-type").select_option("User")
    approver.locator(".picker-open").click()
    sheet = admin.locator("dialog.picker-sheet")
    sheet.locator(".picker-search").fill("rep")
    for user in ("rep", "rep2"):
        sheet.locator(f'.picker-choice[data-value="{user}"]').click()
    sheet.locator(".picker-done").click()
    expect(approver.locator(".picker-text")).to_have_text("rep、rep2")
    condition = transition.locator(".cond")
    condition.locator(".cond-add").click()
    row = condition.locator(".cond-rows .cond-row").first
    _pick(admin, expect, row, "金额", "expected_amount")
    row.locator(".cond-op").select_option(">")
    row.locator(".cond-value").fill("500000")
    screenshot(admin, f"workflow-transition-role-picker-{width}")
    admin.click("#wf-save")
    admin.wait_for_url("**/app/workflow-editor/*?saved=1")
    saved = stored(
        lambda: list(
            get_model("Workflow Transition")
            .objects.filter(parent=f"线索复核 {width}")
            .values_list("allowed", "approver_type", "approver", "condition")
        )
    )
    assert saved == [("Sales Manager", "User", "rep, rep2", "doc.expected_amount > 500000")]


def test_a_scoring_criterion_value_is_picked_from_the_fields_options_or_typed(
    page_for, stored, expect
):
    admin = page_for("sysman", DESKTOP)
    admin.goto("/app/rules/scoring/new")
    admin.fill("#in-title", "线索质量")
    _pick(admin, expect, admin.locator("#field-document_type"), "线索", "Lead")
    _pick(admin, expect, admin.locator("#field-score_field"), "score", "score")
    # a criterion on a Select field: its options, in Chinese
    admin.click("#rule-add-row")
    first = admin.locator("#rule-rows .rule-row").nth(0)
    _pick(admin, expect, first.locator(".row-picker").nth(0), "状态", "status")
    _pick(admin, expect, first.locator(".row-picker").nth(1), "", "Open")
    expect(first.locator(".row-picker").nth(1).locator(".picker-text")).to_have_text("待跟进")
    first.locator('input[name$=".points"]').fill("10")
    # a criterion on an amount: nothing to pick, the value is typed
    admin.click("#rule-add-row")
    second = admin.locator("#rule-rows .rule-row").nth(1)
    _pick(admin, expect, second.locator(".row-picker").nth(0), "金额", "expected_amount")
    second.locator('select[name$=".operator"]').select_option(">=")
    second.locator(".row-picker").nth(1).locator(".picker-open").click()
    value = second.locator('input[name$=".value"]')
    expect(value).to_be_focused()
    value.fill("100000")
    second.locator('input[name$=".points"]').fill("20")
    screenshot(admin, "scoring-criteria-pickers-1366")
    admin.click("#rule-save")
    admin.wait_for_url("**/app/rules/scoring/*?saved=1")
    criteria = stored(
        lambda: list(
            get_model("Scoring Criterion")
            .objects.order_by("idx")
            .values_list("fieldname", "operator", "value", "points")
        )
    )
    assert criteria == [("status", "=", "Open", 10), ("expected_amount", ">=", "100000", 20)]
