"""A long-running web worker keeps no memory per field value it has seen.

Phone numbers and company names are parsed through per-process caches (an import row asks
several times); those caches must stay small, or every distinct value a worker validates
stays in its memory (bench/bench_memory.py measures the whole worker).
"""

from __future__ import annotations

import gc
import tracemalloc

from lowcode.rules.duplicates import make_key
from lowcode.storage.validation import parse_phone

DISTINCT_VALUES = 20_000
BOUND = 8 * 1024 * 1024  # bytes; a few thousand cached values fit, twenty thousand do not


def test_distinct_values_leave_bounded_memory_behind():
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        # when: what a worker's saves and duplicate checks meet over a day, all different
        for i in range(DISTINCT_VALUES):
            make_key("Phone", f"139{i:08d}")
            make_key("Company Name", f"苏州第{i}精密机械有限公司")
            parse_phone(f"021-6{i:07d}")
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    # then
    assert retained < BOUND, f"{retained / 1024 / 1024:.1f} MB kept for {DISTINCT_VALUES} values"
