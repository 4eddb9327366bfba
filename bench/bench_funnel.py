"""Time the Sales Funnel report beside the same aggregate in raw SQL (issue 5).

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/bench_funnel.py [--runs 50] [--json F]

Run ``bench/generate_opportunities.py`` first (300,000 opportunities on the 1M-lead site).
``run_report`` in-process (the engine's access check, filter parsing, the permission layer,
the report's GROUP BY and its folding; no HTTP), each run a fresh request context, as a Sales
Manager of the root department (every deal), a department's Sales Manager, a Sales User
(own scope), with no filter and with the period, source and product filters. Beside each: the
hand-written SQL of the same aggregate (same scope, same filters, ``GROUP BY furthest_stage_order,
stage``) on the same connection; ratio = report p95 / raw p95. Prints the
query plans. Target: report p95 ≤ 300 ms. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bench_api import measure

TARGET_P95_MS = 300.0
ROOT_MANAGER = "sales01"  # Sales Manager of 销售中心: every department below it
MANAGER = "sales06"  # Sales Manager of 华东销售一部
SALES_USER = "sales02"  # Sales User, own scope
REPORT = "Sales Funnel"


def setup_django() -> str:
    os.environ.setdefault("KUAICRM_SITE", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lowcode.conf.settings")
    from lowcode.conf.site import site_path

    if not (site_path() / "site_config.json").exists():
        sys.exit(f"Site {os.environ['KUAICRM_SITE']!r} does not exist: run kuaicrm new-site first")
    import django

    django.setup()
    return os.environ["KUAICRM_SITE"]


class RawFunnel:
    """The funnel's aggregate written by hand: the floor the report is compared with."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        q = connection.ops.quote_name
        self.opportunity, self.item = q("tabOpportunity"), q("tabOpportunity Item")
        self.profile, self.auth = q("lowcode_user_profile"), q("auth_user")

    def sql(self, user: str, filters: dict) -> tuple[str, list]:
        from lowcode.permissions.core import (
            department_subtree,
            is_administrator,
            scope_for,
            user_department,
        )

        where, params = [], []
        scope = "all" if is_administrator(user) else scope_for(user, "Opportunity", "read")
        if scope == "department" and user_department(user):
            departments = department_subtree(user_department(user))
            marks = ", ".join(["%s"] * len(departments))
            where.append(
                f"(o.owner IN (SELECT u.username FROM {self.profile} p JOIN {self.auth} u "
                f"ON u.id = p.user_id WHERE p.department IN ({marks})) OR o.owner = %s)"
            )
            params += [*departments, user]
        elif scope != "all":
            where.append("o.owner = %s")
            params.append(user)
        if filters.get("source"):
            where.append("o.source = %s")
            params.append(filters["source"])
        if filters.get("product"):
            where.append(
                f"o.name IN (SELECT i.parent FROM {self.item} i WHERE i.product = %s "
                "AND i.parenttype = 'Opportunity')"
            )
            params.append(filters["product"])
        if filters.get("period"):
            from kuaicrm.reports.common import date_window, local_midnight

            start, end = date_window(filters)
            where.append("o.creation >= %s AND o.creation < %s")
            params += [
                self.connection.ops.adapt_datetimefield_value(local_midnight(start)),
                self.connection.ops.adapt_datetimefield_value(local_midnight(end)),
            ]
        sql = (
            "SELECT o.stage, o.furthest_stage_order, COUNT(*), SUM(o.amount), "
            f"SUM(o.weighted_amount) FROM {self.opportunity} o "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} "
            "GROUP BY o.furthest_stage_order, o.stage"
        )
        return sql, params

    def run(self, user: str, filters: dict) -> list:
        sql, params = self.sql(user, filters)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def explain(self, sql: str, params: list) -> list:
        prefix = "EXPLAIN QUERY PLAN " if self.connection.vendor == "sqlite" else "EXPLAIN "
        with self.connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            return [tuple(row) for row in cursor.fetchall()]


def report_sql(user: str, filters: dict) -> tuple[str, list]:
    """The report's main query as Django compiles it (for its plan)."""
    from django.db.models import Count, Sum

    from kuaicrm.reports.common import date_window, opportunities, window_q

    start, end = date_window(filters)
    queryset = (
        opportunities(user, filters)
        .filter(window_q("creation", start, end, True))
        .order_by()
        .values("furthest_stage_order", "stage")
        .annotate(count=Count("*"), amount=Sum("amount"), weighted=Sum("weighted_amount"))
    )
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    site = setup_django()

    from django.db import connection
    from django.utils import timezone

    from kuaicrm.reports import install_reports
    from lowcode import context
    from lowcode.reports.engine import run_report
    from lowcode.storage.factory import get_model

    install_reports()  # a site migrated before the reports existed
    total = get_model("Opportunity").objects.count()
    product = get_model("Opportunity Item").objects.values_list("product", flat=True).first() or ""
    print(f"[funnel] site {site} ({connection.vendor}): {total:,} opportunities")
    today = timezone.localdate().isoformat()
    cases = {
        "no filter": {},
        "period=Quarter (this quarter)": {"period": "Quarter", "date": today},
        "source=Website": {"source": "Website"},
        f"product={product}": {"product": product},
    }
    users = {
        "Sales Manager, root (all)": ROOT_MANAGER,
        "Sales Manager, department": MANAGER,
        "Sales User (own)": SALES_USER,
    }
    raw = RawFunnel()
    results: dict = {"site": site, "vendor": connection.vendor, "opportunities": total,
                     "target_p95_ms": TARGET_P95_MS, "figures": []}  # fmt: skip
    header = (
        f"{'user':28} {'filters':32} {'report p50/p95 ms':>20} {'raw p50/p95 ms':>18} {'ratio':>6}"
    )
    print(header)
    for user_label, user in users.items():
        for case_label, filters in cases.items():

            def report(_i: int, user: str = user, filters: dict = filters) -> object:
                context.reset()  # a new request: roles and departments read again
                return run_report(user, REPORT, filters)

            def baseline(_i: int, user: str = user, filters: dict = filters) -> object:
                context.reset()
                return raw.run(user, filters)

            # The same answer first: the raw SQL's rows are the report's groups.
            context.reset()
            reached = report(0)["result"][0]["reached"]
            raw_total = sum(row[2] for row in baseline(0))
            assert reached == raw_total, (user, filters, reached, raw_total)
            ours = measure(report, args.runs, args.warmup)
            floor = measure(baseline, args.runs, args.warmup)
            ratio = ours["p95"] / floor["p95"] if floor["p95"] else float("nan")
            flag = "ok" if ours["p95"] <= TARGET_P95_MS else "OVER"
            print(
                f"{user_label:28} {case_label:32} {ours['p50']:>9.1f} / {ours['p95']:<8.1f}"
                f" {floor['p50']:>7.1f} / {floor['p95']:<8.1f} x{ratio:4.2f} {flag}"
                f"  ({raw_total:,} deals)",
                flush=True,
            )
            results["figures"].append(
                {"user": user_label, "filters": case_label, "deals": raw_total,
                 "report": ours, "raw": floor, "ratio_p95": round(ratio, 2)}
            )  # fmt: skip
    print("\n[funnel] plans (report's main query, then the raw one):")
    for user in (MANAGER, SALES_USER):
        context.reset()
        for label, (sql, params) in (
            ("report", report_sql(user, {})),
            ("raw", raw.sql(user, {})),
        ):
            print(f"-- {user} {label}")
            for row in raw.explain(sql, params):
                print("   ", row)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return results


if __name__ == "__main__":
    main()
