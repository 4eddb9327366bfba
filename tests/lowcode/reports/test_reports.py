"""Reports end to end over HTTP: permissions, the three report types, and exports."""

from __future__ import annotations

import csv
import io
import time

import pytest
from openpyxl import load_workbook

from lowcode.documents.actions import do_insert_doc
from lowcode.exceptions import DataError, ValidationError

from .test_sql import assert_no_session_runs, long_cte

RUN = "/api/method/frappe.desk.query_report.run"
EXPORT = "/api/method/frappe.desk.query_report.export_query"


def make_report(name: str, report_type: str = "Query Report", **values) -> str:
    values.setdefault("ref_doctype", "Test Order")
    doc = do_insert_doc(
        "Administrator", "Report", {"report_name": name, "report_type": report_type, **values}
    )
    return doc.name


def orders(owner: str, *rows: tuple[str, str, float]) -> None:
    for title, status, amount in rows:
        do_insert_doc(owner, "Test Order", {"title": title, "status": status, "amount": amount})


# ---------------------------------------------------------------- permissions


def test_only_system_manager_may_write_reports(api):
    body = {"report_name": "Mine", "report_type": "Query Report", "ref_doctype": "Test Order",
            "query": "SELECT 1 AS one"}  # fmt: skip
    assert api("manager").post("/api/resource/Report", body).status_code == 403
    assert api("sysman").post("/api/resource/Report", body).status_code == 200


def test_a_role_gated_report_runs_for_its_roles_and_is_missing_for_everyone_else(api):
    make_report("Managers Only", query="SELECT 'x' AS col", roles=[{"role": "Sales Manager"}])
    allowed = api("manager").get(RUN, {"report_name": "Managers Only"})
    assert allowed.status_code == 200, allowed.content
    assert allowed.json()["message"]["result"] == [["x"]]
    # rep holds report permission on Test Order, but not the report's role
    forbidden = api("rep").get(RUN, {"report_name": "Managers Only"})
    missing = api("rep").get(RUN, {"report_name": "No Such Report"})
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json()["exc_type"] == missing.json()["exc_type"] == "DoesNotExistError"


def test_without_roles_report_permission_on_the_doctype_decides(api):
    make_report("Open To Reporters", query="SELECT 1 AS one")
    assert api("rep").get(RUN, {"report_name": "Open To Reporters"}).status_code == 200
    assert api("nobody").get(RUN, {"report_name": "Open To Reporters"}).status_code == 404


def test_a_disabled_report_is_missing(api):
    make_report("Retired", query="SELECT 1 AS one", disabled=1)
    assert api("manager").get(RUN, {"report_name": "Retired"}).status_code == 404


# ---------------------------------------------------------------- Query Report


@pytest.mark.django_db(transaction=True)
def test_query_report_reads_rows_with_filters_bound_as_parameters(api):
    # given (committed, so MariaDB's separate read-only connection sees the rows)
    orders("rep", ("甲订单", "Open", 100), ("乙订单", "Closed", 50))
    make_report(
        "Orders By Status",
        query="SELECT title, amount FROM `tabTest Order` WHERE status = %(status)s ORDER BY title",
        filters=[{"fieldname": "status", "label": "Status", "fieldtype": "Select", "reqd": 1}],
        roles=[{"role": "Sales Manager"}],
    )
    # when
    response = api("manager").get(
        RUN, {"report_name": "Orders By Status", "filters": {"status": "Open"}}
    )
    hostile = api("manager").get(
        RUN, {"report_name": "Orders By Status", "filters": {"status": "x' OR '1'='1"}}
    )
    # then
    assert response.status_code == 200, response.content
    message = response.json()["message"]
    assert message["result"] == [["甲订单", 100]]
    assert [c["fieldname"] for c in message["columns"]] == ["title", "amount"]
    assert set(message) >= {"result", "columns", "message", "chart", "report_summary"}
    assert hostile.json()["message"]["result"] == []


def test_a_missing_required_filter_is_a_clear_400(api):
    make_report(
        "Needs Status",
        query="SELECT %(status)s AS s",
        filters=[{"fieldname": "status", "label": "Status", "reqd": 1}],
    )
    response = api("manager").get(RUN, {"report_name": "Needs Status"})
    assert response.status_code == 400
    assert "Status" in response.json()["message"]


def test_a_filter_default_fills_a_parameter(api):
    make_report(
        "Defaulted",
        query="SELECT %(status)s AS s",
        filters=[{"fieldname": "status", "label": "Status", "default": "Open"}],
    )
    response = api("manager").get(RUN, {"report_name": "Defaulted"})
    assert response.json()["message"]["result"] == [["Open"]]


