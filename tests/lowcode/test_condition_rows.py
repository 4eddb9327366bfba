"""The condition builder's rows: rows → expression → rows gives the same rows, the expression
means what the rows say (the engine's own evaluator), and what rows cannot say is left raw."""

from __future__ import annotations

import pytest

from lowcode import expressions
from lowcode.expressions import condition_from_rows, evaluate, rows_from_condition

TYPES = {"amount": "Currency", "urgent": "Check", "status": "Select", "code": "Data"}

ROUND_TRIPS = [
    ("and", [{"field": "status", "op": "==", "value": "Open"}]),
    (
        "and",
        [
            {"field": "status", "op": "!=", "value": "Lost"},
            {"field": "amount", "op": ">=", "value": "500000"},
        ],
    ),
    (
        "or",
        [
            {"field": "status", "op": "in", "value": "Open, Contacted"},
            {"field": "urgent", "op": "==", "value": "1"},
            {"field": "territory", "op": "is set", "value": ""},
        ],
    ),
    (
        "and",
        [
            {"field": "code", "op": "==", "value": "007"},
            {"field": "amount", "op": "<", "value": "1.5"},
            {"field": "remarks", "op": "contains", "value": "VIP"},
            {"field": "owner", "op": "is not set", "value": ""},
            {"field": "status", "op": "not in", "value": "Lost"},
            {"field": "amount", "op": ">", "value": "-3"},
        ],
    ),
]


@pytest.mark.parametrize(("join", "rows"), ROUND_TRIPS)
def test_rows_to_expression_to_rows_gives_the_same_rows(join, rows):
    source = condition_from_rows(rows, join, TYPES)
    expressions.compile_condition(source)  # the engine accepts what the builder writes
    assert rows_from_condition(source, TYPES) == (join, rows)


def test_the_expression_means_what_the_rows_say():
    rows = [
        {"field": "status", "op": "in", "value": "Open, Contacted"},
        {"field": "amount", "op": ">=", "value": "500000"},
        {"field": "code", "op": "==", "value": "007"},
    ]
    source = condition_from_rows(rows, "and", TYPES)
    assert (
        source
        == "doc.status in ['Open', 'Contacted'] and doc.amount >= 500000 and doc.code == '007'"
    )
    assert evaluate(source, {"status": "Open", "amount": 600000, "code": "007"})
    assert not evaluate(source, {"status": "Open", "amount": 400000, "code": "007"})
    assert not evaluate(source, {"status": "Lost", "amount": 600000, "code": "007"})


@pytest.mark.parametrize(
    "source",
    [
        "doc.status == 'Open' && doc.amount >= 500000",  # Frappe's JavaScript style
        "eval:doc.amount > 5 || !doc.owner",
        "territory",  # the shorthand for "is set"
        "doc.status=='Open'",
    ],
)
def test_expressions_written_by_hand_open_as_rows_when_rows_say_them_exactly(source):
    parsed = rows_from_condition(source, TYPES)
    assert parsed is not None
    rewritten = condition_from_rows(parsed[1], parsed[0], TYPES)
    for doc in ({"status": "Open", "amount": 600000, "owner": "a", "territory": "华东"}, {}):
        assert evaluate(rewritten, doc) == evaluate(source, doc)


@pytest.mark.parametrize(
    "source",
    [
        "doc.amount >= settings.contract_finance_threshold",  # reads a setting
        "doc.a and (doc.b or doc.c)",  # AND and OR mixed
        "doc.amount * 2 > 10",  # arithmetic
        "doc.amount >= '500000'",  # text compared with a number field: rows would change it
        "doc.code == 7",  # a number compared with a text field
        "doc.end_date < today",
        "user.name == doc.owner",
        "doc.status in ['a,b']",  # a comma inside a listed value
        "doc.status ==",  # does not parse
    ],
)
def test_what_rows_cannot_say_exactly_opens_in_advanced_mode(source):
    assert rows_from_condition(source, TYPES) is None


def test_an_empty_condition_is_no_rows_and_rows_without_a_field_are_skipped():
    assert rows_from_condition("", TYPES) == ("and", [])
    assert condition_from_rows([{"field": "", "op": "==", "value": "x"}], "and", TYPES) == ""
    assert condition_from_rows([{"field": "__class__", "op": "==", "value": "x"}]) == ""
