"""Helpers for the rules tests: rules are created through the REST API as an admin would."""

from __future__ import annotations

import pytest


@pytest.fixture
def admin(api):
    return api("Administrator")


@pytest.fixture
def make_rule(admin):
    """POST a rule document and return its JSON (fails the test on any error)."""

    def make(doctype: str, data: dict) -> dict:
        response = admin.post(f"/api/resource/{doctype}", data)
        assert response.status_code == 200, response.content.decode()
        return response.json()["data"]

    return make


@pytest.fixture
def inline_jobs(settings, django_capture_on_commit_callbacks):
    """Run enqueued jobs inline when the surrounding block 'commits'."""
    settings.LOWCODE_JOBS_INLINE = True
    return django_capture_on_commit_callbacks
