"""Values no database can store or page by: each a 400 in Frappe's shape, never a 500."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lowcode.documents.actions import do_insert_doc

LONE = "\\ud800"  # a JSON escape decoding to a lone surrogate, which UTF-8 cannot encode


def assert_bad_request(response) -> None:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["exc_type"] == "DataError"
    assert body["message"].strip()
    assert "_server_messages" in body


def post_raw(client: Client, path: str, raw_json: str, **extra):
    return client.post(path, data=raw_json.encode(), content_type="application/json", **extra)


@pytest.fixture
def rep(api):
    return api("rep")


def test_a_lone_surrogate_in_a_document_body_is_a_400(rep):
    response = post_raw(
        rep.client,
        "/api/resource/Test Order",
        '{"title": "a' + LONE + 'b"}',
        HTTP_AUTHORIZATION=rep.header,
    )

    assert_bad_request(response)


def test_a_lone_surrogate_in_a_data_string_is_a_400(rep):
    name = do_insert_doc("rep", "Test Order", {"title": "ok"}).name

    response = rep.client.put(
        f"/api/resource/Test Order/{name}",
        data=json.dumps({"data": '{"title": "' + LONE + '"}'}),
        content_type="application/json",
        HTTP_AUTHORIZATION=rep.header,
    )

    assert_bad_request(response)


def test_a_lone_surrogate_as_a_key_is_a_400(rep):
    response = post_raw(
        rep.client,
        "/api/resource/Test Order",
        '{"title": "x", "' + LONE + '": 1}',
        HTTP_AUTHORIZATION=rep.header,
    )

    assert_bad_request(response)


@pytest.mark.parametrize(
    "param", ["filters", "or_filters", "fields"], ids=["filters", "or_filters", "fields"]
)
def test_a_lone_surrogate_in_a_query_string_filter_is_a_400(rep, param):
    value = {
        "filters": '[["title", "=", "' + LONE + '"]]',
        "or_filters": '[["title", "like", "%' + LONE + '%"]]',
        "fields": '["' + LONE + '"]',
    }[param]

    response = rep.client.get(
        "/api/resource/Test Order", {param: value}, HTTP_AUTHORIZATION=rep.header
    )

    assert_bad_request(response)


def test_a_lone_surrogate_in_a_posted_get_list_filter_is_a_400(rep):
    response = post_raw(
        rep.client,
        "/api/method/frappe.client.get_list",
        '{"doctype": "Test Order", "filters": [["title", "=", "' + LONE + '"]]}',
        HTTP_AUTHORIZATION=rep.header,
    )

    assert_bad_request(response)


@pytest.mark.parametrize("field", ["usr", "pwd"])
def test_a_lone_surrogate_in_the_login_form_is_a_400(users, field):
    credentials = {"usr": '"rep"', "pwd": '"x"'} | {field: '"' + LONE + '"'}

    response = post_raw(
        Client(),
        "/api/method/login",
        '{"usr": ' + credentials["usr"] + ', "pwd": ' + credentials["pwd"] + "}",
    )

    assert_bad_request(response)


HUGE = [2**63, 2**63 + 1, 2**64, 10**30]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize("param", ["limit_start", "limit_page_length"])
def test_a_page_bound_beyond_64_bits_is_a_400(rep, param, value):
    do_insert_doc("rep", "Test Order", {"title": "ok"})

    for response in (
        rep.client.get(
            "/api/resource/Test Order", {param: str(value)}, HTTP_AUTHORIZATION=rep.header
        ),
        post_raw(
            rep.client,
            "/api/method/frappe.client.get_list",
            json.dumps({"doctype": "Test Order", param: value}),
            HTTP_AUTHORIZATION=rep.header,
        ),
    ):
        assert_bad_request(response)
        assert param in response.json()["message"]


def test_a_long_page_within_the_bound_is_still_the_sites_longest_page(rep):
    do_insert_doc("rep", "Test Order", {"title": "ok"})

    response = rep.get("/api/resource/Test Order", {"limit_page_length": 10**9})

    assert response.status_code == 200
    assert len(response.json()["data"]) == 1


@pytest.mark.parametrize("raw", ["1e400", "Infinity", "-Infinity"])
def test_a_non_finite_page_bound_in_json_is_a_400(rep, raw):
    response = post_raw(
        rep.client,
        "/api/method/frappe.client.get_list",
        '{"doctype": "Test Order", "limit_start": ' + raw + "}",
        HTTP_AUTHORIZATION=rep.header,
    )

    assert_bad_request(response)


def test_the_largest_accepted_start_answers_an_empty_page(rep):
    from lowcode.query.builder import MAX_LIMIT_START

    response = rep.get("/api/resource/Test Order", {"limit_start": MAX_LIMIT_START})

    assert response.status_code == 200
    assert response.json()["data"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("payload", '{"a": "' + LONE + '"}'), ("location", '{"type": "Point", "n": "' + LONE + '"}')],
)
def test_a_lone_surrogate_inside_a_json_fields_text_is_refused_on_that_field(rep, field, value):
    # The body itself is valid (the escape is inside a string): the field's own JSON is not.
    response = rep.post("/api/resource/Test Order", {"title": "x", field: value})

    assert response.status_code == 417, response.content[:300]
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert rep.get("/api/resource/Test Order").status_code == 200
