"""Duplicates on import: the duplicate rules, rows of the same file, and re-running a file."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.lowcode.dataio.conftest import call, csv_bytes

HEADERS = ["联系人姓名", "公司名称", "手机"]


@pytest.fixture
def mobile_rule(admin):
    response = admin.post(
        "/api/resource/Duplicate Rule",
        {
            "title": "手机号查重",
            "document_type": "Lead",
            "action": "Block",
            "fields": [{"fieldname": "mobile_no", "normaliser": "Phone"}],
        },
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def existing(users, mobile_rule):
    return do_insert_doc("rep", "Lead", {"lead_name": "王磊", "mobile_no": "13912345678"})


def by_row(status: dict) -> dict[int, dict]:
    return {entry["row_index"]: entry for entry in status["log"]}


def test_a_row_matching_an_existing_lead_is_skipped_naming_it(
    api, existing, make_import, run_import
):
    rows = [HEADERS, ["王磊", "苏州精工", "+86 139 1234 5678"], ["李娜", "华信", "13700002222"]]
    rep = api("rep")

    status = run_import(rep, make_import(rep, csv_bytes(rows)))

    assert status["status"] == "Success"
    assert (status["created"], status["skipped"]) == (1, 1)
    skipped = by_row(status)[2]
    assert (skipped["outcome"], skipped["docname"]) == ("skipped_duplicate", existing.name)
    assert "手机" in skipped["message"] and existing.name in skipped["message"]
    assert get_model("Lead").objects.count() == 2


def test_merge_fills_the_existing_leads_empty_fields(api, existing, make_import, run_import):
    rows = [HEADERS, ["王磊（新）", "苏州精工", "139-1234-5678"]]
    rep = api("rep")

    status = run_import(rep, make_import(rep, csv_bytes(rows), dedup_mode="Merge Into Existing"))

    merged = by_row(status)[2]
    assert (merged["outcome"], merged["docname"]) == ("merged", existing.name)
    assert "公司名称" in merged["message"]
    existing.refresh_from_db()
    assert (existing.company_name, existing.lead_name) == ("苏州精工", "王磊")  # filled, kept
    assert get_model("Lead").objects.count() == 1


def test_rows_repeating_an_earlier_row_of_the_file_are_caught(
    api, mobile_rule, make_import, run_import
):
    rows = [
        HEADERS,
        ["周杰", "甲公司", "13600001111"],
        ["周杰伦", "乙公司", "136 0000 1111"],  # same mobile as row 2
        ["吴敏", "丙公司", "13500002222"],
        ["吴敏", "丙公司", "13500002222"],  # the same row again
    ]
    rep = api("rep")

    status = run_import(rep, make_import(rep, csv_bytes(rows)))

    log = by_row(status)
    first = log[2]["docname"]
    assert [log[i]["outcome"] for i in (2, 3, 4, 5)] == [
        "created",
        "skipped_duplicate",
        "created",
        "skipped_duplicate",
    ]
    assert log[3]["docname"] == first and "第 2 行" in log[3]["message"]
    assert log[5]["docname"] == log[4]["docname"]
    assert get_model("Lead").objects.count() == 2


def test_insert_anyway_still_meets_a_blocking_rule(api, existing, make_import, run_import):
    rows = [HEADERS, ["王磊", "", "13912345678"]]
    rep = api("rep")

    status = run_import(rep, make_import(rep, csv_bytes(rows), dedup_mode="Insert Anyway"))

    error = by_row(status)[2]
    assert error["outcome"] == "error"
    assert [(e["field"], e["rule"]) for e in error["errors"]] == [("mobile_no", "duplicate")]


def test_a_lead_matching_a_customer_is_skipped(api, users, admin, make_import, run_import):
    admin.post(
        "/api/resource/Duplicate Rule",
        {
            "title": "公司已是客户",
            "document_type": "Lead",
            "action": "Block",
            "fields": [
                {
                    "fieldname": "company_name",
                    "normaliser": "Company Name",
                    "other_doctype": "Customer",
                    "other_fieldname": "customer_name",
                }
            ],
        },
    )
    customer = do_insert_doc("rep", "Customer", {"customer_name": "上海精工机械有限公司"})
    rep = api("rep")

    status = run_import(
        rep,
        make_import(
            rep,
            csv_bytes([HEADERS, ["张伟", "精工机械（中国）", ""]]),
            dedup_mode="Merge Into Existing",
        ),
    )

    skipped = by_row(status)[2]
    assert (skipped["outcome"], skipped["docname"]) == ("skipped_duplicate", customer.name)
    assert not get_model("Lead").objects.exists()


@pytest.mark.parametrize(("mode", "created"), [("Insert Anyway", 3), ("Skip Duplicates", 2)])
def test_re_running_a_file_creates_nothing_new_even_without_duplicate_rules(
    api, make_import, run_import, mode, created
):
    # given: no duplicate rule; identical rows are allowed only with "Insert Anyway"
    rows = [HEADERS, ["甲", "", ""], ["甲", "", ""], ["乙", "", ""]]
    rep = api("rep")
    content = csv_bytes(rows)
    first = run_import(rep, make_import(rep, content, dedup_mode=mode))
    assert first["created"] == created

    # when: the same import again, and the same file uploaded anew
    again = run_import(rep, get_model("Data Import").objects.get().name)
    uploaded_again = run_import(rep, make_import(rep, content, "renamed.csv"))

    # then
    for status in (again, uploaded_again):
        assert (status["created"], status["skipped"], status["status"]) == (0, 3, "Success")
        assert {e["outcome"] for e in status["log"]} == {"skipped_duplicate"}
    assert get_model("Lead").objects.count() == created


def test_a_deleted_document_is_imported_again(api, make_import, run_import):
    from lowcode.documents.actions import do_delete_doc

    rep = api("rep")
    content = csv_bytes([HEADERS, ["甲", "", ""]])
    first = run_import(rep, make_import(rep, content))
    do_delete_doc("Administrator", "Lead", first["log"][0]["docname"])

    status = run_import(rep, make_import(rep, content))

    assert status["created"] == 1


def test_preview_reports_duplicates_without_recording_anything(api, existing, make_import):
    rep = api("rep")
    name = make_import(rep, csv_bytes([HEADERS, ["王磊", "", "13912345678"]]))

    result = call(rep, "preview", data_import=name)

    assert result["counts"]["skipped_duplicate"] == 1
    assert result["rows"][0]["docname"] == existing.name


def test_a_row_matching_a_lead_the_importer_may_not_read_names_only_its_owner(
    api, existing, make_import, run_import
):
    # given: rep's lead (rep2, same team, reads only their own leads)
    from lowcode.users import do_create_user

    do_create_user("rep", full_name="任小鹏")
    rows = [HEADERS, ["试探", "某公司", "139 1234 5678"]]
    rep2 = api("rep2")

    # when: rep2 imports a row with the same number, asking to merge
    status = run_import(rep2, make_import(rep2, csv_bytes(rows), dedup_mode="Merge Into Existing"))

    # then: skipped, not merged; rep2 learns whom to ask, not the lead
    skipped = by_row(status)[2]
    assert (skipped["outcome"], skipped["docname"]) == ("skipped_duplicate", None)
    assert "任小鹏" in skipped["message"] and "手机" in skipped["message"]
    assert existing.name not in str(status) and "王磊" not in str(status)
    existing.refresh_from_db()
    assert existing.company_name in (None, "")
    assert get_model("Lead").objects.count() == 1
