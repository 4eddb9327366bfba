"""Fixed-window counters in the site's shared cache (database or Redis)."""

from __future__ import annotations

import time

from django.core.cache import cache


def _window(key: str, window: int) -> tuple[str, int]:
    now = int(time.time())
    start = now - now % window
    return f"rl:{key}:{start}", start + window - now


def retry_after(key: str, limit: int, window: int) -> int:
    """Return seconds to wait if ``key`` has used up its limit, else 0 (does not count)."""
    cache_key, remaining = _window(key, window)
    return remaining if (cache.get(cache_key) or 0) >= limit else 0


def hit(key: str, window: int) -> int:
    """Count one event for ``key`` in the current window; return the new count."""
    cache_key, remaining = _window(key, window)
    if cache.add(cache_key, 1, timeout=remaining + 1):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=remaining + 1)
        return 1


def reset(key: str, window: int) -> None:
    cache.delete(_window(key, window)[0])