def test_a_query_with_an_undeclared_parameter_cannot_be_saved(site):
    with pytest.raises(ValidationError, match="nope"):
        make_report("Bad Param", query="SELECT %(nope)s AS n")


def test_a_write_query_cannot_be_saved(site):
    with pytest.raises(DataError, match="DELETE"):
        make_report("Writer", query="DELETE FROM `tabTest Order`")


def test_a_report_that_times_out_answers_a_clear_error(api, settings):
    settings.LOWCODE_REPORT_TIMEOUT = 0.3
    make_report(
        "Endless",
        query=long_cte("n_endless"),
    )
    response = api("manager").get(RUN, {"report_name": "Endless"})
    assert response.status_code == 417
    assert response.json()["exc_type"] == "QueryTimeoutError"
    # the server answers the next report at once
    make_report("Quick", query="SELECT 1 AS one")
    assert api("manager").get(RUN, {"report_name": "Quick"}).json()["message"]["result"] == [[1]]


def test_rows_beyond_the_site_cap_are_cut_with_a_message(api, settings):
    settings.LOWCODE_REPORT_ROW_CAP = 5
    make_report(
        "Many Rows",
        query="WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9) "
        "SELECT i FROM n",
    )
    message = api("manager").get(RUN, {"report_name": "Many Rows"}).json()["message"]
    assert [row[0] for row in message["result"]] == [1, 2, 3, 4, 5]
    assert "5" in message["message"]


# ---------------------------------------------------------------- Script Report


def test_a_standard_script_report_is_found_in_an_apps_reports_folder(api):
    orders("rep", ("a", "Open", 10), ("b", "Open", 5), ("c", "Closed", 1))
    make_report("Test Order Summary", "Script Report", is_standard=1)
    response = api("manager").get(RUN, {"report_name": "Test Order Summary"})
    assert response.status_code == 200, response.content
    message = response.json()["message"]
    assert message["result"] == [
        {"status": "Closed", "count": 1, "total": 1.0},
        {"status": "Open", "count": 2, "total": 15.0},
    ]
    assert message["columns"][2] == {
        "fieldname": "total",
        "label": "Total",
        "fieldtype": "Currency",
        "width": 120,
    }
    assert message["message"] == "2 statuses"
    assert message["chart"]["type"] == "bar"
    assert message["report_summary"][0]["value"] == 3


def test_a_script_report_without_code_is_a_clear_error(api):
    make_report("Nowhere To Be Found", "Script Report", is_standard=1)
    response = api("manager").get(RUN, {"report_name": "Nowhere To Be Found"})
    assert response.status_code == 417
    assert "execute" in response.json()["message"]


# ---------------------------------------------------------------- Report Builder


def test_report_builder_group_by_counts_only_rows_each_user_may_read(api):
    # given orders of rep and rep2 (苏州组, under the manager's 华东销售部) and south (华南)
    orders("rep", ("r1", "Open", 100), ("r2", "Open", 20), ("r3", "Closed", 7))
    orders("rep2", ("s1", "Open", 1000))
    orders("south", ("x1", "Open", 5000))
    make_report(
        "Amount By Status",
        "Report Builder",
        json={
            "group_by": ["status"],
            "aggregates": [
                {"function": "sum", "field": "amount"},
                {"function": "count", "field": "name"},
            ],
            "order_by": "sum_amount desc",
        },
    )

    def rows(user: str) -> dict:
        response = api(user).get(RUN, {"report_name": "Amount By Status"})
        assert response.status_code == 200, response.content
        return {
            r["status"]: (r["sum_amount"], r["count_name"])
            for r in response.json()["message"]["result"]
        }

    # then each sees sums over their own scope only
    assert rows("rep") == {"Open": (120, 2), "Closed": (7, 1)}
    assert rows("manager") == {"Open": (1120, 3), "Closed": (7, 1)}
    assert rows("south") == {"Open": (5000, 1)}


def test_report_builder_runner_filters_narrow_the_group(api):
    orders("rep", ("r1", "Open", 100), ("r2", "Closed", 7))
    make_report("Count By Status", "Report Builder", json={"group_by": "status"})
    response = api("rep").get(
        RUN, {"report_name": "Count By Status", "filters": {"status": "Closed"}}
    )
    assert response.json()["message"]["result"] == [{"status": "Closed", "count_name": 1}]


