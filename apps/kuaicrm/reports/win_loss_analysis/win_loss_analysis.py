"""Win Loss Analysis (赢单输单分析): won and lost deals, amounts and win rate, and why deals are lost.

Closed opportunities (status Won or Lost) the runner may read, in a window on ``closed_on``,
grouped in the database by month, quarter or year of ``closed_on``, by sales owner, or by
lost reason (``group_by``). Win rate = won / (won + lost), by count.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear

from kuaicrm.reports.common import (
    LOST,
    WON,
    bar_chart,
    choice,
    column,
    date_window,
    money,
    opportunities,
    rate,
    window_q,
)
from lowcode.sdk import _

GROUPINGS = ("Month", "Quarter", "Year", "Sales Owner", "Lost Reason")
TRUNCATE = {"Month": TruncMonth, "Quarter": TruncQuarter, "Year": TruncYear}


def period_label(day, grouping: str) -> str:
    if day is None:
        return _("Not Set")
    if grouping == "Year":
        return f"{day:%Y}"
    if grouping == "Quarter":
        return f"{day:%Y}-Q{(day.month - 1) // 3 + 1}"
    return f"{day:%Y-%m}"


def by_reason(closed) -> tuple[list, list]:
    groups = (
        closed.filter(status=LOST)
        .order_by()
        .values("lost_reason")
        .annotate(count=Count("*"), amount=Sum("amount"))
        .order_by("-count", "lost_reason")
    )
    rows = [
        {"lost_reason": _(g["lost_reason"]) if g["lost_reason"] else _("Not Set"),
         "count": g["count"], "amount": money(g["amount"])}
        for g in groups
    ]  # fmt: skip
    total = sum(row["count"] for row in rows)
    for row in rows:
        row["share"] = rate(row["count"], total)
    columns = [
        column("lost_reason", _("Lost Reason"), "Data", 140),
        column("count", _("Lost Deals"), "Int", 90),
        column("amount", _("Lost Amount"), "Currency", 130),
        column("share", _("Share of Lost"), "Percent", 100),
    ]
    return columns, rows


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, rows per period / owner / lost reason, a message, a chart, a summary."""
    filters = filters or {}
    grouping = choice(filters, "group_by", GROUPINGS) or "Month"
    start, end = date_window(filters)
    closed = (
        opportunities(user, filters)
        .filter(status__in=[WON, LOST])
        .filter(window_q("closed_on", start, end, False))
    )
    won_q, lost_q = Q(status=WON), Q(status=LOST)
    totals = closed.aggregate(
        won=Count("name", filter=won_q),
        lost=Count("name", filter=lost_q),
        won_amount=Sum("amount", filter=won_q),
        lost_amount=Sum("amount", filter=lost_q),
    )
    reason_columns, reasons = by_reason(closed)
    summary = [
        {"label": _("Won Deals"), "value": totals["won"], "datatype": "Int"},
        {"label": _("Lost Deals"), "value": totals["lost"], "datatype": "Int"},
        {"label": _("Win Rate"), "value": rate(totals["won"], totals["won"] + totals["lost"]),
         "datatype": "Percent"},
        {"label": _("Won Amount"), "value": money(totals["won_amount"]), "datatype": "Currency"},
        {"label": _("Lost Amount"), "value": money(totals["lost_amount"]),
         "datatype": "Currency"},
        {"label": _("Top Lost Reason"), "value": reasons[0]["lost_reason"] if reasons else "-",
         "datatype": "Data"},
    ]  # fmt: skip
    if grouping == "Lost Reason":
        chart = {
            "data": {
                "labels": [row["lost_reason"] for row in reasons],
                "datasets": [
                    {"name": _("Lost Deals"), "values": [row["count"] for row in reasons]}
                ],
            },
            "type": "pie",
        }
        return reason_columns, reasons, None, chart, summary

    key: Any
    if grouping == "Sales Owner":
        key = F("sales_owner")
        key_column = column("key", _("Sales Owner"), "Link", 140, options="User")
    else:
        key = TRUNCATE[grouping]("closed_on")
        key_column = column("key", _("Period"), "Data", 110)
    groups = (
        closed.order_by()
        .annotate(key=key)
        .values("key")
        .annotate(
            won=Count("name", filter=won_q),
            lost=Count("name", filter=lost_q),
            won_amount=Sum("amount", filter=won_q),
            lost_amount=Sum("amount", filter=lost_q),
        )
        .order_by("key")
    )
    data = [
        {
            "key": g["key"] or _("Not Set")
            if grouping == "Sales Owner"
            else period_label(g["key"], grouping),
            "won": g["won"],
            "lost": g["lost"],
            "win_rate": rate(g["won"], g["won"] + g["lost"]),
            "won_amount": money(g["won_amount"]),
            "lost_amount": money(g["lost_amount"]),
        }
        for g in groups
    ]
    columns = [
        key_column,
        column("won", _("Won Deals"), "Int", 80),
        column("lost", _("Lost Deals"), "Int", 80),
        column("win_rate", _("Win Rate"), "Percent", 90),
        column("won_amount", _("Won Amount"), "Currency", 130),
        column("lost_amount", _("Lost Amount"), "Currency", 130),
    ]
    chart = bar_chart(data, "key", [(_("Won Deals"), "won"), (_("Lost Deals"), "lost")])
    return columns, data, None, chart, summary
