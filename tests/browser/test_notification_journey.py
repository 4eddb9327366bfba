"""An administrator sets up a notification rule in the generic form with pickers: the
DocType, the event, the field whose change matters, a condition from rows, recipients by
field and by role, and templates; saved, it reopens showing labels, not keys."""

from __future__ import annotations

import re

import pytest

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
def test_a_notification_is_set_up_with_pickers_and_reopens_in_chinese(
    page_for, stored, expect, size
):
    width = "390" if size is PHONE else "1366"
    admin = page_for("sysman", size)
    admin.goto("/app/notification/new")
    admin.fill("#in-__newname", f"线索状态变化 {width}")
    _pick(admin, expect, admin.locator("#field-document_type"), "线索", "Lead")
    expect(admin.locator("#field-document_type .picker-text")).to_have_text("线索")
    admin.locator("#in-event").select_option("Value Change")
    # the field whose change matters: shown for this event only, picked by its Chinese label
    changed = admin.locator("#field-value_changed")
    expect(changed).to_be_visible()
    expect(admin.locator("#field-date_changed")).to_be_hidden()
    _pick(admin, expect, changed, "状态", "status")
    expect(changed.locator(".picker-text")).to_have_text("状态")
    # the condition from one row
    condition = admin.locator("#field-condition")
    condition.locator(".cond-add").click()
    row = condition.locator(".cond-rows .cond-row").first
    _pick(admin, expect, row, "状态", "status")
    row.locator(".cond-op").select_option("==")
    row.locator(".cond-value").fill("Contacted")
    # recipients: the lead's owner field and a role, both picked
    admin.click("#field-recipients .grid-add")
    admin.click("#field-recipients .grid-add")
    rows = admin.locator("#field-recipients tbody .grid-row")
    expect(rows).to_have_count(2)
    _pick(
        admin,
        expect,
        rows.nth(0).locator('[data-col="receiver_by_document_field"]'),
        "创建人",
        "owner",
    )
    _pick(
        admin,
        expect,
        rows.nth(1).locator('[data-col="receiver_by_role"]'),
        "销售经理",
        "Sales Manager",
    )
    expect(rows.nth(1).locator(".picker-text")).to_have_text(["请选择", "销售经理"])
    admin.fill("#in-subject", "{{ doc.lead_name }} 已联系")
    admin.fill("#in-message", "状态：{{ doc.status }}")
    screenshot(admin, f"notification-form-{width}")
    if size is PHONE:
        assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    admin.click("#save-btn")
    # the saved record's page, not the new form's own URL (which "*" would match at once)
    admin.wait_for_url(re.compile(r".*/app/notification/(?!new)[^/]+$"))
    expect(admin.locator("#form-errors")).to_have_count(0)
    rule = stored(lambda: get_model("Notification").objects.get(name=f"线索状态变化 {width}"))
    assert (rule.document_type, rule.event, rule.value_changed) == (
        "Lead",
        "Value Change",
        "status",
    )
    assert rule.condition == "doc.status == 'Contacted'"
    recipients = stored(
        lambda: list(
            get_model("Notification Recipient")
            .objects.filter(parent=rule.name)
            .order_by("idx")
            .values_list("receiver_by_document_field", "receiver_by_role")
        )
    )
    assert recipients == [("owner", ""), ("", "Sales Manager")] or recipients == [
        ("owner", None),
        (None, "Sales Manager"),
    ]
    # reopened: labels, not keys, in the form and in the recipient rows
    expect(admin.locator("#field-value_changed .picker-text")).to_have_text("状态")
    rows = admin.locator("#field-recipients tbody .grid-row")
    expect(rows.nth(0).locator(".picker-text").first).to_have_text("创建人")
    expect(rows.nth(1).locator(".picker-text").nth(1)).to_have_text("销售经理")
    screenshot(admin, f"notification-saved-{width}")
