"""Sales Forecast (销售预测): per month or quarter of the expected close date, what may close.

One GROUP BY (period of ``expected_close_date``, ``forecast_category``, ``status``) over the
opportunities the runner may read. Open deals are split by forecast category (Pipeline, Best
Case, Commit; Omitted ones are left out of the forecast); ``weighted`` is the sum of the open
deals' ``weighted_amount`` (amount × effective probability); ``closed_won`` the won deals
expected in that period; forecast = closed won + weighted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth, TruncQuarter

from kuaicrm.reports.common import (
    OPEN,
    WON,
    bar_chart,
    choice,
    column,
    date_window,
    money,
    opportunities,
    window_q,
)
from kuaicrm.reports.win_loss_analysis.win_loss_analysis import period_label
from lowcode.sdk import _

INTERVALS = ("Month", "Quarter")
TRUNCATE = {"Month": TruncMonth, "Quarter": TruncQuarter}
CATEGORIES = {"Pipeline": "pipeline", "Best Case": "best_case", "Commit": "commit"}


def columns() -> list[dict]:
    return [
        column("period", _("Period"), "Data", 100),
        column("pipeline", _("Pipeline"), "Currency", 120),
        column("best_case", _("Best Case"), "Currency", 120),
        column("commit", _("Commit"), "Currency", 120),
        column("open_count", _("Open Opportunities"), "Int", 100),
        column("weighted", _("Weighted Amount"), "Currency", 130),
        column("closed_won", _("Closed Won"), "Currency", 130),
        column("forecast", _("Forecast"), "Currency", 130),
    ]


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, one row per period, a message, a stacked bar chart and a summary."""
    filters = filters or {}
    interval = choice(filters, "interval", INTERVALS) or "Month"
    start, end = date_window(filters)
    groups = (
        opportunities(user, filters)
        .filter(window_q("expected_close_date", start, end, False))
        .exclude(status=OPEN, forecast_category="Omitted")
        .order_by()
        .annotate(period=TRUNCATE[interval]("expected_close_date"))
        .values("period", "forecast_category", "status")
        .annotate(count=Count("*"), amount=Sum("amount"), weighted=Sum("weighted_amount"))
    )
    periods: dict[Any, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for group in groups:
        row = periods[group["period"]]
        if group["status"] == WON:
            row["closed_won"] += float(group["amount"] or 0)
        elif group["status"] == OPEN:
            category = CATEGORIES.get(group["forecast_category"] or "Pipeline", "pipeline")
            row[category] += float(group["amount"] or 0)
            row["open_count"] += group["count"]
            row["weighted"] += float(group["weighted"] or 0)
    data = []
    # Periods in time order, deals without an expected close date last.
    for period in sorted(periods, key=lambda p: (p is None, p or dt.date.min)):
        row = periods[period]
        data.append(
            {
                "period": period_label(period, interval),
                **{key: money(row.get(key)) for key in CATEGORIES.values()},
                "open_count": int(row.get("open_count", 0)),
                "weighted": money(row.get("weighted")),
                "closed_won": money(row.get("closed_won")),
                "forecast": money(row.get("closed_won", 0) + row.get("weighted", 0)),
            }
        )
    chart = bar_chart(
        data, "period", [(_("Closed Won"), "closed_won"), (_("Weighted Amount"), "weighted")]
    )
    summary = [
        {"label": _(label), "value": money(sum(row[key] for row in data)), "datatype": "Currency"}
        for label, key in (
            ("Commit", "commit"),
            ("Weighted Amount", "weighted"),
            ("Closed Won", "closed_won"),
            ("Forecast", "forecast"),
        )
    ]
    return columns(), data, None, chart, summary
