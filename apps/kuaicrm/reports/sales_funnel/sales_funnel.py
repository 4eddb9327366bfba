"""Sales Funnel (销售漏斗): per stage the opportunities in it, their amount, and the conversion.

One GROUP BY (furthest_stage_order, stage) over the opportunities the runner may read; the
few groups are folded per stage here. (That column order matters on SQLite: grouped by
``stage`` first, its planner walks the (stage, modified) index and reads every row by rowid
instead of the manager's owners through the owner index, 6x slower; bench/README.md.) "Reached" a stage means ``furthest_stage_order`` is at
least that stage's order (the controller keeps it monotonic, so a lost deal still counts for
every stage it passed). Conversion to the next stage = reached(next) / reached(this).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, Sum

from kuaicrm.reports.common import (
    LOST,
    WON,
    column,
    date_window,
    money,
    opportunities,
    rate,
    stages,
    window_q,
)
from lowcode.sdk import _


def columns() -> list[dict]:
    return [
        column("stage", _("Stage"), "Link", 140, options="Opportunity Stage"),
        column("probability", _("Probability"), "Percent", 90),
        column("count", _("Opportunities in Stage"), "Int", 110),
        column("amount", _("Amount"), "Currency", 130),
        column("weighted_amount", _("Weighted Amount"), "Currency", 130),
        column("reached", _("Reached Stage"), "Int", 110),
        column("conversion_rate", _("Conversion to Next Stage"), "Percent", 130),
    ]


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, one row per Open/Won stage, a message, a funnel chart and a summary."""
    filters = filters or {}
    start, end = date_window(filters)
    queryset = opportunities(user, filters).filter(window_q("creation", start, end, True))
    groups = (
        queryset.order_by()
        .values("furthest_stage_order", "stage")
        .annotate(count=Count("*"), amount=Sum("amount"), weighted=Sum("weighted_amount"))
    )
    current: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    furthest: Counter[int] = Counter()
    for group in groups:
        here = current[group["stage"] or ""]
        here["count"] += group["count"]
        here["amount"] += float(group["amount"] or 0)
        here["weighted"] += float(group["weighted"] or 0)
        furthest[group["furthest_stage_order"] or 0] += group["count"]

    all_stages = stages(user)
    funnel = [s for s in all_stages if s.stage_type != LOST]
    reached = [sum(n for order, n in furthest.items() if order >= s.order) for s in funnel]
    data = []
    for index, stage in enumerate(funnel):
        here = current.get(stage.name, {})
        following = reached[index + 1] if index + 1 < len(funnel) else None
        data.append(
            {
                "stage": stage.name,
                "probability": stage.probability,
                "count": int(here.get("count", 0)),
                "amount": money(here.get("amount")),
                "weighted_amount": money(here.get("weighted")),
                "reached": reached[index],
                "conversion_rate": None if following is None else rate(following, reached[index]),
            }
        )

    lost_names = {s.name for s in all_stages if s.stage_type == LOST}
    won_names = {s.name for s in all_stages if s.stage_type == WON}
    total = sum(furthest.values())
    lost = sum(int(v["count"]) for k, v in current.items() if k in lost_names)
    won = sum(int(v["count"]) for k, v in current.items() if k in won_names)
    open_rows = [v for k, v in current.items() if k not in lost_names and k not in won_names]
    chart = {
        "data": {
            "labels": [row["stage"] for row in data],
            "datasets": [{"name": _("Reached Stage"), "values": [row["reached"] for row in data]}],
        },
        "type": "funnel",
    }
    summary = [
        {"label": _("Opportunity Count"), "value": total, "datatype": "Int"},
        {"label": _("Open Amount"), "value": money(sum(v["amount"] for v in open_rows)),
         "datatype": "Currency"},
        {"label": _("Weighted Amount"), "value": money(sum(v["weighted"] for v in open_rows)),
         "datatype": "Currency"},
        {"label": _("Won Deals"), "value": won, "datatype": "Int"},
        {"label": _("Lost Deals"), "value": lost, "datatype": "Int"},
        {"label": _("Win Rate"), "value": rate(won, won + lost), "datatype": "Percent"},
    ]  # fmt: skip
    return columns(), data, None, chart, summary
