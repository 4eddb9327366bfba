"""Quotation Analysis (报价分析): win rate and average discount per month or per sales owner.

One GROUP BY over the quotations the runner may read, leaving out cancelled ones (docstatus 2:
a revision's superseded version is cancelled when amended, so each quote counts once, in its
latest version). Win rate = Accepted / (Accepted + Lost) by count; average discount =
Σ ``discount_total`` / Σ (``net_total`` + ``discount_total``), i.e. the discount off list price
weighted by amount (an amount discount counts as much as a percentage one). Month is that of
``quotation_date``; filters: sales owner, customer and the date window.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth

from kuaicrm.reports.common import (
    bar_chart,
    choice,
    column,
    date_window,
    money,
    rate,
    text,
    window_q,
)
from lowcode.sdk import _, full_names, permitted_queryset

GROUPS = ("Month", "Sales Owner")
ACCEPTED, LOST = "Accepted", "Lost"


def columns(group_by: str) -> list[dict]:
    first = (
        column("group", _("Period"), "Data", 100)
        if group_by == "Month"
        else column("group", _("Sales Owner"), "Link", 140, options="User")
    )
    return [
        first,
        column("title", _("Name"), "Data", 120),
        column("quotations", _("Quotations"), "Int", 90),
        column("accepted", _("Accepted"), "Int", 90),
        column("lost", _("Lost Quotations"), "Int", 90),
        column("win_rate", _("Win Rate"), "Percent", 90),
        column("quoted_amount", _("Quoted Amount"), "Currency", 130),
        column("won_amount", _("Won Amount"), "Currency", 130),
        column("average_discount", _("Average Discount"), "Percent", 110),
    ]


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, one row per month or owner, a chart of win rate and discount, a summary."""
    filters = filters or {}
    group_by = choice(filters, "group_by", GROUPS) or "Month"
    quotes = permitted_queryset(user, "Quotation").filter(docstatus__lt=2)
    for name in ("customer", "sales_owner"):
        value = text(filters, name)
        if value:
            quotes = quotes.filter(**{name: value})
    start, end = date_window(filters)
    quotes = quotes.filter(window_q("quotation_date", start, end, False))
    key = TruncMonth("quotation_date") if group_by == "Month" else F("sales_owner")
    groups = (
        quotes.order_by()
        .annotate(group=key)
        .values("group", "status")
        .annotate(count=Count("name"), net=Sum("net_total"), discount=Sum("discount_total"))
    )
    rows: dict[Any, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for g in groups:
        row = rows[g["group"]]
        row["quotations"] += g["count"]
        row["quoted_amount"] += float(g["net"] or 0)
        row["discount"] += float(g["discount"] or 0)
        if g["status"] == ACCEPTED:
            row["accepted"] += g["count"]
            row["won_amount"] += float(g["net"] or 0)
        elif g["status"] == LOST:
            row["lost"] += g["count"]
    names = full_names(k for k in rows if k) if group_by == "Sales Owner" else {}
    data = []
    for group in sorted(rows, key=lambda k: (k is None, str(k or ""))):
        row = rows[group]
        label = f"{group:%Y-%m}" if group_by == "Month" and group else group
        data.append(_row(label, names.get(group, label), row))
    total: dict[str, float] = defaultdict(float)
    for row in rows.values():
        for k, v in row.items():
            total[k] += v
    overall = _row(_("Total"), _("Total"), total)
    chart = bar_chart(data, "group", [(_("Win Rate"), "win_rate"),
                                      (_("Average Discount"), "average_discount")])  # fmt: skip
    summary = [
        {"label": _("Win Rate"), "value": overall["win_rate"], "datatype": "Percent"},
        {"label": _("Average Discount"), "value": overall["average_discount"],
         "datatype": "Percent"},
        {"label": _("Won Amount"), "value": overall["won_amount"], "datatype": "Currency"},
    ]  # fmt: skip
    return columns(group_by), data, None, chart, summary


def _row(group: Any, title: Any, row: dict[str, float]) -> dict[str, Any]:
    accepted, lost = int(row.get("accepted", 0)), int(row.get("lost", 0))
    quoted, discount = row.get("quoted_amount", 0.0), row.get("discount", 0.0)
    return {
        "group": group,
        "title": title,
        "quotations": int(row.get("quotations", 0)),
        "accepted": accepted,
        "lost": lost,
        "win_rate": rate(accepted, accepted + lost),
        "quoted_amount": money(quoted),
        "won_amount": money(row.get("won_amount", 0)),
        "average_discount": rate(discount, quoted + discount),
    }
