"""Time the overhead of a trivial server script per document event; print figures.

Usage::

    KUAICRM_SITE=test .venv/bin/python bench/bench_scripts.py [--n 500]

Builds a throw-away test database (tests.settings), then measures:
- ``execute``: one run of ``doc.notes = 'x'`` in the sandbox worker with a 30-field document
  (JSON over the pipe, restricted exec, the answer back);
- ``event``: the same script as a Before Save DocType Event, as the extra time of
  ``do_insert_doc`` over the same insert with scripts switched off (doc → dict, run,
  changes applied back).
Target (issue 3): at most 2 ms per event for a trivial script. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(pct / 100 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    sys.path[:0] = [str(REPO_DIR / "apps"), str(REPO_DIR)]
    os.environ.setdefault("KUAICRM_SITE", "test")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import setup_databases, setup_test_environment

    setup_test_environment()
    setup_databases(verbosity=0, interactive=False)

    from lowcode.documents.actions import do_insert_doc
    from lowcode.scripts import engine
    from lowcode.setup import ensure_administrator, sync_roles

    sync_roles()
    ensure_administrator("Bench-pass-2026!")
    settings.SITE_CONFIG = {**settings.SITE_CONFIG, "server_script_enabled": True}

    doc = {f"field_{i}": f"value {i}" for i in range(30)}
    engine.execute("bench", "doc.notes = 'x'", user="Administrator", doc=doc)  # start worker
    runs = []
    for _ in range(args.n):
        start = time.perf_counter()
        engine.execute("bench", "doc.notes = 'x'", user="Administrator", doc=doc)
        runs.append((time.perf_counter() - start) * 1000)

    def insert(i: int, enabled: bool) -> float:
        settings.SITE_CONFIG = {**settings.SITE_CONFIG, "server_script_enabled": enabled}
        start = time.perf_counter()
        do_insert_doc("Administrator", "Test Order", {"title": f"t{i}", "priority": i})
        return (time.perf_counter() - start) * 1000

    do_insert_doc(
        "Administrator",
        "Server Script",
        {
            "name": "bench-event",
            "script_type": "DocType Event",
            "reference_doctype": "Test Order",
            "doctype_event": "Before Save",
            "script": "doc.notes = 'x'",
        },
    )
    for i in range(20):  # warm caches
        insert(i, i % 2 == 0)
    # Interleaved, so table growth and cache warmth weigh on both sides alike.
    with_script, without = [], []
    for i in range(args.n):
        with_script.append(insert(2 * i, True))
        without.append(insert(2 * i + 1, False))

    exec_p50 = statistics.median(runs)
    event_p50 = statistics.median(with_script) - statistics.median(without)
    print(f"execute trivial script: p50 {exec_p50:.3f} ms, p95 {percentile(runs, 95):.3f} ms")
    print(
        f"insert Test Order: p50 {statistics.median(without):.3f} ms without scripts, "
        f"{statistics.median(with_script):.3f} ms with one Before Save script"
    )
    print(f"per-event overhead of a trivial script: p50 {event_p50:.3f} ms (target <= 2 ms)")


if __name__ == "__main__":
    main()
