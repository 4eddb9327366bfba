"""A Dashboard Chart's filters built from rows on a phone (390x844): the field picked from
the chosen DocType's fields in Chinese, the rows written by the server as the filters JSON
the dashboard reads, the raw JSON one tap away."""

from __future__ import annotations

import json
import re

import pytest

from lowcode.storage.factory import get_model
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_pickers import _pick

pytestmark = pytest.mark.browser


def test_a_chart_is_filtered_by_rows_on_a_phone(page_for, stored, expect):
    admin = page_for("sysman", PHONE)
    admin.goto("/app/dashboard-chart/new")
    admin.fill("#in-chart_name", "华东大单来源")
    _pick(admin, expect, admin.locator("#field-document_type"), "线索", "Lead")
    _pick(admin, expect, admin.locator("#field-group_by"), "来源", "source")

    # two filter rows: fields of the chosen DocType, shown by their Chinese labels
    filters = admin.locator("#field-filters_json")
    expect(filters.locator('input[value="rows"]')).to_be_checked()
    filters.locator(".cond-add").click()
    first = filters.locator(".cond-rows .cond-row").nth(0)
    _pick(admin, expect, first, "状态", "status")
    expect(first.locator(".picker-text")).to_have_text("状态")
    # a Select field's value is suggested from its options: the stored value, its Chinese label
    value_list = first.locator("datalist.cond-values option")
    expect(value_list.first).to_be_attached()
    offered = {o.get_attribute("value"): o.get_attribute("label") for o in value_list.all()}
    assert offered["Open"] == "待跟进" and "Contacted" in offered, offered
    assert first.locator(".cond-value").get_attribute("list") == first.locator(
        "datalist.cond-values"
    ).get_attribute("id")
    first.locator(".cond-op").select_option("in")
    first.locator(".cond-value").fill("Open, Contacted")
    filters.locator(".cond-add").click()
    second = filters.locator(".cond-rows .cond-row").nth(1)
    _pick(admin, expect, second, "金额", "expected_amount")
    assert second.locator(".cond-value").get_attribute("list") is None  # a number is typed
    second.locator(".cond-op").select_option(">=")
    second.locator(".cond-value").fill("100000")
    assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(admin, "chart-filter-rows-390")

    # the raw JSON, written from the rows by the server, and back to the rows
    filters.locator('input[value="advanced"]').check()
    raw = filters.locator(".cond-advanced textarea")
    expect(raw).to_be_visible()
    expect(raw).not_to_have_value("")
    assert json.loads(raw.input_value()) == [
        ["status", "in", ["Open", "Contacted"]],
        ["expected_amount", ">=", 100000],
    ]
    filters.locator('input[value="rows"]').check()
    expect(filters.locator(".cond-rows .cond-row")).to_have_count(2)
    expect(filters.locator(".cond-rows .cond-row").nth(1).locator(".picker-text")).to_have_text(
        "预计金额"
    )

    admin.click("#save-btn")
    admin.wait_for_url(re.compile(r".*/app/dashboard-chart/(?!new)[^/]+$"))
    chart = stored(lambda: get_model("Dashboard Chart").objects.get(chart_name="华东大单来源"))
    assert chart.filters_json == [
        ["status", "in", ["Open", "Contacted"]],
        ["expected_amount", ">=", 100000],
    ]
    # reopened: the rows again, labelled, not the JSON
    expect(admin.locator("#field-filters_json .cond-rows .cond-row")).to_have_count(2)
    expect(admin.locator("#field-filters_json .cond-rows .picker-text").first).to_have_text("状态")
    screenshot(admin, "chart-filter-rows-saved-390")


def test_a_webhook_sends_fields_picked_by_their_chinese_names(page_for, stored, expect):
    admin = page_for("sysman", PHONE)
    admin.goto("/app/webhook/new")
    _pick(admin, expect, admin.locator("#field-webhook_doctype"), "线索", "Lead")
    admin.fill("#in-request_url", "https://hooks.example.cn/crm")
    box = admin.locator("#field-request_structure")
    box.locator(".fieldlist-picked .picker-open").click()
    sheet = admin.locator("dialog.picker-sheet")
    sheet.locator(".picker-search").fill("状态")
    sheet.locator('.picker-choice[data-value="status"]').click()
    sheet.locator(".picker-search").fill("金额")
    sheet.locator('.picker-choice[data-value="expected_amount"]').click()
    sheet.locator(".picker-done").click()
    expect(box.locator(".picker-text")).to_have_text("状态、预计金额")
    # the raw JSON one tap away, and back
    box.locator('input[value="advanced"]').check()
    raw = box.locator(".cond-advanced textarea")
    expect(raw).to_be_visible()
    assert json.loads(raw.input_value()) == {"data": ["status", "expected_amount"]}
    box.locator('input[value="rows"]').check()
    expect(box.locator(".picker-text")).to_have_text("状态、预计金额")
    assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(admin, "webhook-fields-390")
    admin.click("#save-btn")
    admin.wait_for_url(re.compile(r".*/app/webhook/(?!new)[^/]+$"))
    hook = stored(lambda: get_model("Webhook").objects.get())
    assert hook.request_structure == {"data": ["status", "expected_amount"]}


def test_a_workflow_state_sets_a_status_picked_from_its_options(page_for, stored, expect):
    admin = page_for("sysman", PHONE)
    admin.goto("/app/workflow-editor/new")
    admin.fill("#in-workflow_name", "线索核对")
    _pick(admin, expect, admin.locator("#field-document_type"), "线索", "Lead")
    state = admin.locator(".wf-state-row").last
    if not state.locator("details").evaluate("d => d.open"):
        state.locator("summary").click()
    update_field = state.locator('.row-picker:has([name$=".update_field"])')
    _pick(admin, expect, update_field, "状态", "status")
    # the update value lists the status options in Chinese; the key is stored
    update_value = state.locator('.row-picker:has([name$=".update_value"])')
    update_value.locator(".picker-open").click()
    sheet = admin.locator("dialog.picker-sheet")
    choice = sheet.locator('.picker-choice[data-value="Qualified"]')
    expect(choice).to_be_visible()
    label = choice.locator(".picker-choice-label").inner_text()
    assert label != "Qualified" and any("\u4e00" <= ch <= "\u9fff" for ch in label)
    choice.click()
    expect(update_value.locator(".picker-text")).to_have_text(label)
    assert update_value.locator(".picker-value").input_value() == "Qualified"
    # the state field: picked from Lead's fields by label, kept when the DocType changes
    # (a name the new DocType lacks is added by the engine)
    _pick(admin, expect, admin.locator("#field-workflow_state_field"), "状态", "status")
    expect(admin.locator("#field-workflow_state_field .picker-text")).to_have_text("状态")
    screenshot(admin, "workflow-update-value-390")
    _pick(admin, expect, admin.locator("#field-document_type"), "客户", "Customer")
    assert admin.locator("#in-workflow_state_field").input_value() == "status"
