"""The home page's 回款 card: my overdue receivables and my attainment, as a desk card spec.

The figures come from ``kuaicrm.home_summary.sales_summary`` (the same numbers as
``/api/method/kuaicrm.home_sales_summary``); this module only words them for the desk's
``desk_home_cards`` hook (lowcode/desk/lib/home.py renders the spec).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from kuaicrm.home_summary import sales_summary
from kuaicrm.reports.o2c import open_plans
from lowcode.sdk import _, round_money

AGING_REPORT = "Receivables Aging"
ATTAINMENT_REPORT = "Target Attainment"
PERIOD_LABELS = {"Month": "This month", "Quarter": "This quarter", "Year": "This year"}


def money(value: Any) -> str:
    return f"¥{round_money(value or 0):,.2f}"


def home_sales_card(request, user: str) -> dict[str, Any] | None:
    """The card spec; none for a user who may read no Payment Plan (PermissionError) or who
    owns no plan and has no target (finance, legal: nothing of theirs to show)."""
    summary = sales_summary(user)
    overdue = summary["overdue_receivables"]
    nothing_of_mine = not overdue["count"] and not summary["attainment"]
    if nothing_of_mine and not open_plans(user).filter(sales_owner=user).exists():
        return None
    progress = [
        {
            "label": _(
                "{period} ({label}) {target_type}",
                period=_(PERIOD_LABELS.get(row["period_type"], row["period_type"])),
                label=row["period"],
                target_type=_(row["target_type"]),
            ),
            "percent": row["attainment"],
            "caption": f"{money(row['actual_amount'])} / {money(row['target_amount'])}",
            "tone": "green" if (row["attainment"] or 0) >= 100 else "blue",
        }
        for row in summary["attainment"]
    ]
    rows = [
        {
            "title": item["customer_name"] or item["customer"] or item["payment_plan"],
            "detail": _(
                "{plan} · due {due} · {amount} outstanding",
                plan=item["payment_plan"],
                due=item["due_date"],
                amount=money(item["outstanding_amount"]),
            ),
            "pill": _("{days} days overdue", days=item["days_overdue"]),
            "tone": "red",
            "href": f"/app/payment-plan/{quote(item['payment_plan'])}",
        }
        for item in overdue["top"]
    ]
    return {
        "key": "sales-summary",
        "title": _("My receivables and attainment"),
        "figures": [
            {
                "label": _("Overdue receivables"),
                "value": money(overdue["amount"]),
                "tone": "red" if overdue["count"] else "green",
                "href": f"/app/query-report/{quote(AGING_REPORT)}",
            },
            {"label": _("Overdue installments"), "value": str(overdue["count"])},
        ],
        "progress": progress,
        "rows": rows,
        "note": "" if progress else _("No target set for this period."),
        "more": {
            "label": _("Target Attainment"),
            "href": f"/app/query-report/{quote(ATTAINMENT_REPORT)}",
        },
    }
