"""The home page's sales card: my overdue receivables (回款) and my attainment (业绩目标)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from kuaicrm.reports.o2c import days_overdue, open_installments, open_plans, plan_value
from kuaicrm.targets import attainment
from lowcode.sdk import round_money

TOP = 5


def sales_summary(user: str) -> dict[str, Any]:
    """Overdue installments of the plans I own (sales owner) that I may read, and my targets."""
    today = timezone.localdate()
    overdue = open_installments(open_plans(user).filter(sales_owner=user)).filter(
        due_date__lt=today
    )
    totals = overdue.aggregate(count=Count("name"), amount=Sum("outstanding_amount"))
    top = (
        overdue.annotate(customer=plan_value("customer"), customer_name=plan_value("customer_name"))
        .order_by("due_date", "-outstanding_amount")
        .values("parent", "name", "due_date", "outstanding_amount", "customer", "customer_name")[
            :TOP
        ]
    )
    return {
        "overdue_receivables": {
            "count": totals["count"] or 0,
            "amount": float(round_money(totals["amount"] or 0)),
            "top": [
                {
                    "payment_plan": row["parent"],
                    "installment": row["name"],
                    "customer": row["customer"],
                    "customer_name": row["customer_name"],
                    "due_date": row["due_date"].isoformat(),
                    "days_overdue": days_overdue(row["due_date"], today),
                    "outstanding_amount": float(round_money(row["outstanding_amount"])),
                }
                for row in top
            ],
        },
        "attainment": [row for row in attainment(user, today) if row["is_mine"]],
    }


def home_sales_summary(request, user: str, **_ignored) -> dict[str, Any]:
    """/api/method/kuaicrm.home_sales_summary: the home page's receivables and attainment card."""
    return sales_summary(user)
