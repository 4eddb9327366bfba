"""Checks of stored notification definitions, run by ``kuaicrm check`` (database checks).

notify.E001  Webhook or Robot Channel URL is not an absolute http(s) URL
notify.E002  Webhook condition does not parse
notify.E003  Notification names a DocType or field that does not exist (or a field of the
             wrong kind: a date for Days After/Before, a user or email field for a recipient)
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


def notification_error(name: str, problem: str) -> Error:
    return Error(
        f"Notification '{name}' {problem}.",
        hint="Pick an existing DocType and its fields in the Notification form, or disable it.",
        obj=f"Notification {name}",
        id="notify.E003",
    )


def notification_problems(row) -> list[str]:
    """What a stored Notification names that is missing or of the wrong kind (English)."""
    from lowcode.meta.registry import DoesNotExist, get_meta
    from lowcode.notify.rules import DATE_TYPES, DATED_EVENTS

    try:
        meta = get_meta(row.document_type)
    except DoesNotExist:
        return [f"names DocType '{row.document_type}', which does not exist"]
    problems = []
    named = [("value_changed", row.value_changed)] if row.event == "Value Change" else []
    if row.event in DATED_EVENTS:
        named.append(("date_changed", row.date_changed))
        field = meta.get_field(row.date_changed or "")
        if field is not None and (field.fieldtype not in DATE_TYPES or field.is_custom):
            problems.append(f"dates by field '{row.date_changed}', which is not a date field")
    for recipient in row.get_children("recipients"):
        if recipient.receiver_by_document_field not in ("", None, "owner", "modified_by"):
            named.append(("receiver_by_document_field", recipient.receiver_by_document_field))
    for key, fieldname in named:
        if fieldname and meta.get_field(fieldname) is None:
            problems.append(f"has {key} '{fieldname}', which {row.document_type} lacks")
    return problems


def check_definitions() -> list[CheckMessage]:
    """Report every stored webhook, robot channel and notification that cannot work."""
    errors: list[CheckMessage] = []
    for row in get_model("Notification").objects.order_by("name"):
        errors += [notification_error(row.name, p) for p in notification_problems(row)]
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
        return check_definitions()
    except DatabaseError:
        return []  # not migrated yet: nothing stored to check
