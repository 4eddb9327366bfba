"""Whitelisted methods (wired in ``lowcode/hooks.py``), Frappe's names and arguments.

Each takes ``(request, user, **params)``; ``writes`` marks methods that need POST.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.middleware.csrf import get_token

from lowcode.api import ratelimit
from lowcode.api.errors import error_response
from lowcode.documents import actions
from lowcode.exceptions import (
    AuthenticationError,
    DataError,
    DoesNotExistError,
    PermissionError,
    TooManyRequestsError,
)
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import (
    access_doc,
    has_doctype_permission,
    is_system_manager,
    readable_version,
)
from lowcode.query import reads
from lowcode.query.builder import parse_json_param


def _writes(function):
    function.writes = True
    return function


def _own_transaction(function):
    """The method is one action with its own transaction (a DocType write may change the
    schema, which must not run inside the dispatcher's transaction)."""
    function.own_transaction = True
    return function


def _guest(function):
    function.allow_guest = True
    return function


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@_guest
@_writes
def login(request, user, usr: str = "", pwd: str = "", **_ignored) -> Any:
    """Log in with a cookie session; rate limited per account and per IP."""
    account_limit, account_window = settings.LOWCODE_LOGIN_LIMITS["account"]
    ip_limit, ip_window = settings.LOWCODE_LOGIN_LIMITS["ip"]
    usr, pwd = str(usr or ""), str(pwd or "")  # a JSON body may send any type
    # One counter per account however the name is spelt: MariaDB's collation ignores case and
    # control characters, so "Rep", "rep " and "rep\0" must not each get their own five tries.
    # Hashed: any text may arrive, and cache keys have length and charset limits.
    canonical = re.sub(r"[\x00-\x20\x7f]", "", usr).casefold()
    account_digest = hashlib.sha256(canonical.encode()).hexdigest()
    ip_key, account_key = f"login-ip:{_client_ip(request)}", f"login-user:{account_digest}"
    wait = ratelimit.retry_after(
        account_key, account_limit, account_window
    ) or ratelimit.retry_after(ip_key, ip_limit, ip_window)
    if wait:
        raise TooManyRequestsError(
            _("Too many login attempts; try again in {seconds} seconds", seconds=wait), wait
        )
    ratelimit.hit(ip_key, ip_window)
    account = authenticate(request, username=usr, password=pwd) if usr and pwd else None
    # The name must match exactly: a collation-insensitive lookup must not make "REP" or
    # "rep\0" another way to spell an account (SQLite and MariaDB would then disagree).
    if account is None or not account.is_active or account.username != usr:
        ratelimit.hit(account_key, account_window)
        raise AuthenticationError(_("Incorrect user name or password"))
    ratelimit.reset(account_key, account_window)
    django_login(request, account)
    request.frappe_user = account.username
    full_name = getattr(getattr(account, "profile", None), "full_name", "") or account.username
    get_token(request)  # sets the csrftoken cookie for later writes
    return {"message": "Logged In", "home_page": "/app", "full_name": full_name}


def _respond_login(result: dict):
    from django.http import JsonResponse

    return JsonResponse(result, json_dumps_params={"ensure_ascii": False})


def login_view(request, user, **params):
    # A refusal is returned, not raised: raising rolls back the method's transaction and,
    # with the database cache, the failure counters with it.
    try:
        return _respond_login(login(request, user, **params))
    except AuthenticationError as exc:
        return error_response(exc)


login_view.allow_guest = True  # type: ignore[attr-defined]
login_view.writes = True  # type: ignore[attr-defined]
login_view.csrf_exempt = True  # type: ignore[attr-defined]


@_guest
@_writes
def logout(request, user, **_ignored) -> None:
    """End the session; POST only (with the CSRF token), so a link or an image cannot."""
    django_logout(request)
    return None


def get_logged_user(request, user, **_ignored) -> str:
    return user


def get_list(
    request,
    user,
    doctype: str,
    fields=None,
    filters=None,
    order_by=None,
    limit_start=None,
    limit_page_length=20,
    parent=None,
    debug=False,
    as_dict=True,
    or_filters=None,
    limit=None,
    group_by=None,
    **_ignored,
):
    if group_by:
        raise DataError(_("group_by is not supported on this endpoint"))
    return reads.get_list(
        user,
        doctype,
        fields=fields,
        filters=filters,
        or_filters=or_filters,
        order_by=order_by,
        limit_start=limit_start,
        limit=limit if limit is not None else limit_page_length,
        as_list=str(as_dict).lower() in ("0", "false"),
    )


def get_count(
    request,
    user,
    doctype: str,
    filters=None,
    debug=False,
    cache=False,
    or_filters=None,
    cap=None,
    **_ignored,
) -> int:
    try:
        cap_value = int(cap) if cap not in (None, "") else None
    except ValueError:
        raise DataError(_("cap must be a whole number")) from None
    return reads.get_count(user, doctype, filters=filters, or_filters=or_filters, cap=cap_value)


def get_list_count(request, user, doctype: str, filters=None, or_filters=None, **_ignored) -> dict:
    """Count for list views: exact up to the site's cap, else ``{"count": cap, "exact": false}``."""
    return reads.count_for_list(user, doctype, filters=filters, or_filters=or_filters)


def get_reportview_count(
    request, user, doctype: str, filters=None, or_filters=None, **_ignored
) -> int:
    """Frappe's list-view count (``frappe.desk.reportview.get_count``), capped like list views."""
    return int(get_list_count(request, user, doctype, filters, or_filters)["count"])


def get(
    request, user, doctype: str, name: str | None = None, filters=None, parent=None, **_ignored
):
    if not name and filters:
        row = reads.get_value(user, doctype, ["name"], filters)
        if row is None:
            raise_missing(doctype, str(filters))
        name = (row or {})["name"]
    return reads.get_doc(user, doctype, str(name))


def raise_missing(doctype: str, name: str):
    from lowcode.permissions.core import not_found

    raise not_found(doctype, name)


def get_value(
    request,
    user,
    doctype: str,
    fieldname: Any = "name",
    filters=None,
    as_dict=True,
    debug=False,
    parent=None,
    **_ignored,
):
    if isinstance(fieldname, str) and fieldname.startswith("["):
        fieldname = parse_json_param(fieldname, "fieldname")
    fields = fieldname if isinstance(fieldname, list) else [fieldname]
    row = reads.get_value(user, doctype, fields, filters)
    if row is None:
        return None
    if str(as_dict).lower() in ("0", "false") and len(fields) == 1:
        return row[fields[0]]
    return row


def _doc_arg(doc: Any) -> dict:
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            raise DataError(_("doc must be a JSON object")) from None
    if not isinstance(doc, dict) or not doc.get("doctype"):
        raise DataError(_("doc must be a JSON object with a doctype"))
    return doc


@_own_transaction
@_writes
def insert(request, user, doc=None, **_ignored):
    data = _doc_arg(doc)
    created = actions.do_insert_doc(user, data["doctype"], data)
    return reads.doc_to_dict(user, created)


@_own_transaction
@_writes
def save(request, user, doc=None, **_ignored):
    data = _doc_arg(doc)
    if not data.get("name"):
        raise DataError(_("doc must include its name"))
    saved = actions.do_update_doc(user, data["doctype"], data["name"], data)
    return reads.doc_to_dict(user, saved)


@_own_transaction
@_writes
def set_value(
    request, user, doctype: str, name: str, fieldname: Any, value: Any = None, **_ignored
):
    if isinstance(fieldname, str) and fieldname.startswith("{"):
        fieldname = parse_json_param(fieldname, "fieldname")
    data = fieldname if isinstance(fieldname, dict) else {fieldname: value}
    saved = actions.do_save_doc(user, doctype, name, data)
    return reads.doc_to_dict(user, saved)


@_own_transaction
@_writes
def delete(request, user, doctype: str, name: str, **_ignored) -> None:
    actions.do_delete_doc(user, doctype, name)
    return None


@_writes
def submit(request, user, doc=None, **_ignored):
    data = _doc_arg(doc)
    submitted = actions.do_submit_doc(
        user, data["doctype"], data.get("name", ""), data.get("modified")
    )
    return reads.doc_to_dict(user, submitted)


@_writes
def cancel(request, user, doctype: str, name: str, **_ignored):
    cancelled = actions.do_cancel_doc(user, doctype, name)
    return reads.doc_to_dict(user, cancelled)


@_writes
def amend_doc(request, user, doctype: str = "", name: str = "", **_ignored):
    """Make the next revision of a cancelled document (a new draft named ``<root>-N``)."""
    amended = actions.do_amend_doc(user, str(doctype), str(name))
    return reads.doc_to_dict(user, amended)


def get_doctype_meta(request, user, doctype: str, **_ignored) -> dict:
    """Return merged metadata (custom fields included) of a DocType the user may read."""
    if not has_doctype_permission(user, doctype, "read"):
        raise PermissionError(_("No permission to read {doctype}", doctype=_(doctype)))
    return get_meta(doctype).to_dict()


def get_versions(request, user, doctype: str, name: str, **_ignored) -> list:
    """Return the version history of a document the user may read, newest first."""
    from lowcode.models import Version
    from lowcode.query.serialize import to_json

    access_doc(user, doctype, name, "read")
    return [
        {
            "owner": v.owner,
            "creation": to_json(v.creation),
            "data": readable_version(user, doctype, v.data),
        }
        for v in Version.objects.filter(ref_doctype=doctype, docname=name).order_by(
            "-creation", "-id"
        )
    ]


@_writes
def assign_to(request, user, doctype: str, name: str, assign_to: Any = None, **_ignored) -> list:
    if isinstance(assign_to, str) and assign_to.startswith("["):
        assign_to = parse_json_param(assign_to, "assign_to")
    users = assign_to if isinstance(assign_to, list) else [assign_to]
    for assignee in users:
        actions.do_assign_doc(user, doctype, name, str(assignee))
    return users


@_writes
def generate_keys(request, user, user_name: str | None = None, **params) -> dict:
    """Issue an API key pair for yourself, or for anyone as System Manager."""
    from lowcode.users import do_generate_api_key

    target = user_name or params.get("user") or user
    if target != user and not is_system_manager(user):
        raise PermissionError(_("Only a System Manager may issue keys for other users"))
    if not get_user_model().objects.filter(username=target).exists():
        raise DoesNotExistError(_("User {user} not found", user=target))
    key, secret = do_generate_api_key(target)
    return {"api_key": key, "api_secret": secret}


@_writes
def update_password(
    request, user, new_password: Any = "", old_password: Any = "", **_ignored
) -> str:
    """Frappe's update_password: change one's own password (the current one is required).

    The new one must pass the site's policy; other sessions end, this one stays logged in.
    """
    from django.contrib.auth import update_session_auth_hash

    from lowcode.users import do_change_password

    do_change_password(user, str(old_password or ""), str(new_password or ""))
    if not getattr(request, "token_auth", False):
        update_session_auth_hash(request, get_user_model().objects.get(username=user))
    return "/app"


@_writes
def revoke_keys(request, user, user_name: str | None = None, **params) -> int:
    from lowcode.users import do_revoke_api_keys

    target = user_name or params.get("user") or user
    if target != user and not is_system_manager(user):
        raise PermissionError(_("Only a System Manager may revoke keys of other users"))
    return do_revoke_api_keys(target)


@_writes
def upload_file(
    request, user, is_private: Any = 1, doctype=None, docname=None, fieldname=None, **_ignored
) -> dict:
    """Frappe's upload_file: multipart ``file`` plus optional doctype/docname/fieldname."""
    from lowcode.files import do_upload_file

    upload = request.FILES.get("file")
    if upload is None:
        raise DataError(_("Send the file as multipart form field 'file'"))
    private = str(is_private).lower() not in ("0", "false", "")
    file_doc = do_upload_file(
        user, upload, is_private=private, doctype=doctype, docname=docname, fieldname=fieldname
    )
    return reads.doc_to_dict(user, file_doc)


def ping(request, user, **_ignored) -> str:
    return "pong"


ping.allow_guest = True  # type: ignore[attr-defined]


@_writes
def export_doctype(
    request, user, doctype: str = "", name: str = "", app: str = "", **_ignored
) -> list[str]:
    """Write a DocType made at run time as app JSON (``documents.schema.do_export_doctype``)."""
    from lowcode.documents.schema import do_export_doctype

    return do_export_doctype(user, doctype or name, app)
