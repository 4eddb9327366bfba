"""Cache keys built from DocType names are valid memcached keys (no spaces, at most 250 bytes)."""

from __future__ import annotations

import warnings

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import CacheKeyWarning, memcache_key_warnings

from lowcode.rules import scoring

NAMES = ["Service Ticket", "服务工单", "设备巡检记录" * 10, "Lead"]


@pytest.mark.parametrize("doctype", NAMES)
def test_the_rescore_progress_key_is_a_valid_memcached_key(db, doctype):
    key = cache.make_key(scoring._progress_key(doctype))
    assert list(memcache_key_warnings(key)) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        scoring._set_progress(doctype, "running", 3, 10)
        assert scoring.rescore_progress(doctype)["done"] == 3


def test_two_long_names_keep_two_keys():
    assert scoring._progress_key("设备巡检记录" * 10) != scoring._progress_key("设备巡检明细" * 10)
