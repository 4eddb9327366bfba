"""Script Report that takes the runner: Test Order totals over the orders they may read."""

from __future__ import annotations

from django.db.models import Count, Sum

from lowcode.permissions.core import permitted_queryset


def execute(filters: dict, user: str):
    """Return the runner's own scope of orders per status (the engine passes ``user``)."""
    rows = list(
        permitted_queryset(user, "Test Order")
        .values("status")
        .annotate(count=Count("name"), total=Sum("amount"))
        .order_by("status")
    )
    columns = [
        {"fieldname": "status", "label": "Status", "fieldtype": "Data"},
        {"fieldname": "count", "label": "Count", "fieldtype": "Int"},
        {"fieldname": "total", "label": "Total", "fieldtype": "Currency"},
    ]
    data = [
        {"status": r["status"], "count": r["count"], "total": float(r["total"] or 0)} for r in rows
    ]
    return columns, data
