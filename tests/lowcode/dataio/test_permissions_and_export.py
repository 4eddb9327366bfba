"""Who may import, whose imports are visible, and exports through the permission layer."""

from __future__ import annotations

from lowcode.documents.actions import do_insert_doc
from tests.lowcode.dataio.conftest import METHOD, csv_bytes, read_csv

EXPORT = METHOD + "export"


def test_a_user_who_may_not_create_the_doctype_cannot_set_up_an_import(api):
    response = api("nobody").post("/api/resource/Data Import", {"reference_doctype": "Lead"})

    assert response.status_code == 403
    assert response.json()["exc_type"] == "PermissionError"


def test_an_import_is_refused_when_create_permission_is_gone(api, make_import, admin):
    # given: rep set up an import, then Sales User loses create on Lead (a Custom DocPerm)
    rep = api("rep")
    name = make_import(rep, csv_bytes([["lead_name"], ["甲"]]))
    response = admin.post(
        "/api/resource/Custom DocPerm",
        {"parent_doctype": "Lead", "role": "Sales User", "scope": "own", "read": 1},
    )
    assert response.status_code == 200, response.content

    # when
    start = rep.post(METHOD + "start_import", {"data_import": name})
    preview = rep.post(METHOD + "preview", {"data_import": name})

    # then
    assert start.status_code == 403 and preview.status_code == 403


def test_child_tables_and_the_import_bookkeeping_cannot_be_imported_into(api):
    admin = api("Administrator")
    for doctype in ("Sales Order Item", "Data Import Log"):
        response = admin.post("/api/resource/Data Import", {"reference_doctype": doctype})
        assert response.status_code == 417, doctype
        assert response.json()["errors"][0]["field"] == "reference_doctype"


def test_another_users_import_is_not_found(api, make_import):
    name = make_import(api("rep"), csv_bytes([["lead_name"], ["甲"]]))

    for method in ("get_import_status", "download_error_report"):
        response = api("rep2").get(METHOD + method, {"data_import": name})
        assert response.status_code == 404, method
    assert api("rep2").post(METHOD + "start_import", {"data_import": name}).status_code == 404


def test_export_holds_only_readable_documents_and_fields(api):
    # given: a manager of 华东 (rep's department) may export; south's lead is elsewhere
    do_insert_doc("rep", "Lead", {"lead_name": "苏州线索", "internal_rating": None})
    do_insert_doc("south", "Lead", {"lead_name": "广州线索"})

    # when
    response = api("manager").get(
        EXPORT, {"doctype": "Lead", "fields": ["name", "lead_name", "internal_rating"]}
    )

    # then
    assert response.status_code == 200, response.content
    header, *rows = read_csv(response.content)
    assert header == ["编号 (name)", "联系人姓名 (lead_name)", "内部评级 (internal_rating)"]
    assert [row[1] for row in rows] == ["苏州线索"]


def test_export_leaves_out_fields_above_the_users_permlevel(api, admin):
    # given: Sales User may export Leads at permlevel 0 only (Custom DocPerm replaces the JSON)
    do_insert_doc("Administrator", "Lead", {"lead_name": "甲", "internal_rating": "Hot"})
    do_insert_doc("rep", "Lead", {"lead_name": "乙"})
    for role, level in (("Sales User", 0), ("System Manager", 0), ("System Manager", 1)):
        response = admin.post(
            "/api/resource/Custom DocPerm",
            {
                "parent_doctype": "Lead",
                "role": role,
                "scope": "own" if role == "Sales User" else "all",
                "permlevel": level,
                "read": 1,
                "export": 1,
            },
        )
        assert response.status_code == 200, response.content
    rep = api("rep")

    # when
    everything = rep.get(EXPORT, {"doctype": "Lead", "file_type": "XLSX"})
    hidden = rep.get(EXPORT, {"doctype": "Lead", "fields": ["internal_rating"]})

    # then
    assert everything.status_code == 200, everything.content
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(everything.content)).worksheets[0]
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "联系人姓名 (lead_name)" in header
    assert not any("internal_rating" in str(h) for h in header)
    assert [row[header.index("联系人姓名 (lead_name)")] for row in rows] == ["乙"]
    assert hidden.status_code == 400


def test_export_needs_the_export_permission(api):
    response = api("rep").get(EXPORT, {"doctype": "Lead"})  # Sales User: no export on Lead

    assert response.status_code == 403