@pytest.mark.parametrize(
    "spec",
    [
        {"group_by": ["secret_margin"]},  # above the Sales User's permlevel
        {"group_by": ["status"], "aggregates": [{"function": "stddev", "field": "amount"}]},
        {"group_by": ["status"], "aggregates": [{"function": "sum", "field": "title"}]},
        {"group_by": ["status; drop table x"]},
        {"group_by": ["status"], "order_by": "title desc"},
    ],
)
def test_report_builder_refuses_fields_and_functions_outside_the_allow_list(api, spec):
    make_report("Builder Bad", "Report Builder", json=spec)
    response = api("rep").get(RUN, {"report_name": "Builder Bad"})
    assert response.status_code == 400


def test_report_builder_without_group_by_is_a_saved_list_query(api):
    orders("rep", ("mine", "Open", 1))
    orders("rep2", ("theirs", "Open", 2))
    make_report(
        "Plain List",
        "Report Builder",
        json={"fields": ["title", "amount"], "order_by": "title asc"},
    )
    result = api("rep").get(RUN, {"report_name": "Plain List"}).json()["message"]["result"]
    assert result == [{"title": "mine", "amount": 1}]


# ---------------------------------------------------------------- exports


def test_csv_export_has_a_bom_and_chinese_text(api):
    orders("rep", ("上海客户订单", "Open", 88), ("=1+2", "Open", 3))
    make_report(
        "Titles", "Report Builder", json={"fields": ["title", "amount"], "order_by": "amount desc"}
    )
    response = api("manager").get(EXPORT, {"report_name": "Titles", "file_format_type": "CSV"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["Title", "Amount"], ["上海客户订单", "88.0"], ["'=1+2", "3.0"]]


def test_xlsx_export_reads_back_with_openpyxl(api):
    orders("rep", ("北京订单", "Open", 12.5), ('=HYPERLINK("x")', "Open", 1))
    make_report(
        "Titles X",
        "Report Builder",
        json={"fields": ["title", "amount"], "order_by": "amount desc"},
    )
    response = api("manager").get(EXPORT, {"report_name": "Titles X", "file_format_type": "Excel"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["Title", "Amount"], ["北京订单", 12.5], ["'=HYPERLINK(\"x\")", 1],
    ]  # fmt: skip


def test_export_needs_export_permission_on_the_reference_doctype(api):
    make_report("Exportable", query="SELECT 1 AS one")
    # rep may run it (report permission) but has no export permission on Test Order
    assert api("rep").get(RUN, {"report_name": "Exportable"}).status_code == 200
    refused = api("rep").get(EXPORT, {"report_name": "Exportable", "file_format_type": "CSV"})
    assert refused.status_code == 403
    assert api("manager").get(EXPORT, {"report_name": "Exportable"}).status_code == 200
    # and a report the user may not run is missing for export too
    assert api("nobody").get(EXPORT, {"report_name": "Exportable"}).status_code == 404


def test_an_unknown_export_format_is_a_400(api):
    make_report("Fmt", query="SELECT 1 AS one")
    response = api("manager").get(EXPORT, {"report_name": "Fmt", "file_format_type": "PDF"})
    assert response.status_code == 400


@pytest.mark.parametrize("report_type", ["Report Builder", "Script Report"])
def test_report_query_count_does_not_grow_with_rows(users, report_type):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lowcode import context
    from lowcode.reports.engine import run_report

    name = "Test Order Summary" if report_type == "Script Report" else "Grouped"
    make_report(name, report_type, is_standard=1, json={"group_by": ["status"]})

    def queries() -> int:
        context.reset()
        with CaptureQueriesContext(connection) as captured:
            run_report("manager", name)
        return len(captured)

    orders("rep", ("a", "Open", 1), ("b", "Closed", 2))
    few = queries()
    orders("rep", *((f"n{i}", "Draft", i) for i in range(20)))
    assert queries() == few


def test_a_script_report_past_the_timeout_is_stopped_with_a_clear_error(api, settings):
    from django.db import connection

    settings.LOWCODE_REPORT_TIMEOUT = 0.3
    make_report("Test Order Slow", "Script Report", is_standard=1)
    manager = api("manager")
    started = time.monotonic()
    # when
    response = manager.get(RUN, {"report_name": "Test Order Slow"})
    # then
    assert time.monotonic() - started < 3
    assert response.status_code == 417
    assert response.json()["exc_type"] == "QueryTimeoutError"
    assert "0.3" in response.json()["message"]
    assert_no_session_runs("FROM n_script a, n_script b")
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT @@SESSION.max_statement_time")
            assert float(cursor.fetchone()[0]) == 0  # the session's own limit is back
    # the next report on the same connection runs normally
    make_report("Test Order Summary", "Script Report", is_standard=1)
    assert manager.get(RUN, {"report_name": "Test Order Summary"}).status_code == 200
