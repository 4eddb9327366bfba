"""Viewing the desk as another user: a System Manager checks what a user's rules let them see.

Read-only impersonation: while the session views as someone, every read runs as that user
(the same permission layer, so lists, forms, reports and exports show exactly their data),
nothing can be written, and the session's real user stays the System Manager. Starting and
ending are audited. Nobody may view as a System Manager or the Administrator (their view is
the admin's own, and it would let one admin act under another's name).
"""

from __future__ import annotations

from django.db import transaction

from lowcode.admin.activity import do_log_activity
from lowcode.admin.users import get_user
from lowcode.exceptions import FieldError, FrappeError, ValidationError
from lowcode.i18n import _
from lowcode.permissions.core import (
    ADMINISTRATOR,
    GUEST,
    SYSTEM_MANAGER,
    is_system_manager,
    require_system_manager,
)

SESSION_KEY = "view_as"
STARTED = "View As Started"
ENDED = "View As Ended"
LOGOUT_PATHS = ("/logout", "/api/method/logout")
# Requests a viewing-as session may still POST: ending it, logging out or in, the language.
ALLOWED_WRITES = (
    "/app/view-as/end",
    "/logout",
    "/api/method/logout",
    "/login",
    "/api/method/login",
    "/app/language",
)


def check_view_as(user: str, target: str) -> None:
    """Refuse a target no one may view as, naming why."""
    require_system_manager(user)
    account = get_user(target)

    def refuse(message: str) -> None:
        raise ValidationError(message, [FieldError("user", "view_as", message)])

    if target in (user, GUEST):
        refuse(_("Choose another user to view the desk as"))
    if target == ADMINISTRATOR or is_system_manager(target):
        refuse(_("You cannot view the desk as a System Manager or the Administrator"))
    if not account.is_active:
        refuse(_("User {user} is disabled", user=target))


def viewable_users(roles, limit: int = 200) -> list[tuple[str, str]]:
    """(username, full name) of active users holding any of ``roles`` whom a System Manager
    may view the desk as, by name; two queries."""
    from django.contrib.auth import get_user_model

    from lowcode.models import HasRole

    holders = HasRole.objects.filter(role__in=list(roles)).values("user_id")
    admins = HasRole.objects.filter(role=SYSTEM_MANAGER).values("user_id")
    accounts = (
        get_user_model()
        .objects.filter(is_active=True, id__in=holders)
        .exclude(id__in=admins)
        .exclude(username__in=(ADMINISTRATOR, GUEST))
        .select_related("profile")
        .order_by("username")[:limit]
    )
    return [
        (a.username, getattr(getattr(a, "profile", None), "full_name", "") or a.username)
        for a in accounts
    ]


@transaction.atomic
def do_start_view_as(user: str, target: str, session, ip_address: str = "") -> None:
    """Make ``session`` (a Django session) read as ``target`` until it ends; audited."""
    check_view_as(user, target)
    do_log_activity(
        user,
        STARTED,
        _("{user} viewed the desk as {target}", user=user, target=target),
        "User",
        target,
        ip_address,
    )
    session[SESSION_KEY] = target


@transaction.atomic
def do_end_view_as(user: str, session, ip_address: str = "") -> str | None:
    """Stop viewing as; return whom the session viewed as (None if it did not)."""
    target = session.pop(SESSION_KEY, None)
    if target:
        do_log_activity(
            user,
            ENDED,
            _("{user} stopped viewing the desk as {target}", user=user, target=target),
            "User",
            target,
            ip_address,
        )
    return target


def viewed_user(real_user: str, session) -> str | None:
    """Whom this session reads as, or None. Checked on every request, so a view ends by
    itself once the admin loses System Manager or the target becomes one or is disabled."""
    target = session.get(SESSION_KEY) if session is not None else None
    if not target:
        return None
    try:
        check_view_as(real_user, target)
    except FrappeError:  # any refusal simply ends the view
        session.pop(SESSION_KEY, None)
        return None
    return target
