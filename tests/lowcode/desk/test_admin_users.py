"""Users and departments: create, edit, roles, passwords, API keys, the department tree."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lowcode.models import ApiKey, HasRole, UserProfile
from tests.conftest import PASSWORD

NEW_PASSWORD = "Kuai-Strong-2026!"
URLS = [
    ("get", "/app/users"),
    ("get", "/app/users/new"),
    ("post", "/app/users/new"),
    ("get", "/app/users/rep"),
    ("post", "/app/users/rep"),
    ("post", "/app/users/rep/password"),
    ("post", "/app/users/rep/api-key"),
    ("post", "/app/users/rep/api-key/revoke"),
]


def _user(username: str):
    return get_user_model().objects.select_related("profile").get(username=username)


def _roles(username: str) -> set[str]:
    return set(HasRole.objects.filter(user__username=username).values_list("role", flat=True))


def _edit(client, username: str, **values):
    data = {
        "full_name": username,
        "email": "",
        "department": "",
        "roles": [],
        "enabled": ["0", "1"],
        **values,
    }
    return client.post(f"/app/users/{username}", data)


def _can_log_in(username: str, password: str) -> bool:
    client = Client()
    client.get("/login")
    response = client.post("/login", {"usr": username, "pwd": password, "next": "/app"})
    return response.status_code == 302


@pytest.mark.parametrize("username", ["rep", "manager", "nobody"])
def test_non_admins_get_not_found_on_every_user_url(desk, username):
    client = desk(username)

    for method, url in URLS:
        assert getattr(client, method)(url).status_code == 404, (method, url)

    assert not ApiKey.objects.filter(user__username="rep").exists()


def test_the_list_shows_users_with_department_roles_and_status_and_searches(
    desk, django_assert_max_num_queries
):
    client = desk("sysman")
    client.get("/app/users")

    with django_assert_max_num_queries(14):
        page = client.get("/app/users").content.decode()

    assert re.findall(r'class="user-row" data-user="([^"]+)"', page) == sorted(
        ["Administrator", "manager", "nobody", "rep", "rep2", "south", "south_manager", "sysman"]
    )
    row = page.split('data-user="rep"')[1].split("</tr>")[0]
    assert "苏州组" in row and "销售" in row and "启用" in row
    found = client.get("/app/users", {"q": "华南"}, headers={"HX-Target": "user-results"})
    assert re.findall(r'data-user="([^"]+)"', found.content.decode()) == ["south", "south_manager"]


def test_the_department_tree_nests_departments_and_links_to_their_forms(desk):
    page = desk("sysman").get("/app/users").content.decode()

    tree = page.split('id="departments"')[1]
    assert tree.index("销售中心") < tree.index("华东销售部") < tree.index("苏州组")
    assert 'href="/app/department/%E8%8B%8F%E5%B7%9E%E7%BB%84"' in tree
    assert 'href="/app/department/new"' in tree
    suzhou = tree.split('data-department="苏州组"')[1].split("</li>")[0]
    assert "2 人" in suzhou


def test_create_a_user_who_can_then_log_in_with_roles_and_department(desk):
    response = desk("sysman").post(
        "/app/users/new",
        {
            "username": "zhanghua",
            "full_name": "张华",
            "email": "zhanghua@example.com",
            "department": "华南销售部",
            "roles": ["Sales User"],
            "enabled": ["0", "1"],
            "password": NEW_PASSWORD,
        },
    )

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/app/users/zhanghua?created=1"
    account = _user("zhanghua")
    assert (account.profile.full_name, account.profile.department) == ("张华", "华南销售部")
    assert _roles("zhanghua") == {"Sales User"}
    assert _can_log_in("zhanghua", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [("abc", "密码太短"), ("password123", "密码太常见"), ("", "密码为必填项")],
)
def test_a_weak_password_is_named_next_to_the_field_and_nothing_is_created(desk, password, message):
    response = desk("sysman").post(
        "/app/users/new",
        {"username": "weak", "roles": ["Sales User"], "department": "苏州组", "password": password},
    )

    assert response.status_code == 200
    error = re.search(r'id="user-password-err"[^>]*>([^<]+)<', response.content.decode())
    assert error is not None and message in error.group(1)
    assert not get_user_model().objects.filter(username="weak").exists()
    assert not HasRole.objects.filter(user__username="weak").exists()


@pytest.mark.parametrize(
    ("username", "full_name", "password"),
    [("deskuser", "", "deskuser"), ("wangfang", "Wang Fang", "WangFang2026")],
)
def test_a_password_like_the_user_name_or_full_name_is_refused(desk, username, full_name, password):
    response = desk("sysman").post(
        "/app/users/new",
        {
            "username": username,
            "full_name": full_name,
            "roles": ["Sales User"],
            "department": "苏州组",
            "password": password,
        },
    )

    error = re.search(r'id="user-password-err"[^>]*>([^<]+)<', response.content.decode())
    assert error is not None and "密码与用户名、姓名或邮箱太相似" in error.group(1)
    assert not get_user_model().objects.filter(username=username).exists()


def test_a_taken_user_name_an_unknown_department_and_role_are_all_reported(desk):
    page = (
        desk("sysman")
        .post(
            "/app/users/new",
            {
                "username": "rep",
                "department": "火星部",
                "roles": ["Pilot"],
                "password": NEW_PASSWORD,
            },
        )
        .content.decode()
    )

    assert "用户 rep 已存在" in page
    assert "部门 火星部 不存在" in page
    assert "角色 Pilot 不存在" in page
    assert _user("rep").profile.department == "苏州组"


def test_edit_full_name_email_department_and_roles(desk):
    response = _edit(
        desk("sysman"),
        "rep",
        full_name="王小明",
        email="xm@example.com",
        department="华南销售部",
        roles=["Sales User", "Service User"],
    )

    assert response.status_code == 200
    account = _user("rep")
    assert (account.profile.full_name, account.email, account.profile.department) == (
        "王小明",
        "xm@example.com",
        "华南销售部",
    )
    assert _roles("rep") == {"Sales User", "Service User"}
    _edit(desk("sysman"), "rep", full_name="王小明", roles=[])
    assert _roles("rep") == set()
    assert desk("rep").get("/app/lead").status_code == 404  # no role, no leads


def test_a_disabled_user_cannot_log_in_and_an_admin_cannot_lock_themselves_out(desk):
    admin = desk("sysman")

    _edit(admin, "rep", roles=["Sales User"], enabled=["0"])
    assert not _user("rep").is_active
    assert not _can_log_in("rep", PASSWORD)

    page = _edit(admin, "sysman", roles=[], enabled=["0"]).content.decode()
    assert "不能停用您自己的账户" in page
    assert "不能取消您自己的系统管理员角色" in page
    assert _user("sysman").is_active and _roles("sysman") == {"System Manager"}


def test_reset_password_shows_a_new_one_once_that_works_and_ends_sessions(desk):
    rep = desk("rep")
    assert rep.get("/app").status_code == 200

    response = desk("sysman").post("/app/users/rep/password")

    assert rep.get("/app").status_code == 302  # the old session no longer authenticates

    password = re.search(r'id="password-value">([^<]+)<', response.content.decode()).group(1)
    assert _can_log_in("rep", password)
    assert not _can_log_in("rep", PASSWORD)
    assert password not in desk("sysman").get("/app/users/rep").content.decode()


def test_generate_and_revoke_api_keys(desk):
    admin = desk("sysman")

    page = admin.post("/app/users/rep/api-key").content.decode()
    key = re.search(r'id="api-key-value">([^<]+)<', page).group(1)
    secret = re.search(r'id="api-secret-value">([^<]+)<', page).group(1)
    token = {"HTTP_AUTHORIZATION": f"token {key}:{secret}"}
    assert Client().get("/api/resource/Lead", **token).status_code == 200
    assert secret not in admin.get("/app/users/rep").content.decode()
    assert key in admin.get("/app/users/rep").content.decode()

    admin.post("/app/users/rep/api-key/revoke")

    assert Client().get("/api/resource/Lead", **token).status_code in (401, 403)
    assert not ApiKey.objects.filter(user__username="rep", revoked__isnull=True).exists()


def test_profile_rows_are_kept_one_per_user(desk):
    _edit(desk("sysman"), "nobody", department="苏州组")

    assert UserProfile.objects.filter(user__username="nobody").count() == 1
