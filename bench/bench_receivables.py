"""Receivables Aging over 50k contracts and 200k receipts: the report's p95 beside raw SQL.

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/bench_receivables.py [--contracts 50000]
                                            [--receipts 200000] [--runs 30] [--json out.json]

Loads (once; ``BENCH-`` names, so a re-run only tops up) signed contracts, one Payment Plan
per contract with three installments (due dates over the last year and the next half year),
and received Payment Receipts each allocated to one installment, written straight into the
real tables with one ``executemany`` per table per batch (``RowWriter`` of generate_leads.py);
the plans' paid and outstanding amounts follow the receipts as ``kuaicrm/cash.py`` keeps them.
Then times ``run_report("Receivables Aging")`` in-process (a fresh request context per run)
as Administrator (every plan), a department's Sales Manager and a Sales User, grouped by
customer and by owner, beside the hand-written JOIN + GROUP BY of the same buckets: p50/p95
wall time and CPU time per request. Target: p95 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import summarise
from generate_leads import RowWriter, tune_connection
from generate_opportunities import setup_django, users_and_departments

REPORT = "Receivables Aging"
TARGET_P95_MS = 300
BATCH = 5000
CUSTOMERS = 5000


def ensure_people() -> list[str]:
    """generate_leads.py's 50 sales people in 10 departments (made here on a fresh site)."""
    from django.contrib.auth import get_user_model

    people = sorted(users_and_departments())
    if not get_user_model().objects.filter(username=people[0]).exists():
        from faker import Faker
        from generate_leads import ensure_organisation

        ensure_organisation(Faker("zh_CN"))
    return people


