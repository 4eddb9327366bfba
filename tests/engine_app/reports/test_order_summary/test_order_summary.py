"""Standard Script Report used by the report tests: Test Order totals per status."""

from __future__ import annotations

from django.db.models import Count, Sum

from lowcode.storage.factory import get_model


def execute(filters: dict):
    """Return columns, data, a message, a chart and a summary, as Frappe's execute does."""
    orders = get_model("Test Order").objects.all()
    if filters.get("status"):
        orders = orders.filter(status=filters["status"])
    rows = list(
        orders.values("status")
        .annotate(count=Count("name"), total=Sum("amount"))
        .order_by("status")
    )
    data = [
        {"status": r["status"], "count": r["count"], "total": float(r["total"] or 0)} for r in rows
    ]
    columns = [
        {"fieldname": "status", "label": "Status", "fieldtype": "Data"},
        {"fieldname": "count", "label": "Count", "fieldtype": "Int"},
        "Total:Currency:120",
    ]
    chart = {
        "data": {
            "labels": [r["status"] for r in data],
            "datasets": [{"values": [r["total"] for r in data]}],
        },
        "type": "bar",
    }
    summary = [{"label": "Orders", "value": sum(r["count"] for r in data), "datatype": "Int"}]
    return columns, data, f"{len(data)} statuses", chart, summary
