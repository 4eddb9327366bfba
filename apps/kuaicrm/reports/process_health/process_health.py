"""Process Health (流程健康度周报): the last week's stage conversion, dwell and loss reasons.

Seed 003: "每周生成一份流程健康度报告，包括各阶段转化率、平均停留时间、流失原因分析". The
week is the seven days ending on ``date`` (today by default). Over the opportunities the
runner may read, in the database: the week's stage changes grouped by (from, to) stage, the
open deals per stage, the deals won and lost in the week, and the lost ones by reason.
Per stage: deals that entered it, left it, moved forward (to a later Open or Won stage), were
lost from it; advance rate = moved forward / left; average dwell of the stays that ended.
``kuaicrm.weekly_report`` sends it to every Sales Manager each week.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, Sum

from kuaicrm.reports.common import (
    LOST,
    OPEN,
    WON,
    bar_chart,
    column,
    date_value,
    money,
    opportunities,
    rate,
    stage_history,
    stages,
    today,
    window_q,
)
from lowcode.sdk import _

DAYS = 7


def week_of(filters: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """Return ``[start, end)``: the seven days ending on the ``date`` filter (or today)."""
    last = date_value(filters, "date") or today()
    return last - dt.timedelta(days=DAYS - 1), last + dt.timedelta(days=1)


def columns() -> list[dict]:
    return [
        column("stage", _("Stage"), "Link", 140, options="Opportunity Stage"),
        column("entered", _("Entered"), "Int", 80),
        column("exited", _("Left"), "Int", 80),
        column("advanced", _("Moved Forward"), "Int", 90),
        column("lost", _("Lost Deals"), "Int", 80),
        column("advance_rate", _("Advance Rate"), "Percent", 100),
        column("avg_dwell_hours", _("Average Dwell (Hours)"), "Float", 120),
        column("open_now", _("Open Now"), "Int", 90),
    ]


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, one row per stage, the loss reasons as the message, a chart, a summary."""
    filters = filters or {}
    start, end = week_of(filters)
    permitted = opportunities(user, filters)
    all_stages = stages(user, include_disabled=True)
    by_name = {s.name: s for s in all_stages}
    moves = (
        stage_history(permitted)
        .filter(window_q("changed_on", start, end, True))
        .order_by()
        .values("from_stage", "to_stage")
        .annotate(count=Count("name"), dwell=Sum("dwell_hours"), timed=Count("dwell_hours"))
    )
    rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for move in moves:
        source, target = by_name.get(move["from_stage"]), by_name.get(move["to_stage"])
        if target is not None:
            rows[target.name]["entered"] += move["count"]
        if source is None:
            continue
        here = rows[source.name]
        here["exited"] += move["count"]
        here["dwell"] += float(move["dwell"] or 0)
        here["timed"] += move["timed"]
        if target is not None and target.stage_type == LOST:
            here["lost"] += move["count"]
        elif target is not None and target.order > source.order:
            here["advanced"] += move["count"]
    open_now = dict(
        permitted.filter(status=OPEN)
        .order_by()
        .values("stage")
        .annotate(count=Count("name"))
        .values_list("stage", "count")
    )
    data = []
    for stage in all_stages:
        if stage.stage_type != OPEN and stage.name not in rows:
            continue
        here = rows.get(stage.name, {})
        exited, timed = int(here.get("exited", 0)), int(here.get("timed", 0))
        data.append(
            {
                "stage": stage.name,
                "entered": int(here.get("entered", 0)),
                "exited": exited,
                "advanced": int(here.get("advanced", 0)),
                "lost": int(here.get("lost", 0)),
                "advance_rate": rate(here.get("advanced", 0), exited),
                "avg_dwell_hours": round(here["dwell"] / timed, 1) if timed else None,
                "open_now": open_now.get(stage.name, 0),
            }
        )

    closed = permitted.filter(window_q("closed_on", start, end, False))
    outcome = closed.aggregate(
        won=Count("name", filter=Q(status=WON)),
        won_amount=Sum("amount", filter=Q(status=WON)),
        lost=Count("name", filter=Q(status=LOST)),
    )
    reasons = [
        (_(g["lost_reason"]) if g["lost_reason"] else _("Not Set"), g["count"])
        for g in closed.filter(status=LOST)
        .order_by()
        .values("lost_reason")
        .annotate(count=Count("name"))
        .order_by("-count", "lost_reason")
    ]
    new = permitted.filter(window_q("creation", start, end, True)).count()
    message = _(
        "Week {start} to {end}. Lost reasons: {reasons}",
        start=start.isoformat(),
        end=(end - dt.timedelta(days=1)).isoformat(),
        reasons=", ".join(f"{reason} {count}" for reason, count in reasons) or "-",
    )
    chart = bar_chart(data, "stage", [(_("Advance Rate"), "advance_rate")])
    summary = [
        {"label": _("New Opportunities"), "value": new, "datatype": "Int"},
        {"label": _("Won Deals"), "value": outcome["won"], "datatype": "Int"},
        {"label": _("Won Amount"), "value": money(outcome["won_amount"]), "datatype": "Currency"},
        {"label": _("Lost Deals"), "value": outcome["lost"], "datatype": "Int"},
        {"label": _("Top Lost Reason"), "value": reasons[0][0] if reasons else "-",
         "datatype": "Data"},
    ]  # fmt: skip
    return columns(), data, message, chart, summary
