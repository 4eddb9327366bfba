"""Importing files: preview without writing, row-by-row runs, encodings, Excel, error reports."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from lowcode.storage.factory import get_model
from tests.lowcode.dataio.conftest import METHOD, call, csv_bytes, read_csv, xlsx_bytes

HEADERS = ["联系人姓名", "公司名称", "手机", "邮箱"]
ROWS = [
    HEADERS,
    ["王磊", "苏州精工机械有限公司", "13912345678", "wang.lei@example.com"],
    ["", "无名公司", "13800001111", "not-an-email"],  # file row 3: two errors
    ["李娜", "上海华信电子", "13700002222", ""],
]


def lead_names() -> list[str]:
    return sorted(get_model("Lead").objects.values_list("lead_name", flat=True))


def test_preview_reports_the_bad_row_naming_field_and_rule_and_writes_nothing(api, make_import):
    # given
    rep = api("rep")
    name = make_import(rep, csv_bytes(ROWS))

    # when
    result = call(rep, "preview", data_import=name)

    # then
    assert result["total"] == 3
    assert result["counts"] == {
        "created": 2,
        "merged": 0,
        "updated": 0,
        "skipped_duplicate": 0,
        "error": 1,
    }
    [bad] = result["rows"]
    assert bad["row_index"] == 3 and bad["outcome"] == "error"
    rules = {(e["field"], e["rule"]): e["message"] for e in bad["errors"]}
    assert rules[("lead_name", "reqd")] == "联系人姓名为必填项"
    assert ("email_id", "email") in rules and "邮箱" in rules[("email_id", "email")]
    assert [c["fieldname"] for c in result["columns"]] == [
        "lead_name",
        "company_name",
        "mobile_no",
        "email_id",
    ]
    assert result["sample"][0]["values"]["lead_name"] == "王磊"
    # nothing was kept: no lead, no log, no fingerprint
    assert lead_names() == []
    assert not get_model("Data Import Log").objects.exists()
    assert not get_model("Data Import Key").objects.exists()


def test_a_run_imports_the_good_rows_and_reports_the_bad_one(api, make_import, run_import):
    rep = api("rep")
    name = make_import(rep, csv_bytes(ROWS))

    status = run_import(rep, name)

    assert status["status"] == "Partial Success"
    assert (status["total"], status["processed"], status["progress"]) == (3, 3, 100)
    assert (status["created"], status["failed"], status["skipped"]) == (2, 1, 0)
    assert lead_names() == ["李娜", "王磊"]
    assert set(get_model("Lead").objects.values_list("owner", flat=True)) == {"rep"}
    log = {entry["row_index"]: entry for entry in status["log"]}
    assert [log[i]["outcome"] for i in (2, 3, 4)] == ["created", "error", "created"]
    assert log[2]["docname"] == get_model("Lead").objects.get(lead_name="王磊").name
    assert {e["field"] for e in log[3]["errors"]} == {"lead_name", "email_id"}
    assert "联系人姓名为必填项" in log[3]["message"]


def test_a_gbk_csv_from_chinese_excel_maps_labels_and_translated_options(
    api, make_import, run_import
):
    rows = [
        ["联系人姓名", "手机", "线索来源", "预计金额"],
        ["张伟", "139 1234 5678", "展会", "1,234,567.50"],
    ]
    rep = api("rep")
    name = make_import(rep, csv_bytes(rows, "gbk"))

    status = run_import(rep, name)

    assert status["status"] == "Success", status
    lead = get_model("Lead").objects.get(lead_name="张伟")
    assert lead.source == "Exhibition"
    assert lead.expected_amount == Decimal("1234567.50")


def test_a_utf8_csv_with_bom_is_read(api, make_import, run_import):
    rep = api("rep")
    content = "\ufeff".encode() + csv_bytes([["lead_name", "company_name"], ["赵敏", "明教"]])
    name = make_import(rep, content)

    assert run_import(rep, name)["created"] == 1
    assert lead_names() == ["赵敏"]


def test_xlsx_cells_keep_their_types_and_typed_values_are_coerced(api, make_import, run_import):
    # given: Test Order has dates, checks, numbers and a Select
    rows = [
        ["Title", "Order Date", "Urgent", "Urgent Reason", "Amount", "Priority", "Status"],
        ["甲", dt.datetime(2026, 1, 5), "是", "客户催", "1,234.50", 3.0, "Open"],
        ["乙", "2026/2/7", "否", None, 88, "2", "已关闭"],
        ["丙", "下周一", "否", None, "很多", 1, "Open"],
    ]
    rep = api("rep")
    name = make_import(rep, xlsx_bytes(rows), "orders.xlsx", reference_doctype="Test Order")

    # when
    status = run_import(rep, name)

    # then
    assert (status["created"], status["failed"]) == (2, 1), status
    orders = {o.title: o for o in get_model("Test Order").objects.all()}
    first, second = orders["甲"], orders["乙"]
    assert (first.order_date, first.urgent, first.amount, first.priority) == (
        dt.date(2026, 1, 5),
        True,
        Decimal("1234.50"),
        3,
    )
    assert (second.order_date, second.urgent, second.status) == (
        dt.date(2026, 2, 7),
        False,
        "Closed",
    )
    [bad] = [e for e in status["log"] if e["outcome"] == "error"]
    assert bad["row_index"] == 4
    assert {(e["field"], e["rule"]) for e in bad["errors"]} == {
        ("order_date", "date"),
        ("amount", "number"),
    }


def test_a_row_failing_after_its_insert_leaves_nothing_half_written(api, make_import, run_import):
    rows = [["title", "code"], ["好", "A1"], ["explode after insert", "A2"], ["也好", "A3"]]
    rep = api("rep")
    name = make_import(rep, csv_bytes(rows), reference_doctype="Test Order")

    status = run_import(rep, name)

    assert (status["created"], status["failed"]) == (2, 1)
    codes = sorted(get_model("Test Order").objects.values_list("code", flat=True))
    assert codes == ["A1", "A3"]


def test_the_error_report_holds_the_failed_rows_as_uploaded_with_the_error(
    api, make_import, run_import
):
    rep = api("rep")
    name = make_import(rep, csv_bytes(ROWS))
    run_import(rep, name)

    csv_report = rep.get(METHOD + "download_error_report", {"data_import": name})
    xlsx_report = rep.get(
        METHOD + "download_error_report", {"data_import": name, "file_type": "XLSX"}
    )

    assert csv_report.status_code == 200, csv_report.content
    header, row = read_csv(csv_report.content)
    assert header == [*HEADERS, "错误", "行号"]
    assert row[:4] == ["", "无名公司", "13800001111", "not-an-email"]
    assert "联系人姓名为必填项" in row[4] and row[5] == "3"
    sheet = load_workbook(io.BytesIO(xlsx_report.content)).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows())] == [*HEADERS, "错误", "行号"]


def test_a_fixed_error_report_imports_on_a_second_upload(api, make_import, run_import):
    rep = api("rep")
    first = make_import(rep, csv_bytes(ROWS))
    run_import(rep, first)
    report = read_csv(rep.get(METHOD + "download_error_report", {"data_import": first}).content)
    report[1][0], report[1][3] = "周杰", "zhou@example.com"

    status = run_import(rep, make_import(rep, csv_bytes(report)))

    assert (status["created"], status["failed"]) == (1, 0)
    assert lead_names() == ["周杰", "李娜", "王磊"]


def test_update_existing_records_by_id(api, make_import, run_import):
    rep = api("rep")
    run_import(rep, make_import(rep, csv_bytes(ROWS)))
    lead = get_model("Lead").objects.get(lead_name="王磊")
    rows = [
        ["ID (name)", "公司名称 (company_name)"],
        [lead.name, "苏州精工（新）"],
        ["LEAD-NOPE", "无"],
    ]

    status = run_import(
        rep, make_import(rep, csv_bytes(rows), import_type="Update Existing Records")
    )

    assert (status["updated"], status["failed"]) == (1, 1)
    lead.refresh_from_db()
    assert lead.company_name == "苏州精工（新）"
    assert lead.mobile_no  # cells not in the file stay as they were


def test_progress_and_status_are_not_client_input(api, make_import):
    rep = api("rep")
    name = make_import(rep, csv_bytes(ROWS))

    response = rep.put(
        f"/api/resource/Data Import/{name}", {"status": "Success", "created_count": 9}
    )

    assert response.status_code == 200, response.content
    assert (response.json()["data"]["status"], response.json()["data"]["created_count"]) == (
        "Pending",
        0,
    )


def test_a_preview_of_an_unreadable_file_names_the_file_field(api, make_import):
    rep = api("rep")
    name = make_import(rep, b"\xd0\xcf\x11\xe0old excel", "leads.xls")

    response = rep.post(METHOD + "preview", {"data_import": name})

    assert response.status_code == 417
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("import_file", "file")]


def test_fingerprints_and_log_are_read_and_written_per_batch_not_per_row(
    api, make_import, run_import
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rep = api("rep")
    rows = [["lead_name"], *([f"线索{i}"] for i in range(60))]
    name = make_import(rep, csv_bytes(rows))

    with CaptureQueriesContext(connection) as queries:
        status = run_import(rep, name)

    assert status["created"] == 60
    fingerprint_queries = [q for q in queries if "tabData Import Key" in q["sql"]]
    # One executemany per batch (Django logs it as "N times: INSERT …").
    log_writes = [
        q for q in queries if "INSERT INTO" in q["sql"] and "tabData Import Log" in q["sql"]
    ]
    assert len(fingerprint_queries) <= 3  # one lookup, one delete of stale keys, one insert
    assert len(log_writes) == 1


def test_the_status_answers_in_a_fixed_number_of_queries(
    api, make_import, run_import, django_assert_max_num_queries
):
    rep = api("rep")
    name = make_import(rep, csv_bytes(ROWS))
    run_import(rep, name)

    with django_assert_max_num_queries(8):
        response = rep.get(METHOD + "get_import_status", {"data_import": name, "limit": 50})

    assert response.status_code == 200


def test_a_running_import_cannot_be_started_twice_unless_it_stalled(api, make_import):
    import datetime as dt

    from django.utils import timezone

    rep = api("rep")
    name = make_import(rep, csv_bytes(ROWS))
    imports = get_model("Data Import").objects.filter(name=name)
    imports.update(status="Running", modified=timezone.now())

    refused = rep.post(METHOD + "start_import", {"data_import": name})
    imports.update(modified=timezone.now() - dt.timedelta(hours=1))
    restarted = rep.post(METHOD + "start_import", {"data_import": name})

    assert refused.status_code == 417
    assert restarted.status_code == 200, restarted.content


@pytest.mark.parametrize("limit", [float("inf"), "1e400", -1, "abc"])
def test_a_bad_status_limit_is_a_clear_400(api, make_import, limit):
    rep = api("rep")
    name = make_import(rep, csv_bytes(ROWS))

    # the client sends JSON: float("inf") goes as Infinity, which Python's JSON reads back
    response = rep.post(METHOD + "get_import_status", {"data_import": name, "limit": limit})

    assert response.status_code == 400, response.content.decode()
    assert response.json()["exc_type"] == "DataError"
