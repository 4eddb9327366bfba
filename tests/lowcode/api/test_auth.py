"""Authentication: cookie sessions with CSRF, tokens, logout, login rate limits, API keys."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from lowcode.api import ratelimit
from lowcode.models import ApiKey
from lowcode.storage.factory import get_model
from tests.conftest import PASSWORD

ORDERS = "/api/resource/Test%20Order"
LOGGED_USER = "/api/method/frappe.auth.get_logged_user"
GENERATE_KEYS = "/api/method/frappe.core.doctype.user.user.generate_keys"


@pytest.fixture(autouse=True)
def clean_rate_limits(db):
    """Rate-limit counters live in the shared cache, which outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """A frozen clock for the fixed-window counters, so a window never rolls over mid-test."""
    now = SimpleNamespace(value=1_800_000_000.0)  # the start of a 60 s and a 900 s window
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now.value))
    return now


def login(client: Client, usr: str, pwd: str = PASSWORD, **extra):
    return client.post(
        "/api/method/login",
        data=json.dumps({"usr": usr, "pwd": pwd}),
        content_type="application/json",
        **extra,
    )


def session(usr: str = "rep") -> Client:
    """A browser-like client that enforces CSRF, logged in with a cookie session."""
    client = Client(enforce_csrf_checks=True)
    response = login(client, usr)
    assert response.status_code == 200, response.content
    return client


def csrf(client: Client) -> dict:
    return {"HTTP_X_FRAPPE_CSRF_TOKEN": client.cookies["csrftoken"].value}


def post_json(client: Client, path: str, data: dict, **extra):
    return client.post(path, data=json.dumps(data), content_type="application/json", **extra)


def put_json(client: Client, path: str, data: dict, **extra):
    return client.put(path, data=json.dumps(data), content_type="application/json", **extra)


# ---------------------------------------------------------------- sessions and CSRF


def test_login_sets_a_cookie_session_that_works_for_reads(users):
    client = Client(enforce_csrf_checks=True)

    response = login(client, "rep")

    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Logged In"
    assert response.json()["full_name"] == "rep"
    assert client.cookies["sid"].value and client.cookies["csrftoken"].value
    assert client.get(LOGGED_USER).json() == {"message": "rep"}
    assert client.get(ORDERS).status_code == 200


def test_login_accepts_form_encoded_credentials(users):
    client = Client()

    response = client.post("/api/method/login", {"usr": "manager", "pwd": PASSWORD})

    assert response.status_code == 200, response.content
    assert client.get(LOGGED_USER).json() == {"message": "manager"}


