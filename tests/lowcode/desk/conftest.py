"""Desk fixtures: browsers-without-a-browser — Django clients logged in through the real /login form,
with CSRF enforced as in production."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD


class DeskClient(Client):
    """A logged-in client that sends the CSRF token the way desk.js and HTMX do."""

    def post(self, path, data=None, *, htmx: bool = True, **extra):
        token = self.cookies["csrftoken"].value if "csrftoken" in self.cookies else ""
        headers = {"X-Frappe-CSRF-Token": token, **({"HX-Request": "true"} if htmx else {})}
        return super().post(path, data or {}, headers=headers, **extra)


@pytest.fixture
def desk(users):
    """``desk("rep")`` returns a DeskClient logged in as that user via POST /login."""

    def make(username: str = "Administrator") -> DeskClient:
        client = DeskClient(enforce_csrf_checks=True)
        client.get("/login")  # sets the csrftoken cookie, as a browser's first visit does
        response = client.post(
            "/login", {"usr": username, "pwd": PASSWORD, "next": "/app"}, htmx=False
        )
        assert response.status_code == 302, response.content.decode()[:500]
        return client

    return make
