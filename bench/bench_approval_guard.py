"""What the approval-integrity guard costs a save, beside the same save without a workflow.

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/bench_approval_guard.py [--saves 300]

On the bench site (any database) it creates Contracts through the actions and times, per save,
``do_save_doc`` of a Draft Contract while the Contract Approval workflow is active (the guard
compares the saved fields, looks for open approvals, and checks routing fields), the same save
with the workflow switched off, and a raw ``UPDATE`` of one row by primary key. It prints p50 /
p95 wall time, CPU time per save, and the ratios. The workflow is switched back on at the end.
Nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parent / "apps"), str(BENCH_DIR.parent), str(BENCH_DIR)]

from generate_leads import setup_django  # noqa: E402


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _time_saves(names: list[str], amount_step: int) -> tuple[list[float], float]:
    from lowcode import context
    from lowcode.documents.actions import do_save_doc

    wall, cpu_started = [], time.process_time()
    for index, name in enumerate(names):
        context.reset()
        started = time.perf_counter()
        do_save_doc("Administrator", "Contract", name, {"amount": 1000 + index + amount_step})
        wall.append((time.perf_counter() - started) * 1000)
    return wall, (time.process_time() - cpu_started) * 1000 / len(names)


def _raw_updates(names: list[str]) -> list[float]:
    from django.db import connection, transaction

    from lowcode.storage.factory import get_model

    table = connection.ops.quote_name(get_model("Contract")._meta.db_table)
    wall = []
    for index, name in enumerate(names):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET amount = %s WHERE name = %s",  # the table name is ours
                [2000 + index, name],
            )
        wall.append((time.perf_counter() - started) * 1000)
    return wall


def _set_workflow_active(active: bool) -> None:
    from lowcode.documents.actions import do_save_doc
    from lowcode.meta import registry
    from lowcode.storage.factory import get_model
    from lowcode.workflow.checks import loading_fixtures

    name = get_model("Workflow").objects.get(document_type="Contract").name
    # As the fixture loader does: a bench site may hold no legal or finance users yet.
    with loading_fixtures():
        do_save_doc("Administrator", "Workflow", name, {"is_active": int(active)})
    registry.clear_local_cache()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args(argv)
    site = setup_django()

    from lowcode.documents.actions import do_insert_doc
    from lowcode.workflow.loader import sync_workflows

    sync_workflows()
    names = [
        do_insert_doc(
            "Administrator", "Contract", {"contract_title": f"基准合同 {i}", "amount": 1000}
        ).name
        for i in range(args.saves)
    ]
    guarded, guarded_cpu = _time_saves(names, 1)
    _set_workflow_active(False)
    try:
        plain, plain_cpu = _time_saves(names, 2)
    finally:
        _set_workflow_active(True)
    raw = _raw_updates(names)

    def line(label: str, values: list[float], cpu: float | None = None) -> str:
        cpu_text = f", CPU {cpu:.2f} ms/save" if cpu is not None else ""
        return (
            f"  {label:<34} p50 {statistics.median(values):7.2f} ms  "
            f"p95 {_percentile(values, 0.95):7.2f} ms{cpu_text}"
        )

    print(f"Approval guard on {site}: {args.saves} saves of a Draft Contract (amount changed)")
    print(line("do_save_doc, workflow active", guarded, guarded_cpu))
    print(line("do_save_doc, workflow off", plain, plain_cpu))
    print(line("raw UPDATE by primary key", raw))
    print(
        f"  guard overhead: x{statistics.median(guarded) / statistics.median(plain):.2f} "
        f"of the save without workflow; save vs raw SQL "
        f"x{statistics.median(guarded) / statistics.median(raw):.1f}"
    )


if __name__ == "__main__":
    main()
