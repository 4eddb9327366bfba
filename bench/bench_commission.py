"""Monthly commission statements for 50 sales people in one action (target ≤ 2 s).

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/bench_commission.py [--receipts-per-person 30]
                                                        [--runs 5] [--month 2031-01]

In one transaction that is rolled back after each run (so every run does the same work):
two Commission Rules (CNC machines progressive with a cap, all groups whole-amount), one
contract per person with two product groups and a payment plan, and ``--receipts-per-person``
received Payment Receipts dated in ``--month`` allocated to the plan (written with one
``executemany`` per table, as bench_receivables.py does); then
``do_make_commission_statements("Administrator", month)`` is timed: first computation
(inserts 50 statements) and a recomputation (saves the 50 drafts again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_receivables import ensure_people
from generate_leads import RowWriter
from generate_opportunities import setup_django

TARGET_S = 2.0


class Rollback(Exception):
    pass


def make_month(people: list[str], month: str, per_person: int) -> int:
    """Rules, contracts with items, plans and receipts of ``month`` (inside the caller's transaction)."""
    from django.utils import timezone

    from lowcode.documents.actions import do_insert_doc
    from lowcode.storage.factory import get_model

    Product = get_model("Product")
    for name, group in (("基准数控车床", "CNC Machine Tools"), ("基准备件", "Spare Parts")):
        if not Product.objects.filter(name=name).exists():
            do_insert_doc(
                "Administrator", "Product", {"product_name": name, "product_group": group}
            )
    do_insert_doc("Administrator", "Commission Rule", {
        "rule_name": "基准机床提成", "product_group": "CNC Machine Tools",
        "calculation": "Progressive", "effective_from": "2000-01-01", "cap_amount": 50000,
        "tiers": [{"from_amount": 0, "to_amount": 100000, "rate": 2},
                  {"from_amount": 100000, "to_amount": 500000, "rate": 3},
                  {"from_amount": 500000, "rate": 4}]})  # fmt: skip
    do_insert_doc("Administrator", "Commission Rule", {
        "rule_name": "基准通用提成", "calculation": "Whole Amount",
        "effective_from": "2000-01-01",
        "tiers": [{"from_amount": 0, "to_amount": 200000, "rate": 1},
                  {"from_amount": 200000, "rate": 1.5}]})  # fmt: skip
    now = timezone.now()
    base = {"creation": now, "modified": now, "modified_by": "Administrator", "_custom": {}}
    start = dt.date.fromisoformat(f"{month}-01")
    models = {k: get_model(k) for k in ("Contract", "Contract Item", "Payment Plan",
                                        "Payment Plan Installment", "Payment Receipt",
                                        "Payment Receipt Allocation")}  # fmt: skip
    rows: dict = {k: [] for k in models}
    count = 0
    for p, person in enumerate(people):
        contract, plan = f"CBENCH-HT-{p:03d}", f"CBENCH-PP-{p:03d}"
        customer = f"BENCH-CUST-{p:05d}"
        rows["Contract"].append({**base, "name": contract, "owner": person, "docstatus": 1,
                                 "idx": 0, "contract_title": "提成基准", "customer": customer,
                                 "sales_owner": person, "amount": 10_000_000})  # fmt: skip
        for k, (product, amount) in enumerate(
            (("基准数控车床", 7_000_000), ("基准备件", 3_000_000))
        ):
            rows["Contract Item"].append({**base, "name": f"{contract}-{k}", "owner": person,
                                          "docstatus": 1, "idx": k + 1, "parent": contract,
                                          "parenttype": "Contract", "parentfield": "items",
                                          "product": product, "qty": 1, "rate": amount,
                                          "amount": amount})  # fmt: skip
        rows["Payment Plan"].append({**base, "name": plan, "owner": person, "docstatus": 0,
                                     "idx": 0, "customer": customer, "contract": contract,
                                     "sales_owner": person, "total_amount": 10_000_000,
                                     "status": "Partly Paid"})  # fmt: skip
        rows["Payment Plan Installment"].append({**base, "name": f"{plan}-0", "owner": person,
                                                 "docstatus": 0, "idx": 1, "parent": plan,
                                                 "parenttype": "Payment Plan",
                                                 "parentfield": "installments",
                                                 "due_date": start, "amount": 10_000_000,
                                                 "status": "Partly Paid"})  # fmt: skip
        for r in range(per_person):
            name = f"CBENCH-HK-{p:03d}-{r:03d}"
            amount = Decimal(5000 + 1000 * ((p * 7 + r * 13) % 40))
            rows["Payment Receipt"].append({**base, "name": name, "owner": "Administrator",
                                            "docstatus": 1, "idx": 0, "customer": customer,
                                            "receipt_date": start + dt.timedelta(days=r % 28),
                                            "amount": amount, "sales_owner": person,
                                            "allocated_amount": amount,
                                            "unallocated_amount": 0})  # fmt: skip
            rows["Payment Receipt Allocation"].append({**base, "name": f"{name}-A",
                                                       "owner": "Administrator", "docstatus": 1,
                                                       "idx": 1, "parent": name,
                                                       "parenttype": "Payment Receipt",
                                                       "parentfield": "allocations",
                                                       "payment_plan": plan,
                                                       "installment": f"{plan}-0",
                                                       "contract": contract,
                                                       "allocated_amount": amount})  # fmt: skip
            count += 1
    for key, model in models.items():
        RowWriter(model, "executemany").write(rows[key])
    return count


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--receipts-per-person", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--month", default="2031-01")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    site = setup_django()

    from django.db import connection, transaction

    from kuaicrm.commission import do_make_commission_statements
    from lowcode import context
    from lowcode.workflow.loader import sync_workflows

    sync_workflows()
    people = ensure_people()[:50]
    first, again, cpu = [], [], []
    receipts = made = 0
    for _run in range(args.runs):
        try:
            with transaction.atomic():
                receipts = make_month(people, args.month, args.receipts_per_person)
                context.reset()
                started, cpu_started = time.perf_counter(), time.process_time()
                result = do_make_commission_statements("Administrator", args.month)
                first.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                made = len(result["created"])
                context.reset()
                started = time.perf_counter()
                do_make_commission_statements("Administrator", args.month)
                again.append(time.perf_counter() - started)
                raise Rollback
        except Rollback:
            pass
    figures = {
        "site": site,
        "vendor": connection.vendor,
        "people": len(people),
        "statements": made,
        "receipts": receipts,
        "first_s": {"median": round(statistics.median(first), 3), "max": round(max(first), 3)},
        "recompute_s": {"median": round(statistics.median(again), 3), "max": round(max(again), 3)},
        "cpu_s": round(statistics.median(cpu), 3),
        "target_s": TARGET_S,
    }
    flag = "ok" if figures["first_s"]["max"] <= TARGET_S else "OVER"
    print(
        f"[commission] {site} ({connection.vendor}): {made} statements from {receipts:,} receipts: "
        f"first {figures['first_s']['median']:.3f} s (max {figures['first_s']['max']:.3f}, "
        f"CPU {figures['cpu_s']:.3f}), recompute {figures['recompute_s']['median']:.3f} s "
        f"[{flag}, target ≤ {TARGET_S} s]"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    return figures


if __name__ == "__main__":
    main()
