"""Hostile input: SQL injection through every list parameter, and malformed requests.

Every answer must be a 200 with correct data or a 4xx with a clear message,
never a 500; no answer may carry rows outside the caller's scope; and the
tables must be byte-for-byte unchanged afterwards (row count + checksum).
"""

from __future__ import annotations

import hashlib
import json
import time
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client

from lowcode import context
from lowcode.documents.actions import do_assign_doc, do_insert_doc, do_save_doc
from lowcode.users import do_revoke_api_keys

TITLE = {"Test Order": "title", "Lead": "lead_name"}
TABLES = ("tabLead", "tabTest Order", "auth_user")
SLEEP_SECONDS = 5

PAYLOADS = [
    # classic tautologies and comment tricks
    "' OR 1=1 --",
    "' OR '1'='1",
    '" OR "1"="1',
    "' OR 1=1#",
    "1' OR '1'='1' /*",
    "%' OR 1=1 --",
    "' OR ''='",
    "admin'--",
    "/**/OR/**/1=1",
    "'/**/or/**/'1'='1",
    "1 OR 1=1",
    "1=1",
    "--",
    "#",
    "/*",
    "';",
    "\\'; --",
    # stacked queries and destructive statements
    "'; DROP TABLE `tabLead`; --",
    "'; DROP TABLE auth_user; --",
    "1; DELETE FROM `tabTest Order`",
    "name; DROP TABLE `tabTest Order`",
    "name desc; drop table `tabLead`",
    "'; INSERT INTO auth_user (username) VALUES ('x'); --",
    "'; UPDATE `tabLead` SET owner='rep'; --",
    "'; UPDATE auth_user SET is_superuser=1; --",
    # UNION and sub-selects
    "' UNION SELECT username, password FROM auth_user --",
    "name UNION SELECT password FROM auth_user",
    "1 UNION ALL SELECT NULL,NULL,NULL--",
    "') UNION SELECT sqlite_version() --",
    "(select password from auth_user limit 1)",
    "auth_user.password",
    "`tabTest Order`.name, (select 1)",
    "CASE WHEN 1=1 THEN name END",
    # breaking out of parentheses, backticks and quotes
    "name) or (1=1",
    "name) or (1=1) --",
    "1) OR (1",
    "name` = 1 OR `name",
    "`name` desc, (select 1)",
    "owner`, `password",
    "tabTest Order`.`name",
    "`tabauth_user`.`password`",
    # time-based probes
    "sleep(5)",
    "name, sleep(5)",
    "' AND sleep(5) --",
    "1 AND (SELECT 1 FROM (SELECT SLEEP(5))a)",
    "benchmark(10000000,md5(1))",
    "pg_sleep(5)",
    "randomblob(1000000000)",
    # encodings: hex, char(), unicode quotes, NUL, newlines
    "0x27204f5220313d31202d2d",
    "char(39)||char(32)||char(79)||char(82)",
    "CONCAT(0x7e,version())",
    "\u02bc OR 1=1 --",
    "\uff07 OR 1=1 --",
    "name\x00' OR 1=1",
    "name\n; DROP TABLE `tabLead`",
    # JSON paths, JSON-looking values and ORM lookups
    "['name') OR 1=1 --",
    '["name", "password"',
    '{"$gt": ""}',
    '{"name": {"$ne": null}}',
    "name->>'$.a'",
    "_custom->'$.secret_margin'",
    "json_extract(_custom, '$.x')",
    "_custom__secret_margin",
    "name__startswith",
    "owner__username",
    "pk",
    # the hidden permlevel-1 field is not a way round the field allow-list
    "secret_margin",
    "`tabTest Order`.`secret_margin`",
]


