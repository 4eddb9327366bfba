"""Response hardening over HTTP: no framing, HSTS and Secure cookies on HTTPS sites, CSRF cookie."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from lowcode.conf.site import served_over_https
from tests.conftest import PASSWORD


def _login(client: Client):
    response = client.post(
        "/api/method/login",
        json.dumps({"usr": "rep", "pwd": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response


@pytest.mark.parametrize(
    ("path", "logged_in"),
    [("/login", False), ("/app", True), ("/app/lead", True), ("/api/", False), ("/nope", True)],
)
def test_every_page_forbids_framing_by_other_sites(users, path, logged_in):
    client = Client()
    if logged_in:
        _login(client)

    response = client.get(path)

    assert response.status_code in (200, 404), (path, response.status_code)
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_no_hsts_on_a_site_not_served_over_https(users):
    response = Client().get("/login")

    assert "Strict-Transport-Security" not in response


def test_an_https_site_sends_hsts(users, settings):
    settings.LOWCODE_HTTPS = True

    response = Client().get("/login", secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize(
    ("config", "https"),
    [
        ({}, False),
        ({"host_name": "http://crm.example.cn"}, False),
        ({"https": True}, True),
        ({"host_name": "https://crm.example.cn"}, True),
        ({"host_name": "HTTPS://crm.example.cn"}, True),
    ],
)
def test_the_site_config_says_whether_the_site_is_served_over_https(config, https):
    assert served_over_https(config) is https


def test_the_csrf_cookie_is_http_only_and_the_desk_carries_the_token_in_the_page(users):
    client = Client()
    response = _login(client)

    cookie = response.cookies["csrftoken"]
    assert cookie["httponly"] is True
    assert response.cookies["sid"]["httponly"] is True
    # the desk's scripts read the token from the page (hx-headers, form fields), not the cookie
    page = client.get("/app").content.decode()
    assert re.search(r'hx-headers=\'\{"X-Frappe-CSRF-Token": "\w{32,}"\}\'', page)
    assert re.search(r'name="csrfmiddlewaretoken" value="\w{32,}"', page)


def test_the_language_cookie_is_secure_on_an_https_site(users, settings):
    settings.LOWCODE_HTTPS = True
    client = Client()
    _login(client)

    response = client.post("/app/language", {"lang": "en", "next": "/app"}, secure=True)

    assert response.cookies["lang"]["secure"] is True
