"""Checks of stored notification definitions, run by ``kuaicrm check`` (database checks).

notify.E001  Webhook or Robot Channel URL is not an absolute http(s) URL
notify.E002  Webhook condition does not parse
notify.E003  Notification (stored, or in an app's fixtures/notification.json) names a DocType
             or field that does not exist, or dates by a field that is not a date
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.checks import CheckMessage, Error
from django.db import DatabaseError

from lowcode.expressions import ExpressionError, compile_condition
from lowcode.notify.delivery import url_allowed
from lowcode.storage.factory import get_model


def url_error(doctype: str, name: str, url: str) -> Error:
    return Error(
        f"{doctype} '{name}' has URL '{url}', which is not an absolute http or https URL.",
        hint="Use a URL such as https://example.com/hook; other schemes are never requested.",
        obj=f"{doctype} {name}",
        id="notify.E001",
    )


def condition_error(name: str, condition: str, problem: str) -> Error:
    return Error(
        f"Webhook '{name}' has condition '{condition}', which does not parse: {problem}",
        hint="Write a safe expression over doc and user, e.g. doc.status == 'Open'.",
        obj=f"Webhook {name}",
        id="notify.E002",
    )


def condition_problem(condition: str | None) -> str | None:
    """Return why ``condition`` is not a valid expression, or None when it is (or is empty)."""
    if not (condition or "").strip():
        return None
    try:
        compile_condition(condition or "")
    except ExpressionError as exc:
        return str(exc) or "invalid expression"
    return None


def notification_error(name: str, problem: str, where: str = "") -> Error:
    return Error(
        f"Notification '{name}'{where} {problem}.",
        hint="Pick an existing DocType and its fields in the Notification form, or disable it.",
        obj=f"Notification {name}",
        id="notify.E003",
    )


def notification_problems(values: dict) -> list[str]:
    """What a Notification (a stored row's or a fixture's values) names that is missing or of
    the wrong kind, in English."""
    from lowcode.meta.registry import DoesNotExist, get_meta
    from lowcode.notify.rules import DATE_TYPES, DATED_EVENTS, USER_COLUMNS

    doctype = values.get("document_type") or ""
    try:
        meta = get_meta(doctype)
    except DoesNotExist:
        return [f"names DocType '{doctype}', which does not exist"]
    problems = []
    event = values.get("event")
    named = [("value_changed", values.get("value_changed"))] if event == "Value Change" else []
    if event in DATED_EVENTS:
        date_field = values.get("date_changed") or ""
        named.append(("date_changed", date_field))
        field = meta.get_field(date_field)
        if field is not None and (field.fieldtype not in DATE_TYPES or field.is_custom):
            problems.append(f"dates by field '{date_field}', which is not a date field")
    for recipient in values.get("recipients") or []:
        fieldname = recipient.get("receiver_by_document_field")
        if fieldname and fieldname not in USER_COLUMNS:
            named.append(("receiver_by_document_field", fieldname))
    for key, fieldname in named:
        if fieldname and meta.get_field(fieldname) is None:
            problems.append(f"has {key} '{fieldname}', which {doctype} lacks")
    return problems


def stored_values(row) -> dict:
    """A stored Notification as the checks read it."""
    return {
        "document_type": row.document_type,
        "event": row.event,
        "value_changed": row.value_changed,
        "date_changed": row.date_changed,
        "recipients": [
            {"receiver_by_document_field": r.receiver_by_document_field}
            for r in row.get_children("recipients")
        ],
    }


def check_fixtures() -> list[CheckMessage]:
    """Report every notification of an app's fixtures/notification.json that cannot work."""
    from lowcode.notify.loader import fixtures

    errors: list[CheckMessage] = []
    for fixture in fixtures():
        name = str(fixture.data.get("name") or "?")
        where = f" in {fixture.path.parent.parent.name}/fixtures/{fixture.path.name}"
        errors += [notification_error(name, p, where) for p in notification_problems(fixture.data)]
    return errors


def check_definitions() -> list[CheckMessage]:
    """Report every stored webhook, robot channel and notification that cannot work."""
    errors: list[CheckMessage] = []
    for row in get_model("Notification").objects.order_by("name"):
        errors += [
            notification_error(row.name, p) for p in notification_problems(stored_values(row))
        ]
    for hook in get_model("Webhook").objects.order_by("name"):
        if not url_allowed(hook.request_url):
            errors.append(url_error("Webhook", hook.name, hook.request_url))
        problem = condition_problem(hook.condition)
        if problem:
            errors.append(condition_error(hook.name, hook.condition, problem))
    for channel in get_model("Robot Channel").objects.order_by("name"):
        if not url_allowed(channel.webhook_url):
            errors.append(url_error("Robot Channel", channel.name, channel.webhook_url))
    return errors


def run_checks(app_configs: Iterable | None = None, databases=None, **kwargs) -> list:
    if not databases:
        return []
    try:
        return check_fixtures() + check_definitions()
    except DatabaseError:
        return []  # not migrated yet: nothing stored to check
