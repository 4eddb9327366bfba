"""A grid row's editor in Chromium: the admin opens a field row's editor in the DocType form,
makes the field unique, gives another a default and a third a display condition, saves, and a
new record meets all three; on a phone (a bottom sheet) and on a desktop (a dialog)."""

from __future__ import annotations

import pytest

from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, save, screenshot
from tests.browser.test_doctype_journey import (
    add_field,
    grid_row,
    no_sideways_scroll,
    runtime_tables,  # noqa: F401 - fixture
)
from tests.browser.test_layout import unnamed_controls

pytestmark = pytest.mark.browser


def open_editor(page, row, expect):
    row.locator(".grid-edit").click()
    dialog = row.locator("dialog.row-editor")
    expect(dialog).to_be_visible()
    return dialog


@pytest.mark.usefixtures("runtime_tables")
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_a_field_rows_editor_sets_unique_default_and_depends_on(page_for, stored, expect, viewport):
    size = viewport["width"]
    page = page_for("sysman", viewport)
    page.goto("/app/doctype/new")
    page.fill("#in-label", "巡检记录")
    page.locator("#in-label").dispatch_event("change")
    expect(page.locator("#in-__newname")).to_have_value("Xunjian Jilu")
    page.select_option("#in-module", "CRM")

    number = add_field(page, 0, "巡检编号", "Data")
    expect(number.locator('[name$=".fieldname"]')).to_have_value("xunjian_bianhao")
    dialog = open_editor(page, number, expect)
    # the row's own cells moved into the editor: one input per value
    expect(dialog.locator('[name="fields.0.label"]')).to_have_value("巡检编号")
    page.screenshot(path=str(SCREENSHOTS / f"row-editor-open-{size}.png"))
    dialog.locator('[name="fields.0.unique"][type=checkbox]').check()
    dialog.locator('[name="fields.0.description"]').fill("每次巡检一个编号")
    no_sideways_scroll(page, size)
    page.screenshot(path=str(SCREENSHOTS / f"row-editor-field-{size}.png"))  # the sheet as seen
    dialog.locator(".row-editor-done").click()
    expect(dialog).to_be_hidden()
    expect(number.locator('td[data-col="label"] input')).to_have_value("巡检编号")

    result = add_field(page, 1, "结果", "Data")
    expect(result.locator('[name$=".fieldname"]')).to_have_value("jieguo")
    dialog = open_editor(page, result, expect)
    dialog.locator('[name="fields.1.default"]').fill("正常")
    dialog.locator(".row-editor-done").click()

    note = add_field(page, 2, "异常说明", "Small Text")
    expect(note.locator('[name$=".fieldname"]')).to_have_value("yichang_shuoming")
    dialog = open_editor(page, note, expect)
    dialog.locator('[name="fields.2.depends_on"]').fill("eval:doc.jieguo=='异常'")
    page.keyboard.press("Escape")  # closing the sheet any way puts the cells back
    expect(dialog).to_be_hidden()
    expect(note.locator('td[data-col="fieldtype"] select')).to_have_value("Small Text")

    # a permission rule's other verbs are in its row's editor too
    perm = open_editor(page, grid_row(page, "permissions", 0), expect)
    expect(perm.locator('[name="permissions.0.submit"][type=checkbox]')).to_be_visible()
    perm.locator('[name="permissions.0.print"][type=checkbox]').check()
    perm.locator(".row-editor-done").click()
    assert unnamed_controls(page) == []
    no_sideways_scroll(page, size)
    screenshot(page, f"row-editor-doctype-{size}")

    page.click("#save-btn")
    page.wait_for_url("**/app/doctype/Xunjian*")
    expect(page.locator("#form-errors")).to_have_count(0)
    rows = stored(
        lambda: {
            f.fieldname: (f.unique, f.default, f.depends_on, f.description)
            for f in get_model("DocField").objects.filter(parent="Xunjian Jilu")
        }
    )
    assert rows["xunjian_bianhao"] == (True, None, None, "每次巡检一个编号")
    assert rows["jieguo"][1] == "正常"
    assert rows["yichang_shuoming"][2] == "eval:doc.jieguo=='异常'"
    assert stored(lambda: get_model("DocPerm").objects.get(parent="Xunjian Jilu").print)

    # a new record: the default is there, the note shows only for 异常, the number is unique
    page.goto("/app/xunjian-jilu/new")
    expect(page.locator("#in-jieguo")).to_have_value("正常")
    expect(page.locator("#field-yichang_shuoming")).to_be_hidden()
    page.fill("#in-jieguo", "异常")
    page.locator("#in-jieguo").dispatch_event("change")
    expect(page.locator("#field-yichang_shuoming")).to_be_visible()
    page.fill("#in-xunjian_bianhao", "XJ-001")
    page.fill("#in-yichang_shuoming", "皮带磨损")
    screenshot(page, f"row-editor-record-{size}")
    page.click("#save-btn")
    page.wait_for_url("**/app/xunjian-jilu/1")
    page.goto("/app/xunjian-jilu/new")
    page.fill("#in-xunjian_bianhao", "XJ-001")
    page.click("#save-btn")
    expect(page.locator("#form-errors")).to_contain_text("巡检编号 XJ-001 已存在")
    no_sideways_scroll(page, size)
    screenshot(page, f"row-editor-unique-{size}")
    assert stored(lambda: get_model("Xunjian Jilu").objects.count()) == 1


def test_a_quotation_items_editor_on_a_phone_saves_a_hidden_by_default_field(
    page_for, stored, expect, workflows
):
    """Every child table has the editor: a quotation item's unit is not a grid column."""
    from tests.browser import o2c_data as data

    data.catalogue()
    name = data.quotation(data.customer())
    page = page_for("rep", PHONE)
    page.goto(f"/app/quotation/{name}")
    page.click("#record-edit")  # a phone reads the record first; 编辑 opens the form (issue 17)
    row = grid_row(page, "items", 1)
    dialog = open_editor(page, row, expect)
    uom = dialog.locator('[name="items.1.uom"]')
    expect(uom).to_be_visible()
    uom.fill("套")
    no_sideways_scroll(page, PHONE["width"])
    page.screenshot(path=str(SCREENSHOTS / "row-editor-quotation-item-390.png"))
    dialog.locator(".row-editor-done").click()
    expect(dialog).to_be_hidden()
    assert unnamed_controls(page) == []
    save(page)
    expect(page.locator("#form-errors")).to_have_count(0)
    units = stored(
        lambda: [r.uom for r in get_model("Quotation").objects.get(name=name).get_children("items")]
    )
    assert units == ["台", "套"]
