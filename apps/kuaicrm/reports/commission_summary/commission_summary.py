"""Commission Summary (提成汇总): statements per person and month, with adjustments.

One row per Commission Statement the runner may read (a rep: their own; a manager: the
team's), newest month first: status, collected amount (the base), commission before
adjustments, adjustments (reversals) and the total. Filters: sales person, status and a month
range (``from_period`` / ``to_period`` as 2026-01).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from kuaicrm.reports.common import column, money, text
from lowcode.sdk import _, permitted_queryset


def columns() -> list[dict]:
    return [
        column("name", _("Commission Statement"), "Link", 170, options="Commission Statement"),
        column("period", _("Period"), "Data", 90),
        column("user", _("Sales Person"), "Link", 120, options="User"),
        column("full_name", _("Full Name"), "Data", 110),
        column("department", _("Department"), "Link", 120, options="Department"),
        column("status", _("Status"), "Data", 100),
        column("collected_amount", _("Collected Amount"), "Currency", 130),
        column("commission", _("Commission"), "Currency", 120),
        column("adjustment_amount", _("Adjustments"), "Currency", 110),
        column("total_commission", _("Total Commission"), "Currency", 130),
    ]


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, one row per statement, a bar chart per person and a summary."""
    filters = filters or {}
    statements = permitted_queryset(user, "Commission Statement").filter(docstatus__lt=2)
    for name, lookup in (("user", "user"), ("status", "status"), ("from_period", "period__gte"),
                         ("to_period", "period__lte"), ("department", "department")):  # fmt: skip
        value = text(filters, name)
        if value:
            statements = statements.filter(**{lookup: value})
    keys = ("collected_amount", "adjustment_amount", "total_commission")
    rows = statements.order_by("-period", "user").values(
        "name", "period", "user", "full_name", "department", "status", *keys
    )
    data = []
    for row in rows:
        item = {**row, **{k: money(row[k]) for k in keys}}
        item["commission"] = money(item["total_commission"] - item["adjustment_amount"])
        data.append(item)
    per_person = (
        statements.order_by().values("user", "full_name").annotate(total=Sum("total_commission"))
    )
    people = sorted(per_person, key=lambda r: -(r["total"] or 0))
    chart = {
        "data": {
            "labels": [p["full_name"] or p["user"] for p in people],
            "datasets": [{"name": _("Total Commission"),
                          "values": [money(p["total"]) for p in people]}],
        },
        "type": "bar",
    }  # fmt: skip
    summary = [
        {"label": _("Collected Amount"), "value": money(sum(r["collected_amount"] for r in data)),
         "datatype": "Currency"},
        {"label": _("Adjustments"), "value": money(sum(r["adjustment_amount"] for r in data)),
         "datatype": "Currency"},
        {"label": _("Total Commission"), "value": money(sum(r["total_commission"] for r in data)),
         "datatype": "Currency"},
    ]  # fmt: skip
    return columns(), data, None, chart, summary
