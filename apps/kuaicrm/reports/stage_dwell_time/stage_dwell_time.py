"""Stage Dwell Time (阶段停留分析): how long opportunities stay in each stage, and the bottleneck.

Two GROUP BYs over what the runner may read: the stage-history rows of their opportunities
(per ``from_stage``: moves out, average and longest ``dwell_hours``, optionally within a date
window on ``changed_on``), and their open opportunities per current stage (how many, and how
long they have been there since ``stage_changed_on``, computed by the database).

The bottleneck is the stage with the longest average dwell among finished stays: a slow
stage holds every deal behind it. (Low conversion is the funnel's view; see Sales Funnel.)
"""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, DateTimeField, F, Max, Min, Value
from django.utils import timezone

from kuaicrm.reports.common import (
    OPEN,
    bar_chart,
    column,
    date_window,
    hours,
    opportunities,
    stage_history,
    stages,
    window_q,
)
from lowcode.sdk import _


def columns() -> list[dict]:
    return [
        column("stage", _("Stage"), "Link", 140, options="Opportunity Stage"),
        column("moves_out", _("Moves Out"), "Int", 90),
        column("avg_dwell_hours", _("Average Dwell (Hours)"), "Float", 120),
        column("max_dwell_hours", _("Longest Dwell (Hours)"), "Float", 120),
        column("open_now", _("Open Now"), "Int", 90),
        column("avg_current_hours", _("Average Time in Stage Now (Hours)"), "Float", 150),
        column("max_current_hours", _("Longest Time in Stage Now (Hours)"), "Float", 150),
        column("bottleneck", _("Bottleneck"), "Check", 80),
    ]


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, one row per stage with history or open deals, a message, chart, summary."""
    filters = filters or {}
    now = timezone.now()
    permitted = opportunities(user, filters)
    start, end = date_window(filters)
    moves = {
        row["from_stage"]: row
        for row in stage_history(permitted)
        .filter(window_q("changed_on", start, end, True), from_stage__isnull=False)
        .order_by()
        .values("from_stage")
        .annotate(moves=Count("name"), avg=Avg("dwell_hours"), longest=Max("dwell_hours"))
    }
    since = Value(now, output_field=DateTimeField())
    waiting = {
        row["stage"]: row
        for row in permitted.filter(status=OPEN, stage_changed_on__isnull=False)
        .order_by()
        .values("stage")
        .annotate(
            count=Count("name"),
            avg=Avg(since - F("stage_changed_on")),
            oldest=Min("stage_changed_on"),
        )
    }
    data: list[dict[str, Any]] = []
    for stage in stages(user, include_disabled=True):
        out, now_in = moves.get(stage.name), waiting.get(stage.name)
        if out is None and now_in is None:
            continue
        data.append(
            {
                "stage": stage.name,
                "moves_out": out["moves"] if out else 0,
                "avg_dwell_hours": hours(out["avg"]) if out else None,
                "max_dwell_hours": hours(out["longest"]) if out else None,
                "open_now": now_in["count"] if now_in else 0,
                "avg_current_hours": hours(now_in["avg"]) if now_in else None,
                "max_current_hours": hours(now - now_in["oldest"]) if now_in else None,
                "bottleneck": 0,
            }
        )
    timed = [row for row in data if row["avg_dwell_hours"] is not None]
    bottleneck = max(timed, key=lambda row: row["avg_dwell_hours"], default=None)
    message = None
    if bottleneck is not None:
        bottleneck["bottleneck"] = 1
        message = _(
            "Bottleneck: {stage} (average {hours} hours before moving on)",
            stage=bottleneck["stage"],
            hours=bottleneck["avg_dwell_hours"],
        )
    chart = bar_chart(
        data,
        "stage",
        [
            (_("Average Dwell (Hours)"), "avg_dwell_hours"),
            (_("Average Time in Stage Now (Hours)"), "avg_current_hours"),
        ],
    )
    summary = [
        {"label": _("Moves Out"), "value": sum(row["moves_out"] for row in data),
         "datatype": "Int"},
        {"label": _("Open Now"), "value": sum(row["open_now"] for row in data),
         "datatype": "Int"},
        {"label": _("Bottleneck"), "value": bottleneck["stage"] if bottleneck else "-",
         "datatype": "Data"},
    ]  # fmt: skip
    return columns(), data, message, chart, summary
