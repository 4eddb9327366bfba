"""Inbox methods served under /api/method/ (wired in hooks.py): parse, call, render."""

from __future__ import annotations

from lowcode.api.methods import _writes
from lowcode.notify import actions
from lowcode.query import reads

INBOX_FIELDS = [
    "name",
    "subject",
    "email_content",
    "type",
    "document_type",
    "document_name",
    "read",
    "creation",
]


def get_notifications(request, user, limit=20, limit_start=0, **_ignored) -> list:
    """Return the user's notifications, unread first, newest first within each group."""
    return reads.get_list(
        user,
        actions.NOTIFICATION_LOG,
        fields=INBOX_FIELDS,
        filters=[["for_user", "=", user]],
        order_by="`read` asc, creation desc",
        limit_start=limit_start,
        limit=limit,
    )


def get_unread_count(request, user, **_ignored) -> int:
    return reads.get_count(
        user, actions.NOTIFICATION_LOG, filters=[["for_user", "=", user], ["read", "=", 0]]
    )


@_writes
def mark_as_read(request, user, docname: str = "", name: str = "", **_ignored) -> None:
    actions.do_mark_notification_read(user, docname or name)


@_writes
def mark_all_as_read(request, user, **_ignored) -> int:
    return actions.do_mark_all_notifications_read(user)
