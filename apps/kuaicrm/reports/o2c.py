"""What the order-to-cash reports share: open installments and their aging buckets.

An installment is *open* while it has an outstanding amount and neither it nor its Payment
Plan is Paid or Cancelled. Days overdue = the as-of date − the installment's due date: due
today or later is "not due"; 1–30 days overdue falls in 0–30, 31–60, 61–90, then >90.
Plans are read through ``permitted_queryset``; installments through their permitted plans.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When

from lowcode.documents.factory import get_model
from lowcode.permissions.core import permitted_queryset

PLAN = "Payment Plan"
INSTALLMENT = "Payment Plan Installment"
CLOSED = ("Paid", "Cancelled")
# (key, label, first day overdue, last day overdue or None)
BUCKETS = (
    ("days_0_30", "0-30 Days", 1, 30),
    ("days_31_60", "31-60 Days", 31, 60),
    ("days_61_90", "61-90 Days", 61, 90),
    ("days_over_90", "Over 90 Days", 91, None),
)


def open_plans(user: str) -> QuerySet:
    return permitted_queryset(user, PLAN).exclude(status="Cancelled")


def open_installments(plans: QuerySet) -> QuerySet:
    """Installments of ``plans`` with money still to come."""
    return (
        get_model(INSTALLMENT)
        .objects.filter(parenttype=PLAN, parent__in=plans.values("name"), outstanding_amount__gt=0)
        .exclude(status__in=CLOSED)
    )


def plan_value(fieldname: str) -> Subquery:
    """The installment's plan's ``fieldname`` (customer, sales owner): a primary-key look-up."""
    return Subquery(get_model(PLAN).objects.filter(name=OuterRef("parent")).values(fieldname)[:1])


def bucket_sums(as_of: dt.date) -> dict:
    """``Sum(CASE …)`` per aging bucket on ``due_date``, plus not due and the total."""
    money: DecimalField = DecimalField(max_digits=21, decimal_places=9)

    def between(first: int, last: int | None) -> Q:
        q = Q(due_date__lte=as_of - dt.timedelta(days=first))
        if last is not None:
            q &= Q(due_date__gte=as_of - dt.timedelta(days=last))
        return q

    sums = {
        "not_due": Sum(
            Case(When(due_date__gte=as_of, then="outstanding_amount"), default=Value(0),
                 output_field=money)
        )
    }  # fmt: skip
    for key, _label, first, last in BUCKETS:
        sums[key] = Sum(
            Case(When(between(first, last), then="outstanding_amount"), default=Value(0),
                 output_field=money)
        )  # fmt: skip
    sums["outstanding"] = Sum("outstanding_amount")
    return sums


def days_overdue(due_date: dt.date | None, as_of: dt.date) -> int:
    return (as_of - due_date).days if due_date else 0
