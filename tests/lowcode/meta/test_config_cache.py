"""Configuration cached per process is dropped when any process changes configuration."""

from __future__ import annotations

from django.db.models import F

from lowcode.meta import registry
from lowcode.models import MetaGeneration


def test_cached_configuration_is_reused_until_the_generation_changes(db):
    calls: list[int] = []

    def load() -> int:
        calls.append(1)
        return len(calls)

    registry.refresh()
    assert registry.config_cached(("test", "cfg"), load) == 1
    assert registry.config_cached(("test", "cfg"), load) == 1  # served from the cache

    # when another process saves a configuration document, it bumps the shared generation
    if not MetaGeneration.objects.filter(pk=1).update(generation=F("generation") + 1):
        MetaGeneration.objects.create(pk=1, generation=1)
    # then this process reloads on its next request (middleware calls refresh)
    registry.refresh()

    assert registry.config_cached(("test", "cfg"), load) == 2
    assert len(calls) == 2


def test_a_local_bump_drops_the_cache_at_once(db):
    values = iter(["old", "new"])
    assert registry.config_cached(("test", "bump"), lambda: next(values)) == "old"

    registry.bump_generation()

    assert registry.config_cached(("test", "bump"), lambda: next(values)) == "new"
