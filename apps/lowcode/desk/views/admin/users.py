"""Users and departments (System Manager): accounts, roles, passwords, API keys, the tree."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from lowcode.admin import users as admin_users
from lowcode.admin import view_as
from lowcode.desk.lib import nav
from lowcode.desk.lib import users as users_lib
from lowcode.desk.views.common import desk_view, go_to, toast
from lowcode.exceptions import FrappeError, ValidationError
from lowcode.i18n import _

FORM = "desk/admin/user_form.html"
SHOWN_ONCE = "desk/admin/user_secret.html"


def _post_values(post) -> dict:
    return {
        "username": post.get("username", "").strip(),
        "full_name": post.get("full_name", ""),
        "email": post.get("email", "").strip(),
        "department": post.get("department", ""),
        "roles": post.getlist("roles"),
        "enabled": post.getlist("enabled")[-1:] == ["1"],
        "password": post.get("password", ""),
    }


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for e in exc.errors:
        found.setdefault(e.fieldname, []).append(e.message)
    if not found:
        found["general"] = [str(exc)]
    return found


def _form_context(user: str, values: dict, *, is_new: bool, errors=None, **extra) -> dict:
    department_doctype = users_lib.department_doctype()
    return {
        "active_nav": "users",
        "is_new": is_new,
        "values": values,
        "errors": errors or {},
        "role_choices": [(r, _(r)) for r in users_lib.assignable_roles(user)],
        "departments": users_lib.department_names(user),
        "department_slug": nav.slug(department_doctype) if department_doctype else "",
        **extra,
    }


@desk_view
def users_page(request, user):
    nav.require_system_manager(user)
    search = request.GET.get("q", "")
    department_doctype = users_lib.department_doctype()
    context = {
        "active_nav": "users",
        "search": search,
        "user_rows": users_lib.user_rows(search),
        "limit": users_lib.USER_LIMIT,
        "tree": users_lib.department_tree(user),
        "department_doctype": department_doctype,
        "department_slug": nav.slug(department_doctype) if department_doctype else "",
    }
    if request.headers.get("HX-Target") == "user-results":
        return render(request, "desk/admin/user_results.html", context)
    return render(request, "desk/admin/users.html", context)


@desk_view
def new_user(request, user):
    nav.require_system_manager(user)
    if request.method != "POST":
        values = {"enabled": True, "roles": [], "department": request.GET.get("department", "")}
        return render(request, FORM, _form_context(user, values, is_new=True))
    values = _post_values(request.POST)
    try:
        account = admin_users.do_create_user_account(user, values)
    except ValidationError as exc:
        values.pop("password")  # never echo a password back into the page
        context = _form_context(user, values, is_new=True, errors=_errors(exc))
        return toast(render(request, "desk/admin/user_form_body.html", context), str(exc), "red")
    return go_to(request, f"/app/users/{account.username}?created=1")


def _view_as_refused(user: str, username: str) -> str:
    """Why the desk cannot be viewed as this user ("" when it can)."""
    try:
        view_as.check_view_as(user, username)
    except FrappeError as exc:
        return str(exc)
    return ""


@desk_view
def edit_user(request, user, username):
    nav.require_system_manager(user)
    account = users_lib.get_user(username)
    keys = users_lib.api_keys(username)
    if request.method != "POST":
        context = _form_context(
            user,
            admin_users.account_values(account),
            is_new=False,
            api_keys=keys,
            created=request.GET.get("created") == "1",
            view_as_refused=_view_as_refused(user, username),
        )
        return render(request, FORM, context)
    values = {**_post_values(request.POST), "username": username}
    try:
        admin_users.do_update_user_account(user, username, values)
    except ValidationError as exc:
        context = _form_context(user, values, is_new=False, errors=_errors(exc), api_keys=keys)
        return toast(render(request, "desk/admin/user_form_body.html", context), str(exc), "red")
    context = _form_context(
        user, admin_users.account_values(users_lib.get_user(username)), is_new=False, api_keys=keys
    )
    return toast(render(request, "desk/admin/user_form_body.html", context), _("Saved"))


@desk_view
@require_POST
def reset_password(request, user, username):
    password = admin_users.do_reset_user_password(user, username)
    context = {"kind": "password", "username": username, "password": password}
    return toast(render(request, SHOWN_ONCE, context), _("New password set"))


@desk_view
@require_POST
def generate_api_key(request, user, username):
    key, secret = admin_users.do_issue_api_key(user, username)
    context = {
        "kind": "api_key",
        "username": username,
        "api_key": key,
        "api_secret": secret,
        "api_keys": users_lib.api_keys(username),
    }
    response = render(request, SHOWN_ONCE, context)
    return toast(response, _("New API key issued; the previous one no longer works"))


@desk_view
@require_POST
def revoke_api_keys(request, user, username):
    count = admin_users.do_revoke_user_api_keys(user, username)
    context = {"kind": "revoked", "username": username, "count": count, "api_keys": []}
    return toast(render(request, SHOWN_ONCE, context), _("{count} API keys revoked", count=count))


urlpatterns = [
    path("app/users", users_page, name="desk-users"),
    path("app/users/new", new_user, name="desk-user-new"),
    path("app/users/<str:username>", edit_user, name="desk-user"),
    path("app/users/<str:username>/password", reset_password, name="desk-user-password"),
    path("app/users/<str:username>/api-key", generate_api_key, name="desk-user-api-key"),
    path("app/users/<str:username>/api-key/revoke", revoke_api_keys, name="desk-user-api-revoke"),
]
