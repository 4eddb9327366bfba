"""Lead Source Analysis (线索来源分析): per source, how many leads, how good, how many convert.

One GROUP BY source over the leads the runner may read: the count, the average score and
the leads in each score band (the bands that set a lead's priority, lead.py), how many became
an opportunity and how many converted (``converted_on`` set), and the average days from
creation to conversion. The time to convert is ``AVG(converted_on - creation)`` as Django
compiles a datetime difference for each database (``django_timestamp_diff`` on SQLite,
``TIMESTAMPDIFF(MICROSECOND, …)`` on MariaDB), so it needs no date function of either.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, F, Q

from kuaicrm.doctype.lead.lead import PRIORITY_BANDS
from kuaicrm.reports.common import (
    SOURCES,
    bar_chart,
    choice,
    column,
    date_window,
    rate,
    text,
    window_q,
)
from lowcode.sdk import _, permitted_queryset

HIGH_FROM, MEDIUM_FROM = PRIORITY_BANDS[0][0], PRIORITY_BANDS[1][0]
SECONDS_PER_DAY = 86400


def columns() -> list[dict]:
    return [
        column("source", _("Source"), "Data", 120),
        column("leads", _("Leads"), "Int", 80),
        column("avg_score", _("Average Score"), "Float", 100),
        column("high", _("High Score ({low}+)", low=HIGH_FROM), "Int", 100),
        column("medium", _("Medium Score ({low}-{high})", low=MEDIUM_FROM, high=HIGH_FROM - 1),
               "Int", 100),
        column("low", _("Low Score (under {high})", high=MEDIUM_FROM), "Int", 100),
        column("to_opportunity", _("Became Opportunities"), "Int", 110),
        column("converted", _("Converted"), "Int", 90),
        column("conversion_rate", _("Conversion Rate"), "Percent", 100),
        column("avg_days_to_convert", _("Average Days to Convert"), "Float", 120),
    ]  # fmt: skip


def leads(user: str, filters: dict[str, Any]):
    """The leads the user may read, narrowed by owner, source and creation window."""
    queryset = permitted_queryset(user, "Lead")
    owner = text(filters, "owner")
    if owner:
        queryset = queryset.filter(owner=owner)
    source = choice(filters, "source", SOURCES)
    if source:
        queryset = queryset.filter(source=source)
    start, end = date_window(filters)
    return queryset.filter(window_q("creation", start, end, True))


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, one row per source (most leads first), a message, a chart, a summary."""
    filters = filters or {}
    converted = Q(converted_on__isnull=False)
    groups = (
        leads(user, filters)
        .order_by()
        .values("source")
        .annotate(
            leads=Count("name"),
            avg_score=Avg("score"),
            high=Count("name", filter=Q(score__gte=HIGH_FROM)),
            medium=Count("name", filter=Q(score__gte=MEDIUM_FROM, score__lt=HIGH_FROM)),
            low=Count("name", filter=Q(score__lt=MEDIUM_FROM) | Q(score__isnull=True)),
            to_opportunity=Count("name", filter=Q(opportunity__isnull=False) & ~Q(opportunity="")),
            converted=Count("name", filter=converted),
            to_convert=Avg(F("converted_on") - F("creation"), filter=converted),
        )
        .order_by("-leads", "source")
    )
    data = []
    for group in groups:
        to_convert = group["to_convert"]
        data.append(
            {
                "source": group["source"] or _("Not Set"),
                "leads": group["leads"],
                "avg_score": None if group["avg_score"] is None else round(group["avg_score"], 1),
                "high": group["high"],
                "medium": group["medium"],
                "low": group["low"],
                "to_opportunity": group["to_opportunity"],
                "converted": group["converted"],
                "conversion_rate": rate(group["converted"], group["leads"]),
                "avg_days_to_convert": None
                if to_convert is None
                else round(to_convert.total_seconds() / SECONDS_PER_DAY, 1),
            }
        )
    total = sum(row["leads"] for row in data)
    converted_total = sum(row["converted"] for row in data)
    chart = bar_chart(data, "source", [(_("Leads"), "leads"), (_("Converted"), "converted")])
    summary = [
        {"label": _("Leads"), "value": total, "datatype": "Int"},
        {"label": _("Converted"), "value": converted_total, "datatype": "Int"},
        {"label": _("Conversion Rate"), "value": rate(converted_total, total),
         "datatype": "Percent"},
    ]  # fmt: skip
    return columns(), data, None, chart, summary
