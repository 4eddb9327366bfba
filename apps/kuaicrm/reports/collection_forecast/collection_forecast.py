"""Collection Forecast (回款预测): money still to come from Payment Plans, per month of due date.

The open installments (``kuaicrm/reports/o2c.py``) of the plans the runner may read: one row
for what is already overdue on ``date`` (today by default), then one row per month of the
installments' due dates from ``date`` on (``to_date`` bounds the horizon), with the count of
installments, the outstanding amount and, per row, the running total.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from kuaicrm.reports.common import bar_chart, column, date_value, money, text, today
from kuaicrm.reports.o2c import open_installments, open_plans
from lowcode.sdk import _


def columns() -> list[dict]:
    return [
        column("period", _("Period"), "Data", 120),
        column("installments", _("Installments"), "Int", 100),
        column("customers", _("Customers"), "Int", 100),
        column("expected", _("Expected Collection"), "Currency", 140),
        column("cumulative", _("Cumulative"), "Currency", 140),
    ]


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, the overdue row then one row per month, a bar chart and a summary."""
    filters = filters or {}
    as_of = date_value(filters, "date") or today()
    horizon = date_value(filters, "to_date")
    plans = open_plans(user)
    for name in ("customer", "sales_owner"):
        value = text(filters, name)
        if value:
            plans = plans.filter(**{name: value})
    installments = open_installments(plans)
    if horizon:
        installments = installments.filter(due_date__lte=horizon)
    overdue = installments.filter(due_date__lt=as_of).aggregate(
        installments=Count("name"), customers=Count("parent", distinct=True),
        expected=Sum("outstanding_amount"),
    )  # fmt: skip
    months = (
        installments.filter(due_date__gte=as_of)
        .annotate(month=TruncMonth("due_date"))
        .values("month")
        .order_by("month")
        .annotate(installments=Count("name"), customers=Count("parent", distinct=True),
                  expected=Sum("outstanding_amount"))
    )  # fmt: skip
    data, running = [], 0.0
    if overdue["installments"]:
        running = money(overdue["expected"])
        data.append({"period": _("Overdue"), "installments": overdue["installments"],
                     "customers": overdue["customers"], "expected": running,
                     "cumulative": running})  # fmt: skip
    for row in months:
        running = money(running + money(row["expected"]))
        data.append(
            {
                "period": f"{row['month']:%Y-%m}",
                "installments": row["installments"],
                "customers": row["customers"],
                "expected": money(row["expected"]),
                "cumulative": running,
            }
        )
    chart = bar_chart(data, "period", [(_("Expected Collection"), "expected")])
    summary = [
        {"label": _("Overdue"), "value": money(overdue["expected"]), "datatype": "Currency",
         "indicator": "Red"},
        {"label": _("Expected Collection"), "value": running, "datatype": "Currency"},
    ]  # fmt: skip
    return columns(), data, None, chart, summary
