"""Scheduled jobs of KuaiCRM (wired in hooks.py)."""

from __future__ import annotations

from django.utils import timezone


def mark_overdue_first_contact() -> int:
    """Return how many open leads missed their first-contact deadline (alerts come with the SLA rules)."""
    from lowcode.documents.factory import get_model

    Lead = get_model("Lead")

    return Lead.objects.filter(status="Open", first_contact_due__lt=timezone.now()).count()
