"""Dashboard Chart and Number Card filters built from rows (picker ``filters:<src>``): rows
posted through the desk form are stored as Frappe's filters JSON, stored filters open as
rows with Chinese field labels, filters rows cannot say open as raw JSON, and the builder's
round trip over the API."""

from __future__ import annotations

import json

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.meta import pickers
from lowcode.meta.doctype import doctype_from_dict
from lowcode.query.filter_rows import filters_from_rows, rows_from_filters
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db
LEAD_TYPES = {"status": "Select", "expected_amount": "Currency", "lead_name": "Data"}


def _chart(filters=None):
    return do_insert_doc(
        "Administrator",
        "Dashboard Chart",
        {
            "chart_name": "按来源",
            "document_type": "Lead",
            "group_by": "source",
            "filters_json": filters,
        },
    )


@pytest.mark.parametrize(
    ("rows", "stored"),
    [
        ([{"field": "status", "op": "=", "value": "Open"}], [["status", "=", "Open"]]),
        (
            [{"field": "expected_amount", "op": ">=", "value": " 100000 "}],
            [["expected_amount", ">=", 100000]],
        ),
        (
            [{"field": "status", "op": "in", "value": "Open, Contacted,"}],
            [["status", "in", ["Open", "Contacted"]]],
        ),
        (
            [{"field": "lead_name", "op": "not contains", "value": "测试"}],
            [["lead_name", "not like", "%测试%"]],
        ),
        ([{"field": "status", "op": "is not set", "value": "x"}], [["status", "is", "not set"]]),
        ([{"field": "", "op": "=", "value": "x"}, {"field": "a;b", "op": "="}], []),
    ],
)
def test_rows_write_filters_and_read_back_the_same(rows, stored):
    assert filters_from_rows(rows, LEAD_TYPES) == stored
    back = rows_from_filters(stored, "Lead")
    assert filters_from_rows(back or [], LEAD_TYPES) == stored


@pytest.mark.parametrize(
    "raw",
    [
        [["creation", "between", ["2026-01-01", "2026-02-01"]]],
        [["lead_name", "like", "张%"]],
        [["Lead", "status", "=", "Open"], ["Other", "x", "=", 1]],
        "not json",
    ],
)
def test_filters_rows_cannot_say_are_none(raw):
    assert rows_from_filters(raw, "Lead") is None


def test_a_dict_of_filters_opens_as_rows():
    assert rows_from_filters({"status": "Open", "expected_amount": [">", 5]}, "Lead") == [
        {"field": "status", "op": "=", "value": "Open"},
        {"field": "expected_amount", "op": ">", "value": "5"},
    ]


def test_rows_posted_through_the_chart_form_are_stored_as_filters_json(desk):
    # given a chart with no filters
    chart = _chart()
    client = desk("sysman")
    page = client.get(f"/app/dashboard-chart/{chart.name}").content.decode()
    assert 'data-format="filters"' in page and 'name="filters_json__mode" value="rows"' in page
    modified = get_model("Dashboard Chart").objects.get(name=chart.name).modified
    # when two rows are posted (the raw box's old text is replaced in rows mode)
    response = client.post(
        f"/app/dashboard-chart/{chart.name}",
        {
            "chart_name": "按来源",
            "document_type": "Lead",
            "group_by": "source",
            "function": "Count",
            "chart_type": "Bar",
            "max_groups": "10",
            "is_public": "1",
            "modified": to_json(modified),
            "filters_json": '[["whatever", "=", 1]]',
            "filters_json__mode": "rows",
            "filters_json__field": ["status", "expected_amount"],
            "filters_json__op": ["in", ">"],
            "filters_json__value": ["Open, Contacted", "500000"],
        },
    )
    # then the chart stores the filters the API and the dashboard read
    assert response.status_code in (200, 204), response.content.decode()[:800]
    assert "HX-Redirect" in response.headers, response.content.decode()[:3000]
    stored = get_model("Dashboard Chart").objects.get(name=chart.name).filters_json
    assert stored == [["status", "in", ["Open", "Contacted"]], ["expected_amount", ">", 500000]]


def test_a_row_naming_a_field_the_doctype_lacks_is_refused(desk):
    client = desk("sysman")
    response = client.post(
        "/app/number-card/new",
        {
            "label": "待跟进线索",
            "document_type": "Lead",
            "function": "Count",
            "color": "Blue",
            "is_public": "1",
            "filters_json__mode": "rows",
            "filters_json__field": ["no_such_field"],
            "filters_json__op": ["="],
            "filters_json__value": ["1"],
        },
    )
    assert "HX-Redirect" not in response.headers
    assert "no_such_field" in response.content.decode()
    assert not get_model("Number Card").objects.exists()


def test_stored_filters_open_as_rows_labelled_in_chinese_or_raw_when_rows_cannot(desk):
    client = desk("sysman")
    chart = _chart([["status", "=", "Open"], ["expected_amount", ">=", 100000]])
    page = client.get(f"/app/dashboard-chart/{chart.name}").content.decode()
    assert page.count('class="cond-row"') == 2 + 1  # two rows and the new-row template
    assert '<span class="picker-text">状态</span>' in page
    assert 'name="filters_json__value" class="cond-value" value="100000"' in page
    assert 'name="filters_json__mode" value="rows" checked' in page
    raw = do_insert_doc(
        "Administrator",
        "Number Card",
        {
            "label": "本月",
            "document_type": "Lead",
            "filters_json": [["creation", "between", ["2026-01-01", "2026-02-01"]]],
        },
    )
    page = client.get(f"/app/number-card/{raw.name}").content.decode()
    assert 'name="filters_json__mode" value="advanced" checked' in page
    raw_box = page.split('<textarea name="filters_json"')[1].split("</textarea>")[0]
    assert "between" in raw_box and "2026-02-01" in raw_box


def test_the_builder_turns_rows_into_filters_and_back_over_the_api(api):
    client = api("sysman")
    rows = [
        {"field": "status", "op": "=", "value": "Open"},
        {"field": "expected_amount", "op": ">", "value": "5"},
    ]
    written = client.get(
        "/api/method/lowcode.desk.filter_rows", {"doctype": "Lead", "rows": json.dumps(rows)}
    ).json()["message"]
    assert json.loads(written["filters"]) == [["status", "=", "Open"], ["expected_amount", ">", 5]]
    read = client.get(
        "/api/method/lowcode.desk.filter_rows",
        {"doctype": "Lead", "filters": written["filters"]},
    ).json()["message"]
    assert [{k: r[k] for k in ("field", "op", "value")} for r in read["rows"]] == rows
    assert read["rows"][0]["label"] == "状态"
    raw = client.get(
        "/api/method/lowcode.desk.filter_rows",
        {"doctype": "Lead", "filters": '[["status", "like", "O%"]]'},
    ).json()["message"]
    assert raw is None


def test_a_filters_picker_on_a_field_that_cannot_hold_json_is_reported():
    meta = doctype_from_dict(
        {
            "name": "Chart Probe",
            "fields": [
                {"fieldname": "document_type", "fieldtype": "Data", "picker": "doctype"},
                {"fieldname": "f", "fieldtype": "Int", "picker": "filters:document_type"},
                {"fieldname": "g", "fieldtype": "JSON", "picker": "filters:document_type"},
            ],
        },
        "lowcode",
    )
    problems = pickers.check_metas({"Chart Probe": meta})
    assert [(p[0], p[3]) for p in problems] == [("picker.E001", "Chart Probe.f")]
