"""Receivables Aging (应收账龄): open installments by days overdue, per customer or sales owner.

One GROUP BY over the open installments of the Payment Plans the runner may read
(``kuaicrm/reports/o2c.py``): buckets on the installment's due date against ``date`` (today by
default) — not due, 0–30 (1 to 30 days overdue), 31–60, 61–90, >90 — grouped by the plan's
customer (default) or sales owner.
"""

from __future__ import annotations

from typing import Any

from kuaicrm.reports.common import choice, column, date_value, money, text, today
from kuaicrm.reports.o2c import BUCKETS, aging_by, open_plans
from lowcode.sdk import _, full_names

GROUPS = {"Customer": "customer", "Sales Owner": "sales_owner"}


def columns(group_by: str) -> list[dict]:
    key = GROUPS[group_by]
    first = (
        column(key, _("Customer"), "Link", 180, options="Customer")
        if key == "customer"
        else column(key, _("Sales Owner"), "Link", 140, options="User")
    )
    return [
        first,
        column("title", _("Name"), "Data", 180),
        column("not_due", _("Not Due"), "Currency", 120),
        *[column(key, _(label), "Currency", 120) for key, label, _first, _last in BUCKETS],
        column("overdue", _("Overdue Amount"), "Currency", 130),
        column("outstanding", _("Outstanding Amount"), "Currency", 130),
    ]


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, one row per customer or owner (most overdue first), chart and summary."""
    filters = filters or {}
    group_by = choice(filters, "group_by", tuple(GROUPS)) or "Customer"
    key = GROUPS[group_by]
    as_of = date_value(filters, "date") or today()
    plans = open_plans(user)
    for name in ("customer", "sales_owner"):
        value = text(filters, name)
        if value:
            plans = plans.filter(**{name: value})
    if key == "customer":
        groups = aging_by(plans, key, as_of, title_of=("Customer", "customer_name"))
        titles = {g["group"]: g["title"] for g in groups if g["title"]}
    else:
        groups = aging_by(plans, key, as_of)
        titles = full_names(g["group"] for g in groups if g["group"])
    # One pass over the database's cent-rounded sums: over 5,000 customers the per-cell helpers and
    # generator sums cost a third of the report's Python time (bench/bench_receivables.py).
    bucket_keys = [bucket for bucket, *_rest in BUCKETS]
    totals = dict.fromkeys(("not_due", *bucket_keys, "overdue", "outstanding"), 0.0)
    data = []
    for group in groups:
        row = {key: group["group"], "title": titles.get(group["group"], group["group"])}
        overdue = 0.0
        row["not_due"] = not_due = float(group["not_due"])
        totals["not_due"] += not_due
        for bucket in bucket_keys:
            row[bucket] = amount = float(group[bucket])
            totals[bucket] += amount
            overdue += amount
        row["overdue"] = overdue = round(overdue, 2)
        row["outstanding"] = outstanding = float(group["outstanding"])
        totals["overdue"] += overdue
        totals["outstanding"] += outstanding
        data.append(row)
    data.sort(key=lambda r: (-r["overdue"], -r["outstanding"], str(r[key])))
    totals = {name: money(value) for name, value in totals.items()}
    chart = {
        "data": {
            "labels": [_("Not Due"), *[_(label) for _k, label, _f, _l in BUCKETS]],
            "datasets": [
                {"name": _("Outstanding Amount"),
                 "values": [totals["not_due"], *[totals[b[0]] for b in BUCKETS]]}
            ],
        },
        "type": "bar",
    }  # fmt: skip
    summary = [
        {"label": _("Overdue Amount"), "value": totals["overdue"], "datatype": "Currency",
         "indicator": "Red"},
        {"label": _("Over 90 Days"), "value": totals["days_over_90"], "datatype": "Currency"},
        {"label": _("Outstanding Amount"), "value": totals["outstanding"], "datatype": "Currency"},
    ]  # fmt: skip
    return columns(group_by), data, None, chart, summary
