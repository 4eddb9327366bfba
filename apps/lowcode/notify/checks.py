"""Checks of stored notification definitions, run by ``kuaicrm check`` (database checks).

notify.E001  Webhook or Robot Channel URL is not an absolute http(s) URL
notify.E002  Webhook condition does not parse
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


def check_definitions() -> list[CheckMessage]:
    """Report every stored webhook and robot channel with a bad URL or condition."""
    errors: list[CheckMessage] = []
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