def table_state() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of each watched table."""
    state = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows = sorted(repr(row) for row in cursor.fetchall())
            state[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return state


@pytest.fixture
def world(api, users):
    """Orders and leads in and out of rep's scope, a hidden margin; rep's client."""
    names: dict[str, dict[str, str]] = {}
    for doctype, field in TITLE.items():
        own = do_insert_doc("rep", doctype, {field: "rep's"}).name
        other = do_insert_doc("south", doctype, {field: "south's"}).name
        assigned = do_insert_doc("south", doctype, {field: "assigned to rep"}).name
        do_assign_doc("south", doctype, assigned, "rep")
        colleague = do_insert_doc("rep2", doctype, {field: "rep2's"}).name
        names[doctype] = {"own": own, "other": other, "assigned": assigned, "colleague": colleague}
    do_save_doc("sysman", "Test Order", names["Test Order"]["other"], {"secret_margin": 42})
    context.reset()
    permitted = {dt: {n["own"], n["assigned"]} for dt, n in names.items()}
    return {"names": names, "permitted": permitted, "rep": api("rep")}


# ---------------------------------------------------------------- the channels

# A channel places one payload into one parameter. "value" channels must answer
# 200 with exactly the expected rows (the payload matches nothing); the others
# may refuse with a 4xx or answer within the caller's scope.
LIST_CHANNELS = {
    "fields list": lambda p, dt, own: {"fields": [p]},
    "fields string": lambda p, dt, own: {"fields": p},
    "fields after name": lambda p, dt, own: {"fields": ["name", p]},
    "filters dict field": lambda p, dt, own: {"filters": {p: "x"}},
    "filters dict operator": lambda p, dt, own: {"filters": {"name": [p, "x"]}},
    "filters list field": lambda p, dt, own: {"filters": [[p, "=", "x"]]},
    "filters list operator": lambda p, dt, own: {"filters": [["name", p, "x"]]},
    "filters 2-element": lambda p, dt, own: {"filters": [[p, "x"]]},
    "filters 4-element doctype": lambda p, dt, own: {"filters": [[p, "name", "=", "x"]]},
    "filters 4-element field": lambda p, dt, own: {"filters": [[dt, p, "=", "x"]]},
    "filters 4-element operator": lambda p, dt, own: {"filters": [[dt, "name", p, "x"]]},
    "filters as raw string": lambda p, dt, own: {"filters": p},
    "filters datetime value": lambda p, dt, own: {"filters": [["creation", ">", p]]},
    "filters between value": lambda p, dt, own: {"filters": [["modified", "between", [p, p]]]},
    "or_filters field": lambda p, dt, own: {"or_filters": [[p, "=", "x"]]},
    "or_filters operator": lambda p, dt, own: {"or_filters": [["name", p, "x"]]},
    "or_filters dict field": lambda p, dt, own: {"or_filters": {p: "x"}},
    "order_by": lambda p, dt, own: {"order_by": p},
    "order_by desc": lambda p, dt, own: {"order_by": f"{p} desc"},
    "order_by second": lambda p, dt, own: {"order_by": f"modified desc, {p}"},
    "limit_start": lambda p, dt, own: {"limit_start": p},
    "limit_page_length": lambda p, dt, own: {"limit_page_length": p},
    "limit": lambda p, dt, own: {"limit": p},
}
# (params, the keys of the rows that must come back)
VALUE_CHANNELS = {
    "filters dict value": lambda p, dt, own: ({"filters": {"name": p}}, set()),
    "filters list value": lambda p, dt, own: ({"filters": [["name", "=", p]]}, set()),
    "filters title value": lambda p, dt, own: ({"filters": [[TITLE[dt], "=", p]]}, set()),
    "filters like value": lambda p, dt, own: ({"filters": [[TITLE[dt], "like", p]]}, set()),
    "filters in value": lambda p, dt, own: ({"filters": [["name", "in", [p, f"{p}x"]]]}, set()),
    "filters not in value": lambda p, dt, own: (
        {"filters": [["name", "not in", [p]]]},
        {"own", "assigned"},
    ),
    "filters != value": lambda p, dt, own: ({"filters": [["owner", "!=", p]]}, {"own", "assigned"}),
    "filters 4-element value": lambda p, dt, own: ({"filters": [[dt, "name", "=", p]]}, set()),
    "or_filters value beside a match": lambda p, dt, own: (
        {"or_filters": [["name", "=", own], ["name", "=", p]]},
        {"own"},
    ),
    "or_filters dict value": lambda p, dt, own: ({"or_filters": {"name": p}}, set()),
}
ENDPOINTS = {
    "resource": ("get", "/api/resource/{doctype}", "data"),
    "get_list": ("get", "/api/method/frappe.client.get_list", "message"),
    "get_list POST": ("post", "/api/method/frappe.client.get_list", "message"),
}
COUNT_CHANNELS = {
    name: LIST_CHANNELS[name]
    for name in (
        "filters dict field",
        "filters list field",
        "filters list operator",
        "filters 4-element field",
        "filters as raw string",
        "or_filters field",
        "or_filters operator",
    )
}
COUNT_VALUE_CHANNELS = {
    name: VALUE_CHANNELS[name]
    for name in (
        "filters dict value",
        "filters list value",
        "filters like value",
        "filters in value",
        "filters 4-element value",
        "or_filters value beside a match",
    )
}
VALUE_METHOD_CHANNELS = {
    "fieldname": lambda p, dt, own: ({"fieldname": p, "filters": own}, None),
    "fieldname list": lambda p, dt, own: ({"fieldname": ["name", p], "filters": own}, None),
    "filters field": lambda p, dt, own: ({"fieldname": "name", "filters": {p: "x"}}, None),
    "filters list field": lambda p, dt, own: (
        {"fieldname": "name", "filters": [[p, "=", 1]]},
        None,
    ),
    "filters operator": lambda p, dt, own: (
        {"fieldname": "name", "filters": [["name", p, own]]},
        None,
    ),
    # the value must match nothing: an answer of null
    # a string filter is a name, unless it looks like JSON (then it must parse)
    "filters as name": lambda p, dt, own: (
        {"fieldname": "name", "filters": p},
        None if p.lstrip()[:1] in ("[", "{") else "empty",
    ),
    "filters dict value": lambda p, dt, own: (
        {"fieldname": "name", "filters": {"name": p}},
        "empty",
    ),
    "filters list value": lambda p, dt, own: (
        {"fieldname": "name", "filters": [["name", "=", p]]},
        "empty",
    ),
}

# get_list by POST (typed JSON values instead of query strings) on the structured channels
POST_CHANNELS = (
    "fields list",
    "filters dict field",
    "filters list field",
    "filters list operator",
    "filters 4-element field",
    "or_filters field",
    "order_by",
    "limit_start",
    "limit_page_length",
)
ORDER_CASES = (
    [("list", e, c) for e in ("resource", "get_list") for c in LIST_CHANNELS]
    + [("list", "get_list POST", c) for c in POST_CHANNELS]
    + [("list value", e, c) for e in ENDPOINTS for c in VALUE_CHANNELS]
    + [("count", "get_count", c) for c in COUNT_CHANNELS]
    + [("count value", "get_count", c) for c in COUNT_VALUE_CHANNELS]
    + [("get_value", "get_value", c) for c in VALUE_METHOD_CHANNELS]
)
# Lead (a CRM DocType with a naming series and hooks) through the resource list and counts
LEAD_LIST_CHANNELS = (
    "fields list",
    "filters dict field",
    "filters list field",
    "filters list operator",
    "filters 4-element field",
    "or_filters field",
    "order_by",
    "limit_start",
    "limit_page_length",
)
LEAD_CASES = (
    [("list", "resource", c) for c in LEAD_LIST_CHANNELS]
    + [("list value", "resource", c) for c in VALUE_CHANNELS]
    + [("count value", "get_count", c) for c in COUNT_VALUE_CHANNELS]
)
CASES = [("Test Order", *case) for case in ORDER_CASES] + [("Lead", *case) for case in LEAD_CASES]


def call(client, kind: str, endpoint: str, doctype: str, params: dict):
    if kind.startswith("list"):
        method, path, _key = ENDPOINTS[endpoint]
        if endpoint == "resource":
            return getattr(client, method)(path.format(doctype=quote(doctype)), params)
        return getattr(client, method)(path, {"doctype": doctype, **params})
    return client.get(f"/api/method/frappe.client.{endpoint}", {"doctype": doctype, **params})


def problems_with(response, elapsed: float, *, names: dict, permitted: set, expect) -> str | None:
    """Return what is wrong with one answer, or None."""
    if elapsed >= SLEEP_SECONDS:
        return f"took {elapsed:.1f}s"
    if response.status_code >= 500 or response.status_code < 200:
        return f"status {response.status_code}: {response.content[:200]!r}"
    if b"md5$" in response.content or b"pbkdf2" in response.content:
        return "a password hash leaked"
    body = response.json()
    if 400 <= response.status_code < 500:
        if not body.get("exc_type") or not str(body.get("message") or "").strip():
            return f"4xx without a clear message: {body}"
        if expect is not None and expect != "refuse-or-rows":
            return f"expected 200 with {expect}, got {response.status_code}: {body['message']}"
        return None
    if response.status_code != 200:
        return f"unexpected status {response.status_code}"
    payload = body.get("data", body.get("message"))
    by_name = {name: key for key, name in names.items()}
    if isinstance(payload, int):  # get_count
        if expect not in (None, "refuse-or-rows") and payload != len(expect):
            return f"count {payload}, expected {len(expect)}"
        return None if payload <= len(permitted) else f"count {payload} beyond the scope"
    if payload is None or isinstance(payload, dict):  # get_value
        if expect == "empty" and payload is not None:
            return f"expected null, got {payload}"
        rows = [] if payload is None else [payload]
    else:
        rows = payload
    if len(rows) > len(permitted):
        return f"{len(rows)} rows, more than the {len(permitted)} permitted"
    for row in rows:
        name = row.get("name") if isinstance(row, dict) else None
        if name is not None and name not in permitted:
            return f"row {name} ({by_name.get(name)}) is outside the scope"
        if isinstance(row, dict) and "secret_margin" in row:
            return "the permlevel-1 field leaked"
    if isinstance(expect, set):
        got = {by_name.get(r.get("name")) for r in rows}
        if got != expect:
            return f"rows {got}, expected {expect}"
    return None


@pytest.mark.parametrize(("doctype", "kind", "endpoint", "channel"), CASES)
def test_injection_corpus(world, doctype, kind, endpoint, channel):
    assert len(PAYLOADS) >= 40
    names, permitted = world["names"][doctype], world["permitted"][doctype]
    builder = {
        "list": LIST_CHANNELS,
        "list value": VALUE_CHANNELS,
        "count": COUNT_CHANNELS,
        "count value": COUNT_VALUE_CHANNELS,
        "get_value": VALUE_METHOD_CHANNELS,
    }[kind][channel]
    before = table_state()

    failures = []
    for payload in PAYLOADS:
        built = builder(payload, doctype, names["own"])
        params, expect = built if isinstance(built, tuple) else (built, "refuse-or-rows")
        if kind == "get_value" and expect is None:
            expect = "refuse-or-rows"
        started = time.monotonic()
        response = call(world["rep"], kind, endpoint, doctype, params)
        problem = problems_with(
            response, time.monotonic() - started, names=names, permitted=permitted, expect=expect
        )
        if problem:
            failures.append(f"{payload!r}: {problem}")

    assert failures == []
    assert table_state() == before


def test_injection_in_doctype_and_name(world):
    """The DocType and the document name in the URL are only ever looked up, never run."""
    rep = world["rep"]
    before = table_state()
    failures = []
    for payload in PAYLOADS:
        quoted = quote(payload, safe="")
        answers = {
            "resource doctype": rep.get(f"/api/resource/{quoted}"),
            "resource name": rep.get(f"/api/resource/Test%20Order/{quoted}"),
            "resource delete": rep.delete(f"/api/resource/Test%20Order/{quoted}"),
            "get_list doctype": rep.get("/api/method/frappe.client.get_list", {"doctype": payload}),
            "get_count doctype": rep.get(
                "/api/method/frappe.client.get_count", {"doctype": payload}
            ),
            "get name": rep.get(
                "/api/method/frappe.client.get", {"doctype": "Test Order", "name": payload}
            ),
        }
        for where, response in answers.items():
            if response.status_code not in (400, 404) or not response.json().get("message"):
                failures.append((payload, where, response.status_code, response.content[:200]))
    assert failures == []
    assert table_state() == before


# ---------------------------------------------------------------- malformed requests


def raw_post(client, path: str, body: bytes, content_type: str = "application/json", **extra):
    return client.client.post(
        path, data=body, content_type=content_type, HTTP_AUTHORIZATION=client.header, **extra
    )


def assert_error(response, status: int, exc_type: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert str(body["message"]).strip(), body
    if exc_type:
        assert body["exc_type"] == exc_type, body
    return body


@pytest.fixture
def admin(world, api):
    return api("sysman")


def test_bad_bodies_are_refused_and_change_nothing(world, admin):
    before = table_state()
    resource = "/api/resource/Test%20Order"
    own = world["names"]["Test Order"]["own"]
    nested = {"title": "deep"}
    for _ in range(60):
        nested = {"a": nested}

    cases = [
        ("invalid JSON", raw_post(admin, resource, b'{"title": "x",'), 400),
        ("not UTF-8", raw_post(admin, resource, b'{"title": "\xff\xfe"}'), 400),
        ("JSON array", raw_post(admin, resource, b'[{"title": "x"}]'), 400),
        ("JSON string", raw_post(admin, resource, b'"title"'), 400),
        ("nested object", admin.post(resource, {"title": "x", "payload": nested}), 400),
        ("very deep nesting", raw_post(admin, resource, b"[" * 100_000 + b"]" * 100_000), 400),
        (
            "very deep object",
            raw_post(admin, resource, b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
            400,
        ),
        ("deep filters", admin.get(resource, {"filters": "[" * 50_000 + "]" * 50_000}), 400),
        (
            "deep fieldname",
            admin.get(
                "/api/method/frappe.client.get_value",
                {"doctype": "Test Order", "fieldname": "[" * 50_000, "filters": own},
            ),
            400,
        ),
        ("deep data", admin.post(resource, {"data": "[" * 50_000 + "]" * 50_000}), 400),
        ("data not an object", admin.post(resource, {"data": "[1, 2]"}), 400),
        ("unknown field", admin.post(resource, {"title": "x", "no_such_field": 1}), 400),
        (
            "unknown child field",
            admin.post(resource, {"title": "x", "items": [{"no_such": 1}]}),
            400,
        ),
        ("wrong type", admin.post(resource, {"title": "x", "priority": "many"}), 417),
        ("wrong type on update", admin.put(f"{resource}/{own}", {"amount": "lots"}), 417),
        ("wrong table type", admin.post(resource, {"title": "x", "items": "row"}), 417),
        ("unknown DocType", admin.post("/api/resource/No%20Such", {"title": "x"}), 404),
        ("unknown DocType list", admin.get("/api/resource/No%20Such"), 404),
        (
            "unknown DocType get_list",
            admin.get("/api/method/frappe.client.get_list", {"doctype": "No Such"}),
            404,
        ),
        ("unknown method", admin.post("/api/method/frappe.no.such", {}), 404),
        ("unknown method GET", admin.get("/api/method/os.system", {"command": "id"}), 404),
        ("missing argument", admin.get("/api/method/frappe.client.get_value", {}), 400),
        (
            "write by GET",
            admin.get("/api/method/frappe.client.delete", {"doctype": "Test Order", "name": own}),
            400,
        ),
        (
            "bad cap",
            admin.get(
                "/api/method/frappe.client.get_count", {"doctype": "Test Order", "cap": "1; DROP"}
            ),
            400,
        ),
        ("negative limit", admin.get(resource, {"limit_page_length": -1}), 400),
    ]
    for label, response, status in cases:
        assert response.status_code == status, (label, response.content[:300])
        body = response.json()
        assert body.get("exc_type") and str(body.get("message")).strip(), (label, body)
        if status == 417:
            assert body["errors"] and body["errors"][0]["field"] in ("priority", "amount", "items")
    assert table_state() == before


def test_oversized_body_is_413(world, admin, settings):
    before = table_state()
    limit = settings.LOWCODE_MAX_BODY_BYTES
    assert limit <= 5 * 1024 * 1024
    body = json.dumps({"title": "big", "notes": "x" * (5 * 1024 * 1024 + 1)}).encode()

    response = raw_post(admin, "/api/resource/Test%20Order", body)

    assert_error(response, 413, "RequestTooLargeError")
    assert table_state() == before


def test_unknown_field_is_named(world, admin):
    response = admin.post(
        "/api/resource/Test%20Order", {"title": "x", "no_such_field": 1}, HTTP_ACCEPT_LANGUAGE="en"
    )

    body = assert_error(response, 400, "DataError")
    assert "no_such_field" in body["message"]


def test_wrong_type_names_the_field(world, admin):
    response = admin.post(
        "/api/resource/Test%20Order", {"title": "x", "priority": "many"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    body = assert_error(response, 417, "ValidationError")
    assert [e["field"] for e in body["errors"]] == ["priority"]


@pytest.mark.parametrize(
    "header",
    [
        "token deadbeefdeadbeef:not-the-secret",
        "token deadbeef",
        "token :",
        "token ",
        "Token a:b:c",
        "Basic !!!not-base64!!!",
        "Basic " + "YWJj",  # "abc": no colon
        "Basic " + "dXNlcjpwYXNz",  # "user:pass": not a key pair
        "Bearer abc.def.ghi",
        "token ' OR 1=1 --:' OR 1=1 --",
        "garbage",
    ],
)
def test_bad_or_malformed_authorization_is_401(world, header):
    before = table_state()
    client = Client()

    responses = [
        client.get("/api/resource/Test%20Order", HTTP_AUTHORIZATION=header),
        client.get("/api/method/frappe.auth.get_logged_user", HTTP_AUTHORIZATION=header),
        client.post(
            "/api/resource/Test%20Order",
            data=json.dumps({"title": "x"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=header,
        ),
    ]

    for response in responses:
        assert response.status_code == 401, response.content
        assert response.json()["exc_type"] == "AuthenticationError"
    assert table_state() == before


def test_wrong_secret_for_a_real_key_is_401(world):
    key = world["rep"].header.split()[1].split(":")[0]
    response = Client().get(
        "/api/resource/Test%20Order", HTTP_AUTHORIZATION=f"token {key}:wrong-secret"
    )

    assert_error(response, 401, "AuthenticationError")


def test_token_revoked_through_the_api_is_401(world, api):
    rep = world["rep"]
    assert rep.get("/api/resource/Test%20Order").status_code == 200

    response = rep.post("/api/method/lowcode.api.revoke_keys", {})
    assert response.status_code == 200, response.content
    assert response.json()["message"] == 1

    before = table_state()
    assert_error(rep.get("/api/resource/Test%20Order"), 401, "AuthenticationError")
    assert_error(rep.post("/api/resource/Test%20Order", {"title": "after revoke"}), 401)
    assert table_state() == before


def test_token_revoked_by_the_action_is_401(world, api):
    manager = api("manager")
    assert manager.get("/api/resource/Test%20Order").status_code == 200

    do_revoke_api_keys("manager")

    before = table_state()
    assert_error(manager.get("/api/resource/Test%20Order"), 401, "AuthenticationError")
    own = world["names"]["Test Order"]["own"]
    assert_error(manager.delete(f"/api/resource/Test%20Order/{own}"), 401)
    assert table_state() == before


def test_sales_user_cannot_revoke_someone_elses_keys(world, api):
    rep2 = api("rep2")

    response = world["rep"].post("/api/method/lowcode.api.revoke_keys", {"user": "rep2"})

    assert_error(response, 403, "PermissionError")
    assert rep2.get("/api/resource/Test%20Order").status_code == 200
