"""A grid row's editor (Frappe's grid row form): every field of the row, hidden-by-default
columns included, drawn with the normal field templates and posted with the form."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model


@pytest.fixture
def quotation(users):
    """rep's quotation of one product; a quotation item's uom and discount_amount are not
    grid columns (not in_list_view)."""
    customer = do_insert_doc("rep", "Customer", {"customer_name": "无锡华东精密机械有限公司"})
    product = do_insert_doc(
        "Administrator", "Product", {"product_name": "数控车床 CK6150", "standard_rate": "86000"}
    )
    return do_insert_doc(
        "rep",
        "Quotation",
        {
            "customer": customer.name,
            "quotation_date": "2026-03-10",
            "valid_till": "2026-04-10",
            "items": [{"product": product.name, "qty": 2}],
        },
    )


def _editor(page: str, table: str, index: int) -> str:
    """The dialog of row ``index`` of ``table``."""
    start = page.index(f'id="row-{table}-{index}-title"')
    start = page.rindex("<dialog", 0, start)
    return page[start : page.index("</dialog>", start)]


def _post(page: str) -> dict:
    """The form as the browser posts it: every named input's value (text inputs only here)."""
    start = page.index('<form id="doc-form"')
    form = page[start : page.index("</form>", start)]
    form = re.sub(r"<template.*?</template>", "", form, flags=re.S)  # a new row's, not posted
    data: dict = {}
    for tag in re.finditer(r"<input\b[^>]*>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(0)))
        if "name" not in attrs or attrs.get("type") in ("checkbox", "radio", "file"):
            continue
        data[attrs["name"]] = attrs.get("value", "")
    return data


def test_each_row_opens_an_editor_with_every_field_of_the_row(desk, quotation):
    page = desk("rep").get(f"/app/quotation/{quotation.name}").content.decode()
    row = page[page.index('class="grid-row') :]
    assert 'class="btn btn-small grid-edit"' in row[: row.index("</tr>")]
    editor = _editor(page, "items", 0)
    # columns the grid hides by default: drawn by the normal field templates, the row's names
    assert 'name="items.0.uom"' in editor and 'id="in-row-items-0-uom"' in editor
    assert 'name="items.0.discount_amount"' in editor and 'type="number"' in editor
    # the grid's own columns are slots the cell's input moves into: one input per value
    assert 'data-slot="product"' in editor and 'name="items.0.product"' not in editor
    # a read-only field shows its value and posts nothing
    assert 'name="items.0.tax_amount"' not in editor and 'id="in-row-items-0-tax_amount"' in editor
    # a new row's editor comes with the grid's template, renumbered by desk.js
    template = page[page.index('<template class="grid-template">') :]
    assert 'name="items.__i__.uom"' in template[: template.index("</template>")]


def test_the_editors_fields_are_saved_with_the_form(desk, quotation):
    client = desk("rep")
    page = client.get(f"/app/quotation/{quotation.name}").content.decode()
    data = _post(page)
    assert "items.0.uom" in data  # the form posts the editor's fields as it does the cells
    data.update({"items.0.uom": "台", "items.0.qty": "3"})
    response = client.post(f"/app/quotation/{quotation.name}", data)
    assert response.status_code == 204, response.content.decode()[:3000]
    row = get_model("Quotation").objects.get(name=quotation.name).get_children("items")[0]
    assert (row.uom, row.qty) == ("台", 3)


def test_a_rows_error_is_shown_on_that_field_in_its_editor(desk, quotation):
    client = desk("rep")
    page = client.get(f"/app/quotation/{quotation.name}").content.decode()
    data = _post(page)
    data["items.0.discount_amount"] = "很多"
    page = client.post(f"/app/quotation/{quotation.name}", data).content.decode()
    editor = _editor(page, "items", 0)
    box = re.search(r'<div class="([^"]*)" id="field-row-items-0-discount_amount"', editor)
    assert box and "has-error" in box.group(1)
    error = re.search(r'id="err-row-items-0-discount_amount" role="alert">([^<]+)<', editor)
    assert error and "第 1 行" in error.group(1), editor
    assert 'value="很多"' in editor  # the input is kept where it was typed
    # the row's edit button is marked, so the row is found on a long grid
    assert "grid-edit has-error" in page


def test_a_locked_table_opens_a_read_only_editor_that_posts_nothing(desk):
    """An opportunity's stage history is kept by the server: its editor shows, never posts."""
    customer = do_insert_doc("rep", "Customer", {"customer_name": "常州恒力"}).name
    name = do_insert_doc(
        "rep",
        "Opportunity",
        {"opportunity_name": "恒力二期", "customer": customer, "amount": 1000,
         "expected_close_date": "2026-12-31"},
    ).name  # fmt: skip
    page = desk("rep").get(f"/app/opportunity/{name}").content.decode()
    editor = _editor(page, "stage_history", 0)
    assert "readonly-value" in editor
    assert not re.search(r'name="stage_history\.0\.(?!name")', editor)
