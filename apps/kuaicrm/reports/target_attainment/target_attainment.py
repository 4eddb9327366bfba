"""Target Attainment (目标达成与排行榜): the 排行榜 of a period with 同比 and 环比.

One row per sales owner whose documents the runner may read (a rep: their own; a manager: the
department's; a director: everyone's), best first: the signed or collected amount of the
period (rules in ``kuaicrm/targets.py``), the person's target and attainment, the previous
period (环比, MoM) and the same period a year earlier (同比, YoY) with growth in percent.
"""

from __future__ import annotations

from typing import Any

from kuaicrm.reports.common import choice, column, date_value, text, today
from kuaicrm.targets import MONTH, PERIOD_TYPES, SIGNED, TARGET_TYPES, period_of, ranking
from lowcode.sdk import _


def columns() -> list[dict]:
    return [
        column("rank", _("Rank"), "Int", 60),
        column("user", _("Sales Owner"), "Link", 120, options="User"),
        column("full_name", _("Full Name"), "Data", 120),
        column("department", _("Department"), "Link", 120, options="Department"),
        column("target_amount", _("Target Amount"), "Currency", 120),
        column("actual_amount", _("Actual Amount"), "Currency", 120),
        column("attainment", _("Attainment"), "Percent", 90),
        column("previous_amount", _("Previous Period"), "Currency", 120),
        column("mom", _("MoM"), "Percent", 80),
        column("last_year_amount", _("Same Period Last Year"), "Currency", 130),
        column("yoy", _("YoY"), "Percent", 80),
    ]


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, the ranking, a bar chart of actual against target, and a summary."""
    filters = filters or {}
    period_type = choice(filters, "period_type", PERIOD_TYPES) or MONTH
    target_type = choice(filters, "target_type", TARGET_TYPES) or SIGNED
    period = text(filters, "period") or period_of(
        period_type, date_value(filters, "date") or today()
    )
    data = ranking(user, period_type, period, target_type, text(filters, "department"))
    chart = {
        "data": {
            "labels": [row["full_name"] for row in data],
            "datasets": [
                {"name": _("Actual Amount"), "values": [row["actual_amount"] for row in data]},
                {"name": _("Target Amount"),
                 "values": [row["target_amount"] or 0 for row in data]},
            ],
        },
        "type": "bar",
    }  # fmt: skip
    actual = sum(row["actual_amount"] for row in data)
    summary = [
        {"label": _("Period"), "value": period, "datatype": "Data"},
        {"label": _("Actual Amount"), "value": round(actual, 2), "datatype": "Currency"},
        {"label": _("Target Amount"),
         "value": round(sum(row["target_amount"] or 0 for row in data), 2),
         "datatype": "Currency"},
    ]  # fmt: skip
    return columns(), data, None, chart, summary
