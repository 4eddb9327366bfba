"""Import templates: one column per field the user may fill, labelled in the user's language."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from lowcode.documents.actions import do_insert_doc
from tests.lowcode.dataio.conftest import METHOD, read_csv

TEMPLATE = METHOD + "download_template"


def test_csv_template_headers_are_chinese_labels_with_fieldnames_custom_fields_included(api):
    # given
    do_insert_doc(
        "Administrator",
        "Custom Field",
        {"dt": "Lead", "fieldname": "wechat_id", "label": "WeChat", "fieldtype": "Data"},
    )

    # when
    response = api("rep").get(TEMPLATE, {"doctype": "Lead", "file_type": "CSV"})

    # then
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    [headers] = read_csv(response.content)
    assert headers[:3] == ["联系人姓名 (lead_name)", "公司名称 (company_name)", "状态 (status)"]
    assert "手机 (mobile_no)" in headers
    assert "微信 (wechat_id)" in headers  # the custom field, its label translated
    fieldnames = [h.rsplit("(", 1)[1].rstrip(")") for h in headers]
    assert "naming_series" not in fieldnames  # hidden
    assert {"score", "priority"}.isdisjoint(fieldnames)  # read-only
    assert "internal_rating" not in fieldnames  # permlevel 1: a sales user cannot write it
    assert not any(name.startswith(("column_break", "section_")) for name in fieldnames)


def test_xlsx_template_in_english_and_for_updates_starts_with_the_id(api):
    response = api("manager").get(
        TEMPLATE,
        {
            "doctype": "Lead",
            "file_type": "XLSX",
            "import_type": "Update Existing Records",
            "_lang": "en",
        },
    )

    assert response.status_code == 200, response.content
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    headers = [cell.value for cell in next(sheet.iter_rows())]
    assert headers[:2] == ["ID (name)", "Contact Name (lead_name)"]
    assert "Internal Rating (internal_rating)" in headers  # a manager writes permlevel 1


def test_a_user_who_may_not_create_gets_no_template(api):
    response = api("nobody").get(TEMPLATE, {"doctype": "Lead"})

    assert response.status_code == 403
    assert response.json()["exc_type"] == "PermissionError"