@pytest.mark.parametrize(
    ("usr", "pwd"),
    [
        ("rep", "wrong"),
        ("rep", ""),
        ("", PASSWORD),
        ("ghost", PASSWORD),
        ("REP' --", PASSWORD),
    ],
)
def test_wrong_credentials_are_401_and_leave_no_session(users, usr, pwd):
    client = Client()

    response = login(client, usr, pwd, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 401, response.content
    assert response.json()["exc_type"] == "AuthenticationError"
    assert "password" in response.json()["message"]
    assert client.get(LOGGED_USER).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"usr": "x" * 1000, "pwd": "y"},
        {"usr": 5, "pwd": ["list"]},
        {"usr": {"$ne": ""}, "pwd": None},
        {"usr": "rep\x00", "pwd": PASSWORD},
    ],
)
def test_odd_credentials_are_401_not_500(users, body):
    client = Client()

    response = client.post(
        "/api/method/login", data=json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 401, response.content
    assert client.get(LOGGED_USER).status_code == 401


def test_guest_is_refused(users):
    client = Client()

    assert client.get(LOGGED_USER).status_code == 401
    assert client.get(ORDERS).status_code == 401
    assert client.get(ORDERS).json()["exc_type"] == "AuthenticationError"


def test_cookie_session_writes_need_the_csrf_header(users):
    client = session("manager")  # a Sales Manager may create, change and delete orders
    mine = post_json(client, ORDERS, {"title": "made with csrf"}, **csrf(client))
    assert mine.status_code == 200, mine.content
    name = mine.json()["data"]["name"]
    model = get_model("Test Order")

    # without the header: refused, nothing written
    refused = {
        "POST": post_json(client, ORDERS, {"title": "no csrf"}),
        "PUT": put_json(client, f"{ORDERS}/{name}", {"title": "no csrf"}),
        "DELETE": client.delete(f"{ORDERS}/{name}"),
        "method POST": post_json(
            client,
            "/api/method/frappe.client.set_value",
            {"doctype": "Test Order", "name": name, "fieldname": "title", "value": "no csrf"},
        ),
        "wrong token": post_json(
            client, ORDERS, {"title": "no csrf"}, HTTP_X_FRAPPE_CSRF_TOKEN="x" * 64
        ),
    }
    for label, response in refused.items():
        assert response.status_code == 400, (label, response.content)
        assert response.json()["exc_type"] == "CSRFTokenError", label
    assert not model.objects.filter(title="no csrf").exists()
    assert model.objects.get(name=name).title == "made with csrf"

    # with the header (the csrftoken cookie's value): accepted
    response = put_json(client, f"{ORDERS}/{name}", {"title": "edited"}, **csrf(client))
    assert response.status_code == 200, response.content
    response = post_json(
        client,
        "/api/method/frappe.client.set_value",
        {"doctype": "Test Order", "name": name, "fieldname": "title", "value": "set"},
        **csrf(client),
    )
    assert response.status_code == 200, response.content
    assert model.objects.get(name=name).title == "set"
    response = client.delete(f"{ORDERS}/{name}", **csrf(client))
    assert response.status_code == 202, response.content
    assert not model.objects.filter(name=name).exists()


def test_token_auth_bypasses_csrf(api):
    token = api("rep").header
    client = Client(enforce_csrf_checks=True)

    response = post_json(client, ORDERS, {"title": "by token"}, HTTP_AUTHORIZATION=token)
    assert response.status_code == 200, response.content
    name = response.json()["data"]["name"]
    response = client.delete(f"{ORDERS}/{name}", HTTP_AUTHORIZATION=token)
    assert response.status_code == 403  # a Sales User may not delete: permission, not CSRF
    response = post_json(
        client,
        "/api/method/frappe.client.set_value",
        {"doctype": "Test Order", "name": name, "fieldname": "title", "value": "by token again"},
        HTTP_AUTHORIZATION=token,
    )
    assert response.status_code == 200, response.content
    assert get_model("Test Order").objects.get(name=name).title == "by token again"


def test_logout_ends_the_session(users):
    client = session("rep")
    assert client.get(LOGGED_USER).json() == {"message": "rep"}

    response = client.post("/api/method/logout", **csrf(client))

    assert response.status_code == 200, response.content
    assert client.get(LOGGED_USER).status_code == 401
    assert client.get(ORDERS).status_code == 401


def test_logout_needs_a_post_with_the_csrf_token(users):
    # given: rep's browser session
    client = session("rep")

    # when: a link, an image or another site's form tries to log rep out
    by_get = client.get("/api/method/logout")
    forged = client.post("/api/method/logout")

    # then: neither ends the session
    assert by_get.status_code == 400, by_get.content
    assert "POST" in by_get.json()["message"]
    assert forged.status_code == 400, forged.content
    assert client.get(LOGGED_USER).json() == {"message": "rep"}


# ---------------------------------------------------------------- login rate limits


def assert_429(response, window: int) -> None:
    assert response.status_code == 429, response.content
    assert response.json()["exc_type"] == "TooManyRequestsError"
    assert 0 < int(response["Retry-After"]) <= window


def test_account_locks_after_five_failures(users, clock):
    client = Client()
    for _ in range(5):
        assert login(client, "rep", "wrong").status_code == 401

    # locked: even the right password is refused, from any address
    assert_429(login(client, "rep"), 15 * 60)
    assert_429(login(Client(), "rep", REMOTE_ADDR="10.9.9.9"), 15 * 60)
    assert client.get(LOGGED_USER).status_code == 401

    # another account from the same address is unaffected
    assert login(Client(), "rep2").status_code == 200

    # the lock lifts when the window has passed
    clock.value += 15 * 60
    response = login(client, "rep")
    assert response.status_code == 200, response.content


def test_successful_login_resets_the_account_counter(users, clock):
    client = Client()
    for _ in range(4):
        assert login(client, "rep", "wrong").status_code == 401
    assert login(client, "rep").status_code == 200
    for _ in range(4):
        assert login(Client(), "rep", "wrong").status_code == 401

    assert login(Client(), "rep").status_code == 200


def test_ip_limit_is_thirty_attempts_a_minute(users, clock):
    # given: 30 attempts from one address, failures and successes alike, on several accounts
    for i in range(30):
        usr = ("rep", "rep2", "south", "manager")[i % 4]
        response = login(Client(), usr, "wrong" if i % 3 == 0 else PASSWORD)
        assert response.status_code in (200, 401), (i, response.content)

    # then: the 31st is refused whatever the account, but not from another address
    assert_429(login(Client(), "sysman"), 60)
    assert_429(login(Client(), "south_manager", "wrong"), 60)
    assert login(Client(), "sysman", REMOTE_ADDR="10.1.2.3").status_code == 200

    clock.value += 60
    assert login(Client(), "sysman").status_code == 200


@override_settings(LOWCODE_LOGIN_LIMITS={"account": (2, 300), "ip": (4, 30)})
def test_limits_come_from_settings(users, clock):
    assert login(Client(), "rep", "bad").status_code == 401
    assert login(Client(), "rep", "bad").status_code == 401
    assert_429(login(Client(), "rep"), 300)

    assert login(Client(), "rep2").status_code == 200  # 3rd attempt from this address
    assert login(Client(), "rep2").status_code == 200  # 4th
    assert_429(login(Client(), "rep2"), 30)


def test_rate_limit_does_not_touch_api_tokens(api, clock):
    """Token requests are not login attempts: a locked account's API key still works."""
    token = api("rep").header
    for _ in range(5):
        login(Client(), "rep", "wrong")

    assert Client().get(LOGGED_USER, HTTP_AUTHORIZATION=token).json() == {"message": "rep"}


# ---------------------------------------------------------------- API keys


def token_of(response) -> str:
    assert response.status_code == 200, response.content
    keys = response.json()["message"]
    return f"token {keys['api_key']}:{keys['api_secret']}"


def whoami(token: str):
    return Client().get(LOGGED_USER, HTTP_AUTHORIZATION=token)


def test_user_issues_own_key_with_a_cookie_session(users):
    client = session("rep")

    assert post_json(client, GENERATE_KEYS, {}).status_code == 400  # CSRF applies here too
    token = token_of(post_json(client, GENERATE_KEYS, {}, **csrf(client)))

    assert whoami(token).json() == {"message": "rep"}


def test_issuing_a_new_key_revokes_the_old_one(api):
    rep = api("rep")

    token = token_of(rep.post(GENERATE_KEYS, {}))

    assert whoami(token).json() == {"message": "rep"}
    assert whoami(rep.header).status_code == 401


def test_system_manager_issues_keys_for_others(api):
    sysman = api("sysman")

    for body in ({"user": "rep"}, {"user_name": "rep2"}):
        token = token_of(sysman.post(GENERATE_KEYS, body))
        assert whoami(token).json() == {"message": body.get("user") or body.get("user_name")}
    assert whoami(sysman.header).json() == {"message": "sysman"}  # sysman's own key untouched


def test_sales_user_cannot_issue_keys_for_others(api):
    rep2 = api("rep2")
    keys_before = ApiKey.objects.filter(user__username="rep2").count()

    response = api("rep").post(GENERATE_KEYS, {"user": "rep2"})

    assert response.status_code == 403, response.content
    assert response.json()["exc_type"] == "PermissionError"
    assert ApiKey.objects.filter(user__username="rep2").count() == keys_before
    assert whoami(rep2.header).json() == {"message": "rep2"}


def test_key_for_unknown_user_is_refused_cleanly(api):
    response = api("sysman").post(GENERATE_KEYS, {"user": "ghost"})

    assert response.status_code == 404, response.content
    assert response.json()["exc_type"] == "DoesNotExistError"


def test_generate_keys_needs_post_and_a_login(api):
    assert api("rep").get(GENERATE_KEYS).status_code == 400
    assert Client().post(GENERATE_KEYS).status_code == 401


@pytest.mark.parametrize("spelling", ["REP", "Rep", "rep ", " rep", "rep\x00", "r\x00ep"])
def test_other_spellings_of_an_account_neither_log_in_nor_escape_its_lockout(
    users, spelling, settings
):
    # given: a per-account limit of 3 failures
    settings.LOWCODE_LOGIN_LIMITS = {"account": (3, 900), "ip": (1000, 60)}
    client = Client()

    # when: the right password is sent under another spelling of the name
    response = client.post("/api/method/login", {"usr": spelling, "pwd": PASSWORD})

    # then: refused on every database (MariaDB's collation would otherwise match "rep")
    assert response.status_code == 401
    # and the failures count against the one account, whatever the spelling
    for _attempt in range(2):
        client.post("/api/method/login", {"usr": spelling, "pwd": "wrong"})
    locked = client.post("/api/method/login", {"usr": "rep", "pwd": PASSWORD})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