def ensure_data(contracts: int, receipts: int, seed: int) -> dict:
    """Top the BENCH- contracts, plans, installments and receipts up to the wanted counts."""
    from django.db import connection, transaction
    from django.utils import timezone

    from lowcode.storage.factory import get_model

    Contract, Plan = get_model("Contract"), get_model("Payment Plan")
    Installment, Receipt = get_model("Payment Plan Installment"), get_model("Payment Receipt")
    Allocation, Customer = get_model("Payment Receipt Allocation"), get_model("Customer")
    have = Contract.objects.filter(name__startswith="BENCH-HT-").count()
    have_receipts = Receipt.objects.filter(name__startswith="BENCH-HK-").count()
    rng = random.Random(seed)
    people = ensure_people()
    now = timezone.now()
    today = timezone.localdate()
    started = time.perf_counter()
    tune_connection()
    with transaction.atomic():
        have_customers = Customer.objects.filter(name__startswith="BENCH-CUST-").count()
        missing_customers = [f"BENCH-CUST-{i:05d}" for i in range(have_customers, CUSTOMERS)]
        writer = RowWriter(Customer, "executemany")
        rows = [
            {"name": name, "customer_name": f"基准客户{name[-5:]}", "owner": "Administrator",
             "creation": now, "modified": now, "modified_by": "Administrator", "docstatus": 0,
             "idx": 0, "_custom": {}}
            for name in missing_customers
        ]  # fmt: skip
        for i in range(0, len(rows), BATCH):
            writer.write(rows[i : i + BATCH])
    writers = {
        m: RowWriter(m, "executemany") for m in (Contract, Plan, Installment, Receipt, Allocation)
    }
    base = {"creation": now, "modified": now, "modified_by": "Administrator", "idx": 0,
            "_custom": {}}  # fmt: skip
    for start in range(have, contracts, BATCH):
        batch: dict = {m: [] for m in writers}
        for i in range(start, min(start + BATCH, contracts)):
            owner = people[i % len(people)]
            customer = f"BENCH-CUST-{rng.randrange(CUSTOMERS):05d}"
            amount = Decimal(rng.randrange(20, 2000) * 1000)
            sign = today - dt.timedelta(days=rng.randrange(20, 700))
            contract, plan = f"BENCH-HT-{i:07d}", f"BENCH-PP-{i:07d}"
            batch[Contract].append(
                {**base, "name": contract, "owner": owner, "docstatus": 1,
                 "contract_title": f"基准合同 {i}", "customer": customer, "sales_owner": owner,
                 "amount": amount, "grand_total": amount, "sign_date": sign,
                 "status": "In Execution", "workflow_state": "Signed"}
            )  # fmt: skip
            parts = [amount * Decimal("0.3"), amount * Decimal("0.4"), amount * Decimal("0.3")]
            batch[Plan].append(
                {**base, "name": plan, "owner": owner, "docstatus": 0, "customer": customer,
                 "contract": contract, "sales_owner": owner, "total_amount": amount,
                 "paid_amount": 0, "outstanding_amount": amount, "status": "Unpaid",
                 "naming_series": "PP-.YYYY.-.#####"}
            )  # fmt: skip
            for k, part in enumerate(parts):
                due = today + dt.timedelta(days=rng.randrange(-365, 180))
                batch[Installment].append(
                    {**base, "name": f"{plan}-{k}", "owner": owner, "docstatus": 0, "idx": k + 1,
                     "parent": plan, "parenttype": "Payment Plan", "parentfield": "installments",
                     "due_date": due, "amount": part, "paid_amount": 0,
                     "outstanding_amount": part, "status": "Unpaid"}
                )  # fmt: skip
        with transaction.atomic():
            for model, rows in batch.items():
                if rows:
                    writers[model].write(rows)
        print(f"[receivables] contracts {min(start + BATCH, contracts):,}", flush=True)
    # Receipts: each pays part of one installment (a random contract's first or second).
    for start in range(have_receipts, receipts, BATCH):
        batch = {Receipt: [], Allocation: []}
        paid: dict[str, Decimal] = {}
        for i in range(start, min(start + BATCH, receipts)):
            c = rng.randrange(contracts)
            owner = people[c % len(people)]
            installment = f"BENCH-PP-{c:07d}-{rng.randrange(2)}"
            amount = Decimal(rng.randrange(1, 20) * 500)
            name = f"BENCH-HK-{i:07d}"
            batch[Receipt].append(
                {**base, "name": name, "owner": "Administrator", "docstatus": 1,
                 "customer": f"BENCH-CUST-{rng.randrange(CUSTOMERS):05d}",
                 "receipt_date": today - dt.timedelta(days=rng.randrange(0, 700)),
                 "amount": amount, "payment_method": "Bank Transfer", "sales_owner": owner,
                 "allocated_amount": amount, "unallocated_amount": 0,
                 "naming_series": "HK-.YYYY.-.#####"}
            )  # fmt: skip
            batch[Allocation].append(
                {**base, "name": f"{name}-A", "owner": "Administrator", "docstatus": 1, "idx": 1,
                 "parent": name, "parenttype": "Payment Receipt", "parentfield": "allocations",
                 "payment_plan": f"BENCH-PP-{c:07d}", "installment": installment,
                 "contract": f"BENCH-HT-{c:07d}", "allocated_amount": amount}
            )  # fmt: skip
            paid[installment] = paid.get(installment, Decimal(0)) + amount
        with transaction.atomic():
            writers[Receipt].write(batch[Receipt])
            writers[Allocation].write(batch[Allocation])
            # What the receipts' settlement does to the installments: one executemany.
            table = connection.ops.quote_name(Installment._meta.db_table)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET paid_amount = paid_amount + %s, "
                    "outstanding_amount = outstanding_amount - %s, status = 'Partly Paid' "
                    "WHERE name = %s",
                    [(str(amount), str(amount), row_name) for row_name, amount in paid.items()],
                )
        print(f"[receivables] receipts {min(start + BATCH, receipts):,}", flush=True)
    # Fully paid installments are closed, as the plan's settlement marks them.
    Installment.objects.filter(name__startswith="BENCH-PP-", outstanding_amount__lte=0).update(
        status="Paid", outstanding_amount=0
    )
    return {"seconds": round(time.perf_counter() - started, 1)}


RAW_SQL = """
SELECT p.{group} AS grp,
  SUM(CASE WHEN i.due_date >= %s THEN i.outstanding_amount ELSE 0 END),
  SUM(CASE WHEN i.due_date <= %s AND i.due_date >= %s THEN i.outstanding_amount ELSE 0 END),
  SUM(CASE WHEN i.due_date <= %s AND i.due_date >= %s THEN i.outstanding_amount ELSE 0 END),
  SUM(CASE WHEN i.due_date <= %s AND i.due_date >= %s THEN i.outstanding_amount ELSE 0 END),
  SUM(CASE WHEN i.due_date <= %s THEN i.outstanding_amount ELSE 0 END),
  SUM(i.outstanding_amount)
FROM "tabPayment Plan Installment" i JOIN "tabPayment Plan" p ON p.name = i.parent
WHERE i.parenttype = 'Payment Plan' AND i.outstanding_amount > 0
  AND i.status NOT IN ('Paid', 'Cancelled') AND p.status <> 'Cancelled' {scope}
GROUP BY p.{group}
"""


