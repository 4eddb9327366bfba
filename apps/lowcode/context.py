"""A cache that lives for one request or one job.

Roles, department trees and similar reads are asked for many times per
request; they may change between requests in any process, so they are
cached per request, never per process.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "lowcode_request_cache", default=None
)


def reset() -> None:
    """Start a fresh cache (middleware calls this per request; jobs per job)."""
    _cache.set({})


def cached(key: tuple, compute: Callable[[], T]) -> T:
    store = _cache.get()
    if store is None:
        store = {}
        _cache.set(store)
    if key not in store:
        store[key] = compute()
    return store[key]


def forget(prefix: Any) -> None:
    """Drop cached entries whose key starts with ``prefix``."""
    store = _cache.get()
    if store:
        for key in [k for k in store if k and k[0] == prefix]:
            del store[key]
