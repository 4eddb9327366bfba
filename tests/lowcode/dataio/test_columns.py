"""Reading cells and headers as people type them: dates, numbers, yes/no, translated options."""

from __future__ import annotations

import datetime as dt

import pytest

from lowcode.dataio.columns import match_columns, normalise
from lowcode.meta.doctype import DocField

DATE = DocField("order_date", "Date", "Order Date")
DATETIME = DocField("deliver_at", "Datetime", "Deliver At")
CHECK = DocField("urgent", "Check", "Urgent")
CURRENCY = DocField("amount", "Currency", "Amount")
INT = DocField("priority", "Int", "Priority")
SOURCE = DocField("source", "Select", "Source", options="\nExhibition\nWebsite\nCold Call")


@pytest.mark.parametrize(
    "typed",
    [
        "2026-01-05",
        "2026/1/5",
        "2026.1.5",
        "2026年1月5日",
        "20260105",
        46027,  # Excel's serial number for 2026-01-05
        "46027",
        dt.datetime(2026, 1, 5, 0, 0),
        " 2026-01-05 ",
    ],
)
def test_dates_in_the_forms_people_type_become_dates(typed):
    assert normalise(DATE, typed) == dt.date(2026, 1, 5)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026/1/5 9:05", dt.datetime(2026, 1, 5, 9, 5)),
        ("2026-01-05 09:05:30", dt.datetime(2026, 1, 5, 9, 5, 30)),
        ("2026年1月5日 14:30", dt.datetime(2026, 1, 5, 14, 30)),
        (46027.5, dt.datetime(2026, 1, 5, 12, 0)),
    ],
)
def test_date_times_keep_their_clock_time(typed, expected):
    assert normalise(DATETIME, typed) == expected


def test_an_unreadable_date_is_passed_on_for_validation_to_report():
    assert normalise(DATE, "下周一") == "下周一"
    assert normalise(DATE, "2026-13-45") == "2026-13-45"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1,234.50", "1234.50"), ("¥ 12,000", "12000"), ("１２３", "123"), (99.5, 99.5)],
)
def test_amounts_lose_thousands_separators_and_currency_signs(typed, expected):
    assert normalise(CURRENCY, typed) == expected


def test_whole_numbers_accept_separators_and_excel_floats():
    assert normalise(INT, "1,200") == 1200
    assert normalise(INT, 3.0) == 3
    assert normalise(INT, "3.5") == "3.5"  # left for validation: not a whole number


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("是", True), ("否", False), ("Yes", True), ("no", False), ("1", True), (0, False)],
)
def test_checks_read_yes_and_no_in_chinese_and_english(typed, expected):
    assert normalise(CHECK, typed) is expected


def test_select_accepts_the_value_or_its_label_in_either_language():
    assert normalise(SOURCE, "Exhibition") == "Exhibition"
    assert normalise(SOURCE, "展会") == "Exhibition"
    assert normalise(SOURCE, "cold call") == "Cold Call"
    assert normalise(SOURCE, "Billboard") == "Billboard"  # validation names the options


def test_numbers_excel_stored_in_text_fields_lose_the_decimal_point():
    phone = DocField("mobile_no", "Phone", "Mobile")
    assert normalise(phone, 13912345678.0) == "13912345678"


def test_headers_match_by_template_form_fieldname_or_label_and_mapping_wins():
    fields = [
        DocField("lead_name", "Data", "Contact Name"),
        DocField("company_name", "Data", "Company Name"),
        DocField("mobile_no", "Phone", "Mobile"),
        DocField("source", "Select", "Source", options="\nExhibition"),
        DocField("notes", "Text", "Notes"),
    ]
    headers = ["联系人姓名 (lead_name)", "Company Name", "mobile_no", "线索来源*", "备注X", "电话"]

    columns, ignored = match_columns(headers, fields, {"电话": "notes"}, with_name=False)

    assert [c.fieldname for c in columns] == [
        "lead_name",
        "company_name",
        "mobile_no",
        "source",
        None,
        "notes",
    ]
    assert ignored == ["备注X"]


def test_a_field_is_filled_by_one_column_only():
    fields = [DocField("lead_name", "Data", "Contact Name")]

    columns, ignored = match_columns(["lead_name", "联系人姓名"], fields, {}, with_name=False)

    assert [c.fieldname for c in columns] == ["lead_name", None]
    assert ignored == ["联系人姓名"]