def raw_aging(group: str, owners: list[str] | None) -> list:
    """The same buckets by hand: one JOIN + GROUP BY (owners: the scope's plan owners)."""
    from django.db import connection
    from django.utils import timezone

    today = timezone.localdate()

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    params: list = [today, ago(1), ago(30), ago(31), ago(60), ago(61), ago(90), ago(91)]
    scope = ""
    if owners is not None:
        scope = f"AND p.owner IN ({', '.join(['%s'] * len(owners))})"
        params += owners
    sql = RAW_SQL.format(group=group, scope=scope)
    if connection.vendor != "sqlite":
        sql = sql.replace('"', "`")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def measure_cpu(call, runs: int, warmup: int) -> dict:
    for i in range(warmup):
        call(i)
    wall, cpu = [], []
    for i in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        call(i)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    figures = summarise(wall)
    figures["cpu_ms"] = round(sum(cpu) / len(cpu), 2)
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--receipts", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    site = setup_django()

    from django.db import connection

    from kuaicrm.reports import install_reports
    from kuaicrm.targets import department_members
    from lowcode import context
    from lowcode.permissions.core import user_department
    from lowcode.reports.engine import run_report
    from lowcode.storage.factory import get_model

    install_reports()
    loaded = ensure_data(args.contracts, args.receipts, args.seed)
    Installment = get_model("Payment Plan Installment")
    print(
        f"[receivables] site {site} ({connection.vendor}): "
        f"{get_model('Contract').objects.count():,} contracts, "
        f"{get_model('Payment Receipt').objects.count():,} receipts, "
        f"{Installment.objects.count():,} installments (load {loaded['seconds']} s)",
        flush=True,
    )
    people = ensure_people()
    manager, rep = people[0], people[1]
    users = {"Administrator (all)": ("Administrator", None),
             f"Sales Manager {manager} (department)": (
                 manager, [*department_members(user_department(manager)), manager]),
             f"Sales User {rep} (own)": (rep, [rep])}  # fmt: skip
    results: dict = {"site": site, "vendor": connection.vendor, "target_p95_ms": TARGET_P95_MS,
                     "figures": []}  # fmt: skip
    print(f"{'user':42} {'group':12} {'report p50/p95 ms':>20} {'cpu ms':>7} "
          f"{'raw p50/p95 ms':>18} {'cpu ms':>7}")  # fmt: skip
    for label, (user, owners) in users.items():
        for group_by, column in (("Customer", "customer"), ("Sales Owner", "sales_owner")):

            def report(_i: int, user: str = user, group_by: str = group_by) -> object:
                context.reset()
                return run_report(user, REPORT, {"group_by": group_by})

            def raw(_i: int, column: str = column, owners=owners) -> object:
                return raw_aging(column, owners)

            # The same answer first: the raw SQL's total is the report's.
            answer = report(0)["result"]
            rows = len(answer)
            raw_total = round(sum(float(r[-1] or 0) for r in raw(0)), 2)
            ours_total = round(sum(r["outstanding"] for r in answer), 2)
            assert abs(raw_total - ours_total) < 0.01 * max(rows, 1), (label, raw_total, ours_total)
            ours = measure_cpu(report, args.runs, args.warmup)
            floor = measure_cpu(raw, args.runs, args.warmup)
            flag = "ok" if ours["p95"] <= TARGET_P95_MS else "OVER"
            print(f"{label:42} {group_by:12} {ours['p50']:>9.1f} / {ours['p95']:<8.1f} "
                  f"{ours['cpu_ms']:>7.1f} {floor['p50']:>7.1f} / {floor['p95']:<8.1f} "
                  f"{floor['cpu_ms']:>7.1f} {flag}"
                  f"  ({rows:,} rows)", flush=True)  # fmt: skip
            results["figures"].append({"user": label, "group_by": group_by, "rows": rows,
                                       "report": ours, "raw": floor})  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return results


if __name__ == "__main__":
    main()
