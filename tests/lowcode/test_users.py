"""Passwords: the site's policy on every path that sets one (actions and the REST API)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.utils import translation

from lowcode.exceptions import ValidationError
from lowcode.users import do_create_user, do_set_password
from tests.conftest import PASSWORD

UPDATE_PASSWORD = "/api/method/frappe.core.doctype.user.user.update_password"
LOGGED_USER = "/api/method/frappe.auth.get_logged_user"


@pytest.mark.parametrize(
    ("username", "password", "full_name", "email", "messages"),
    [
        ("short", "123", "", "", {"密码太短：至少需要 8 个字符", "密码太常见", "密码不能全是数字"}),
        ("deskuser", "deskuser", "", "", {"密码与用户名、姓名或邮箱太相似"}),
        ("wf", "WangFang2026", "王芳 WangFang2026", "", {"密码与用户名、姓名或邮箱太相似"}),
        ("zw", "zhangwei88", "", "zhangwei88@example.cn", {"密码与用户名、姓名或邮箱太相似"}),
        ("weak", "password123", "", "", {"密码太常见"}),
    ],
)
def test_a_weak_password_is_refused_in_chinese_and_creates_nothing(
    site, username, password, full_name, email, messages
):
    from django.contrib.auth import get_user_model

    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        do_create_user(username, password, full_name=full_name, email=email)

    assert {e.message for e in refused.value.errors} == messages
    assert {e.fieldname for e in refused.value.errors} == {"password"}
    assert not get_user_model().objects.filter(username=username).exists()


def test_setting_a_password_follows_the_policy(users):
    with pytest.raises(ValidationError):
        do_set_password("rep", "12345678")  # common, and only digits
    assert authenticate(username="rep", password=PASSWORD) is not None

    do_set_password("rep", "Harbour-lights-42")

    assert authenticate(username="rep", password="Harbour-lights-42") is not None


def _session(username: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/method/login",
        json.dumps({"usr": username, "pwd": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return client


def _update(client: Client, **values):
    return client.post(
        UPDATE_PASSWORD,
        json.dumps(values),
        content_type="application/json",
        HTTP_X_FRAPPE_CSRF_TOKEN=client.cookies["csrftoken"].value,
    )


def test_changing_ones_password_over_the_api(users):
    # given: rep's browser session
    client = _session("rep")

    # when: a weak new password, a wrong current one, then a good change
    weak = _update(client, old_password=PASSWORD, new_password="rep")
    wrong = _update(client, old_password="not-it", new_password="Harbour-lights-42")
    good = _update(client, old_password=PASSWORD, new_password="Harbour-lights-42")

    # then: the weak one is refused in Chinese, naming the field; the session survives the change
    assert weak.status_code == 417, weak.content
    assert {(e["field"], e["message"]) for e in weak.json()["errors"]} == {
        ("new_password", "密码太短：至少需要 8 个字符"),
        ("new_password", "密码与用户名、姓名或邮箱太相似"),
    }
    assert wrong.status_code == 417, wrong.content
    assert [e["field"] for e in wrong.json()["errors"]] == ["old_password"]
    assert good.status_code == 200, good.content
    assert client.get(LOGGED_USER).json() == {"message": "rep"}
    assert authenticate(username="rep", password="Harbour-lights-42") is not None
    assert authenticate(username="rep", password=PASSWORD) is None
