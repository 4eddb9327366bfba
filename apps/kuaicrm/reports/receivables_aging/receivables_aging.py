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
    groups = aging_by(plans, key, as_of)
    titles = _titles(key, {g["group"] for g in groups})
    data = []
    for group in groups:
        row = {key: group["group"], "title": titles.get(group["group"], group["group"])}
        row["not_due"] = money(group["not_due"])
        for bucket, *_rest in BUCKETS:
            row[bucket] = money(group[bucket])
        row["overdue"] = money(sum(row[b[0]] for b in BUCKETS))
        row["outstanding"] = money(group["outstanding"])
        data.append(row)
    data.sort(key=lambda r: (-r["overdue"], -r["outstanding"], str(r[key])))
    totals = {b: money(sum(r[b] for r in data)) for b in ("not_due", *[b[0] for b in BUCKETS])}
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
        {"label": _("Overdue Amount"), "value": money(sum(r["overdue"] for r in data)),
         "datatype": "Currency", "indicator": "Red"},
        {"label": _("Over 90 Days"), "value": totals["days_over_90"], "datatype": "Currency"},
        {"label": _("Outstanding Amount"), "value": money(sum(r["outstanding"] for r in data)),
         "datatype": "Currency"},
    ]  # fmt: skip
    return columns(group_by), data, None, chart, summary


def _titles(key: str, values: set) -> dict:
    from lowcode.sdk import get_model

    if key == "sales_owner":
        return full_names(v for v in values if v)
    return dict(
        get_model("Customer")
        .objects.filter(name__in=[v for v in values if v])
        .values_list("name", "customer_name")
    )
