"""Admin user actions over the REST API: the same engine actions as the desk's user screens,
so the self-protection rules and the System Manager guard hold on both routes."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lowcode.models import HasRole

NEW_PASSWORD = "Kuai-Strong-2026!"


def _roles(username: str) -> set[str]:
    return set(HasRole.objects.filter(user__username=username).values_list("role", flat=True))


def _active(username: str) -> bool:
    return get_user_model().objects.get(username=username).is_active


def test_a_system_manager_cannot_disable_themselves_through_the_api(api):
    admin = api("sysman")

    response = admin.post(
        "/api/method/lowcode.admin.update_user", {"username": "sysman", "enabled": 0}
    )

    assert response.status_code == 417, response.content.decode()[:300]
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {"enabled": "不能停用您自己的账户"}
    assert _active("sysman")


def test_a_system_manager_cannot_drop_their_own_system_manager_role_through_the_api(api):
    response = api("sysman").post(
        "/api/method/lowcode.admin.update_user",
        {"username": "sysman", "roles": json.dumps(["Sales User"])},
    )

    assert response.status_code == 417
    assert [e["field"] for e in response.json()["errors"]] == ["roles"]
    assert _roles("sysman") == {"System Manager"}


def test_the_api_disables_another_user_and_changes_only_what_it_is_sent(api):
    response = api("sysman").post(
        "/api/method/lowcode.admin.update_user", {"username": "rep", "enabled": 0}
    )

    assert response.status_code == 200, response.content.decode()[:300]
    assert response.json()["message"]["enabled"] == 0
    assert not _active("rep")
    assert _roles("rep") == {"Sales User"}  # roles were not sent, so they stay
    assert response.json()["message"]["department"] == "苏州组"


def test_the_api_creates_a_user_who_can_log_in_with_roles_and_department(api):
    response = api("sysman").post(
        "/api/method/lowcode.admin.create_user",
        {
            "username": "zhao",
            "full_name": "赵敏",
            "password": NEW_PASSWORD,
            "department": "苏州组",
            "roles": json.dumps(["Sales User"]),
        },
    )

    assert response.status_code == 200, response.content.decode()[:300]
    assert response.json()["message"]["roles"] == ["Sales User"]
    client = Client()
    client.get("/login")
    assert client.post("/login", {"usr": "zhao", "pwd": NEW_PASSWORD}).status_code == 302


def test_a_weak_password_and_an_unknown_role_are_named_through_the_api(api):
    response = api("sysman").post(
        "/api/method/lowcode.admin.create_user",
        {"username": "zhao", "password": "123", "roles": json.dumps(["Ghost"])},
    )

    assert response.status_code == 417
    assert {e["field"] for e in response.json()["errors"]} == {"password", "roles"}
    assert not get_user_model().objects.filter(username="zhao").exists()


@pytest.mark.parametrize("username", ["rep", "manager", "nobody"])
def test_only_a_system_manager_may_call_the_user_actions(api, username):
    client = api(username)

    for method, data in (
        ("lowcode.admin.update_user", {"username": "rep2", "enabled": 0}),
        ("lowcode.admin.create_user", {"username": "zhao", "password": NEW_PASSWORD}),
    ):
        assert client.post(f"/api/method/{method}", data).status_code == 403
    assert client.get("/api/method/lowcode.admin.get_user", {"username": "rep2"}).status_code == 403
    assert _active("rep2")
