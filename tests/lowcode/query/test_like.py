"""LIKE filters: the database's own LIKE (never a regular expression), with bounded patterns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lowcode.documents.actions import do_insert_doc
from lowcode.query.builder import MAX_LIKE_LENGTH, MAX_LIKE_WILDCARDS

LIST = "/api/resource/Test Order"
LONG = "a" * 120


@pytest.fixture
def orders(users):
    titles = {
        "long": LONG,
        "long_c": LONG + "c",
        "mixed": "Acme Widget",
        "percent": "100% done",
        "under": "a_b",
        "unicode": "苏州精工集团",
    }
    return {key: do_insert_doc("rep", "Test Order", {"title": t}).name for key, t in titles.items()}


def titles_matching(client, *filters) -> set[str]:
    response = client.get(
        LIST, {"filters": list(filters), "fields": ["title"], "limit_page_length": 100}
    )
    assert response.status_code == 200, response.json()
    return {row["title"] for row in response.json()["data"]}


def test_the_pathological_pattern_is_answered_by_the_databases_like_and_matches_right(api, orders):
    rep = api("rep")

    with CaptureQueriesContext(connection) as queries:
        found = titles_matching(rep, ["title", "like", "%a%a%a%a%c"])

    assert found == {LONG + "c"}
    sql = " ".join(q["sql"] for q in queries.captured_queries if "Test Order" in q["sql"])
    assert " LIKE " in sql
    assert "REGEXP" not in sql.upper()


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("%widget", {"Acme Widget"}),  # ASCII case ignored, as before
        ("ACME%", {"Acme Widget"}),
        ("acme widget", {"Acme Widget"}),
        ("%精工%", {"苏州精工集团"}),
        ("a_b", {"a_b"}),  # _ is one character
        ("a\\_b", {"a_b"}),  # an escaped _ is itself
        ("%\\%%", {"100% done"}),  # an escaped % is itself
        ("_cme%", {"Acme Widget"}),
        ("%m%W%t", {"Acme Widget"}),
    ],
)
def test_like_keeps_frappes_wildcards(api, orders, pattern, expected):
    assert titles_matching(api("rep"), ["title", "like", pattern]) == expected


def test_not_like_keeps_the_other_rows(api, orders):
    found = titles_matching(api("rep"), ["title", "not like", "%a%"])

    assert found == {"100% done", "苏州精工集团"}


def test_not_like_keeps_empty_values(api, orders):
    rep = api("rep")

    found = rep.get(
        LIST, {"filters": [["notes", "not like", "%x%"]], "fields": ["name"], "limit": 100}
    ).json()["data"]

    assert len(found) == len(orders)


def test_too_many_wildcards_are_refused_naming_the_field_and_the_rule(api, orders):
    pattern = "%" + "_%" * (MAX_LIKE_WILDCARDS // 2)  # one wildcard more than allowed
    assert pattern.count("%") + pattern.count("_") == MAX_LIKE_WILDCARDS + 1

    response = api("rep").get(LIST, {"filters": [["title", "like", pattern]]})

    assert response.status_code == 400
    assert response.json()["exc_type"] == "DataError"
    assert "title" in response.json()["message"]
    assert str(MAX_LIKE_WILDCARDS) in response.json()["message"]


def test_the_allowed_number_of_wildcards_still_matches(api, orders):
    pattern = "%c%m%e%w%i%d%e%"
    assert pattern.count("%") == MAX_LIKE_WILDCARDS

    assert titles_matching(api("rep"), ["title", "like", pattern]) == {"Acme Widget"}


def test_a_too_long_pattern_is_refused(api, orders):
    response = api("rep").get(
        LIST, {"filters": [["title", "not like", "x" * (MAX_LIKE_LENGTH + 1)]]}
    )

    assert response.status_code == 400
    assert "title" in response.json()["message"]
    assert str(MAX_LIKE_LENGTH) in response.json()["message"]


def test_a_count_with_too_many_wildcards_is_refused_too(api, orders):
    response = api("rep").get(
        "/api/method/frappe.client.get_count",
        {"doctype": "Test Order", "filters": [["title", "like", "%x%y%z%q%w%v%u%t%"]]},
    )

    assert response.status_code == 400


def test_like_on_a_custom_field_ignores_ascii_case_on_every_database(api):
    # given: a custom Data field (its values live in _custom, JSON)
    admin = api("Administrator")
    added = admin.post(
        "/api/resource/Custom Field",
        {"dt": "Test Order", "fieldname": "wechat_id", "label": "WeChat", "fieldtype": "Data"},
    )
    assert added.status_code == 200, added.content
    for title, wechat in (("甲", "AbC-1"), ("乙", "xyz-2"), ("丙", None)):
        assert admin.post(LIST, {"title": title, "wechat_id": wechat}).status_code == 200

    # then: like matches whatever the case; not like keeps the empty value
    assert titles_matching(admin, ["wechat_id", "like", "%abc%"]) == {"甲"}
    assert titles_matching(admin, ["wechat_id", "like", "ABC-_"]) == {"甲"}
    assert titles_matching(admin, ["wechat_id", "not like", "%ABC%"]) == {"乙", "丙"}
