"""Read every app's ``hooks.py`` (the single wiring file of an app).

Every recognised hook, its shape and its start-up check are listed in ``docs/hooks.md``;
``lowcode.hooks_checks`` checks each dotted path at start-up (``kuaicrm check``), e.g.
``doc_events`` ({doctype or "*": {event: [dotted paths]}}), ``scheduler_events``
({"all"|"hourly"|"daily"|"weekly"|"monthly": [...], "cron": {"*/5 * * * *": [...]}}),
``whitelisted_methods`` ({method: dotted path}), ``method_fallbacks``.
"""

from __future__ import annotations

import functools
from importlib import import_module
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


@functools.cache
def app_hooks() -> list[tuple[str, Any]]:
    modules = []
    for app in settings.LOWCODE_APPS:
        try:
            modules.append((app, import_module(f"{app}.hooks")))
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.hooks":
                raise
    return modules


def get_hooks(key: str) -> Any:
    """Merge one hook across apps: lists concatenate, dicts merge (their lists concatenate)."""
    merged: Any = None
    for _app, module in app_hooks():
        value = getattr(module, key, None)
        if value is None:
            continue
        if isinstance(value, dict):
            merged = merged if isinstance(merged, dict) else {}
            _merge_dict(merged, value)
        elif isinstance(value, list):
            merged = (merged or []) + list(value)
        else:
            merged = value
    return merged


def _merge_dict(into: dict, value: dict) -> None:
    for key, item in value.items():
        if isinstance(item, dict):
            into.setdefault(key, {})
            _merge_dict(into[key], item)
        elif isinstance(item, list) or isinstance(into.get(key), list):
            existing = into.get(key, [])
            existing = [existing] if isinstance(existing, str) else list(existing)
            into[key] = existing + (list(item) if isinstance(item, list) else [item])
        else:
            into[key] = item


@functools.cache
def resolve(path: str):
    """Import a dotted path once."""
    return import_string(path)


_handler_cache: dict[tuple, list] = {}


def doc_event_handlers(doctype: str, event: str) -> list:
    """The resolved ``doc_events`` handlers for ``event`` ("*" first), cached per process.

    The key holds the identity of every app's ``doc_events`` object, so replacing one (as a
    test's monkeypatch does) is seen at once; callers must not mutate the returned list.
    """
    key = (doctype, event, *(id(getattr(m, "doc_events", None)) for _app, m in app_hooks()))
    cached = _handler_cache.get(key)
    if cached is not None:
        return cached
    events = get_hooks("doc_events") or {}
    paths = []
    for name in ("*", doctype):
        found = events.get(name, {}).get(event, [])
        paths += [found] if isinstance(found, str) else list(found)
    handlers = [resolve(path) for path in paths]
    _handler_cache[key] = handlers
    return handlers
