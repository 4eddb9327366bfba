"""Scheduled jobs of KuaiCRM (wired in hooks.py)."""

from __future__ import annotations

from django.utils import timezone


def mark_overdue_first_contact() -> int:
    """Return how many open leads missed their first-contact deadline (alerts come with the SLA rules)."""
    from lowcode.documents.factory import get_model

    Lead = get_model("Lead")

    return Lead.objects.filter(status="Open", first_contact_due__lt=timezone.now()).count()


# Days without a follow-up after which an active customer is at risk, by customer level:
# the best customers are watched most closely.
SILENT_DAYS_BY_LEVEL = {"A": 30, "B": 60, "C": 90, "": 90}


def raise_churn_warnings(now=None) -> list[str]:
    """Open a Churn Warning for every active customer silent too long (seed 000, flow 4)."""
    import datetime as dt

    from django.db.models import Q

    from lowcode.documents.actions import do_insert_doc
    from lowcode.documents.factory import get_model
    from lowcode.i18n import _

    now = now or timezone.now()
    Customer = get_model("Customer")
    watched = set(
        get_model("Churn Warning")
        .objects.filter(Q(outcome="") | Q(outcome__isnull=True))
        .values_list("customer", flat=True)
    )
    raised = []
    for level, days in SILENT_DAYS_BY_LEVEL.items():
        cutoff = now - dt.timedelta(days=days)
        silent = Customer.objects.filter(
            Q(customer_level=level) if level else Q(customer_level="") | Q(customer_level=None),
            status="Active",
        ).filter(Q(last_followup_on__lt=cutoff) | Q(last_followup_on=None, creation__lt=cutoff))
        for customer, owner, last in silent.values_list("name", "owner", "last_followup_on"):
            if customer in watched:
                continue
            # Raised as the customer's owner, so the rep sees it and their supervisor confirms.
            warning = do_insert_doc(
                owner,
                "Churn Warning",
                {
                    "customer": customer,
                    "indicator": "No Recent Follow-up",
                    "risk_level": "High" if level == "A" else "Medium",
                    "alert_details": _(
                        "No follow-up for more than {days} days (last: {last})",
                        days=days,
                        last=f"{last:%Y-%m-%d}" if last else "-",
                    ),
                },
                ignore_permissions=True,
            )
            raised.append(warning.name)
    return raised
