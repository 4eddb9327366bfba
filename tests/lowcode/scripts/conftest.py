"""Fixtures for server scripts: the site setting on, short limits, a script factory."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc


@pytest.fixture
def scripts_on(settings, users):
    """Enable server scripts with a short CPU limit (read at call time, so this suffices)."""
    settings.SITE_CONFIG = {
        **settings.SITE_CONFIG,
        "server_script_enabled": True,
        "server_script_cpu_seconds": 0.5,
        "server_script_memory_mb": 256,
    }
    return settings


class EnglishClient:
    """The shared API client, asking for English so tests can read the messages."""

    def __init__(self, client):
        self.client = client

    def get(self, path, data=None, **extra):
        return self.client.get(path, data, HTTP_ACCEPT_LANGUAGE="en", **extra)

    def post(self, path, data=None, **extra):
        return self.client.post(path, data, HTTP_ACCEPT_LANGUAGE="en", **extra)

    def delete(self, path, **extra):
        return self.client.delete(path, HTTP_ACCEPT_LANGUAGE="en", **extra)


@pytest.fixture
def api(api):
    """``api("rep")`` as in tests/conftest.py, in English."""
    return lambda username="Administrator": EnglishClient(api(username))


@pytest.fixture
def make_script(users):
    """``make_script("name", script_type=..., script=...)`` inserts a Server Script as an admin."""

    def make(name: str, **fields):
        return do_insert_doc("Administrator", "Server Script", {"name": name, **fields})

    return make


@pytest.fixture
def run_api(api, make_script):
    """Define an API script and call it as ``rep``; return the response."""

    def run(script: str, user: str = "rep", **params):
        make_script("probe", script_type="API", api_method="probe", script=script)
        return api(user).post("/api/method/probe", params)

    return run
