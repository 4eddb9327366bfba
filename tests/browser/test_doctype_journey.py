"""An administrator who does not program makes a new kind of record in the browser, uses it,
renames a field and deletes it again, on a phone and on a desktop."""

from __future__ import annotations

import pytest
from django.db import connection

from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, screenshot
from tests.browser.test_layout import unnamed_controls

pytestmark = pytest.mark.browser


@pytest.fixture
def runtime_tables(desk_server):
    """Drop the tables the journey made (not Django's, so the flush leaves them)."""
    from lowcode.meta import registry
    from lowcode.storage import factory

    before = set(connection.introspection.table_names())
    yield
    with desk_server.lock:
        with connection.cursor() as cursor:
            for table in sorted(set(connection.introspection.table_names()) - before):
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
        for name in list(factory._runtime_models):
            factory.forget_runtime_model(name)
        registry.clear_local_cache()


def no_sideways_scroll(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide"


def tall_enough(locator) -> None:
    box = locator.bounding_box()
    assert box["height"] >= 44, f"{locator} is {box['height']}px high"


def grid_row(page, table: str, index: int):
    return page.locator(f'.child-table[data-table="{table}"] tbody tr.grid-row').nth(index)


def add_field(page, index: int, label: str, fieldtype: str):
    page.click('.child-table[data-table="fields"] .grid-add')
    row = grid_row(page, "fields", index)
    row.locator('[name$=".label"]').fill(label)
    row.locator('[name$=".label"]').dispatch_event("change")
    row.locator('select[name$=".fieldtype"]').select_option(fieldtype)
    return row


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_an_admin_makes_uses_changes_and_deletes_a_doctype(
    page_for, stored, expect, runtime_tables, viewport
):
    size = viewport["width"]
    page = page_for("sysman", viewport)
    page.goto("/app/doctype/new")
    expect(page.locator("h1.page-title")).to_have_text("新建文档类型")

    # label first; the name is suggested from it in pinyin
    page.fill("#in-label", "设备台账")
    page.locator("#in-label").dispatch_event("change")
    expect(page.locator("#in-__newname")).to_have_value("Shebei Taizhang")
    page.select_option("#in-module", "CRM")
    page.locator(".dt-rule", has_text="命名序列").click()
    page.fill(".dt-series", "SB-.#####")
    tall_enough(page.locator(".dt-rule", has_text="命名序列"))

    # fields: names come from the labels; options follow the type
    name_row = add_field(page, 0, "设备名称", "Data")
    expect(name_row.locator('[name$=".fieldname"]')).to_have_value("shebei_mingcheng")
    name_row.locator('[name$=".reqd"][type=checkbox]').check()
    customer = add_field(page, 1, "所属客户", "Link")
    customer.locator("select.dt-opt-link").select_option("Customer")
    expect(customer.locator("textarea.dt-opt-lines")).to_be_hidden()
    status = add_field(page, 2, "状态", "Select")
    # a Select's options are rows: the stored value and the 中文标签 (a value left empty is
    # made from the label)
    expect(status.locator("textarea.dt-opt-lines")).to_be_hidden()
    for index, (value, label) in enumerate(
        [("in_use", "在用"), ("", "维修"), ("scrapped", "报废")]
    ):
        if index:
            status.locator(".dt-opt-rows .opt-add").click()
        option = status.locator(".dt-opt-rows .opt-row").nth(index)
        option.locator(".opt-value").fill(value)
        option.locator(".opt-label").fill(label)
    parts = add_field(page, 3, "配件", "Table")
    new_child = parts.locator(".dt-new-child")
    expect(new_child).to_be_visible()
    tall_enough(new_child)
    new_child.click()
    dialog = page.locator("#dt-child-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#dt-child-label")).to_have_value("配件")
    dialog.locator("#dt-child-label").fill("设备配件")
    dialog.locator("#dt-child-label").dispatch_event("change")
    expect(dialog.locator("#dt-child-name")).to_have_value("Shebei Peijian")
    dialog.locator('[name="child.0.label"]').fill("配件名称")
    dialog.locator('[name="child.1.label"]').fill("数量")
    dialog.locator('[name="child.1.fieldtype"]').select_option("Int")
    page.screenshot(path=str(SCREENSHOTS / f"doctype-new-child-{size}.png"))  # the dialog as seen
    dialog.locator("#dt-child-submit").click()
    expect(dialog).to_be_hidden()
    expect(parts.locator("select.dt-opt-table")).to_have_value("Shebei Peijian")
    add_field(page, 4, "照片", "Attach")
    kind = add_field(page, 5, "关联类型", "Link")
    kind.locator("select.dt-opt-link").select_option("DocType")
    dynamic = add_field(page, 6, "关联单据", "Dynamic Link")
    expect(dynamic.locator("select.dt-opt-link")).to_be_hidden()
    expect(kind.locator('[name$=".fieldname"]')).to_have_value("guanlian_leixing")
    dynamic.locator("input.dt-opt-dynamic").fill("guanlian_leixing")
    page.select_option("#in-title_field", "shebei_mingcheng")
    page.locator(".dt-multi label", has_text="设备名称").locator("input").check()
    page.locator(".dt-multi label", has_text="所属客户").locator("input").check()
    expect(page.locator("#in-search_fields")).to_have_value("shebei_mingcheng,suoshu_kehu")

    # a permission row per role, the role picked from a list in Chinese
    expect(grid_row(page, "permissions", 0).locator('select[name$=".role"]')).to_have_value(
        "System Manager"
    )  # the admin's own rights come first
    page.click('.child-table[data-table="permissions"] .grid-add')
    perm = grid_row(page, "permissions", 1)
    perm.locator('select[name$=".role"]').select_option("Sales User")
    for verb in ("read", "write", "create"):
        perm.locator(f'[name$=".{verb}"][type=checkbox]').check()
    no_sideways_scroll(page, size)
    assert unnamed_controls(page) == []
    screenshot(page, f"doctype-new-{size}")

    page.click("#save-btn")
    page.wait_for_url("**/app/doctype/Shebei*")
    expect(page.locator(".dt-after")).to_be_visible()
    # what to do next sits right under the title
    assert page.locator("#doc-form .form-head + #dt-views").count() == 1
    for view in ("list", "new", "kanban"):
        expect(page.locator(f'.dt-views a[data-view="{view}"]')).to_be_visible()
    saved = stored(lambda: get_model("DocType").objects.get(name="Shebei Taizhang"))
    assert (saved.title_field, saved.search_fields) == (
        "shebei_mingcheng",
        "shebei_mingcheng,suoshu_kehu",
    )
    assert (saved.autoname, saved.sort_field) == ("SB-.#####", "modified")
    no_sideways_scroll(page, size)
    screenshot(page, f"doctype-saved-{size}")

    # the DocType list shows it by its label, on a phone too
    page.goto("/app/doctype")
    expect(page.locator("#list-results", has_text="设备台账")).to_be_visible()
    no_sideways_scroll(page, size)
    screenshot(page, f"doctype-list-{size}")
    page.goto("/app/doctype/Shebei%20Taizhang")

    # a record of the new kind, at once
    page.locator('.dt-views a[data-view="new"]').click()
    page.wait_for_url("**/app/shebei-taizhang/new")
    page.fill("#in-shebei_mingcheng", "一号空压机")
    expect(page.locator("#in-zhuangtai option[value=in_use]")).to_have_text("在用")
    expect(page.locator("#in-zhuangtai option[value=weixiu]")).to_have_text("维修")
    page.select_option("#in-zhuangtai", label="在用")
    expect(page.locator("#field-peijian .child-table")).to_be_visible()
    no_sideways_scroll(page, size)
    screenshot(page, f"doctype-record-new-{size}")
    page.click("#save-btn")
    page.wait_for_url("**/app/shebei-taizhang/SB-00001")
    stored_state = stored(lambda: get_model("Shebei Taizhang").objects.get().zhuangtai)
    assert stored_state == "in_use"  # the value; 在用 is its label

    # rename a field: its data moves with it; removing one warns that its data goes
    page.goto("/app/doctype/Shebei%20Taizhang")
    state_row = grid_row(page, "fields", 2)
    state_row.locator('[name$=".fieldname"]').fill("state")
    photo_row = grid_row(page, "fields", 4)
    photo_row.locator(".grid-remove").click()
    expect(page.locator("#dt-removed")).to_contain_text("保存后将删除以下字段及其全部数据")
    expect(page.locator("#dt-removed")).to_contain_text("照片 (zhaopian，0 条记录有值)")
    screenshot(page, f"doctype-edit-{size}")
    page.click("#save-btn")
    page.wait_for_function(
        "document.querySelector('#doc-form input[name=modified]') && !document.getElementById('dt-removed')"
    )
    expect(page.locator("#form-errors")).to_have_count(0)
    renamed = stored(lambda: get_model("Shebei Taizhang").objects.get().state)
    assert renamed == "in_use"

    # delete: the dialog says how many records go and wants the name typed
    page.click("#dt-delete-open")
    delete = page.locator("#dt-delete-dialog")
    expect(delete).to_be_visible()
    expect(delete.locator("#dt-delete-count")).to_contain_text("全部 1 条记录")
    expect(delete.locator("#dt-delete-submit")).to_be_disabled()
    delete.locator("#dt-delete-confirm").fill("shebei taizhang")
    expect(delete.locator("#dt-delete-submit")).to_be_disabled()
    delete.locator("#dt-delete-confirm").fill("Shebei Taizhang")
    expect(delete.locator("#dt-delete-submit")).to_be_enabled()
    # the dialog (a bottom sheet on a phone) as the admin sees it, not the whole page
    page.screenshot(path=str(SCREENSHOTS / f"doctype-delete-{size}.png"))
    delete.locator("#dt-delete-submit").click()
    page.wait_for_url("**/app/doctype")
    assert not stored(lambda: get_model("DocType").objects.filter(name="Shebei Taizhang").exists())
    assert "tabShebei Taizhang" not in stored(connection.introspection.table_names)
