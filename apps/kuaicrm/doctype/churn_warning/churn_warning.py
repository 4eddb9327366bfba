"""Churn Warning (客户流失预警): an at-risk customer, analysed and won back or confirmed lost."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from lowcode.sdk import Document, FieldError, ValidationError, _, first_other, get_model

# Customer status each final outcome leaves behind (seed 000, flow 4).
CUSTOMER_STATUS_AFTER = {"Retained": "Active", "Lost": "Lost"}


class ChurnWarning(Document):
    customer: str
    customer_name: str | None
    outcome: str | None
    closed_on: dt.date | None

    def validate(self) -> None:
        self.set_customer_name()
        self.check_one_open_warning()
        self.set_closed_on()

    def set_customer_name(self) -> None:
        self.customer_name = (
            get_model("Customer")
            .objects.filter(name=self.customer)
            .values_list("customer_name", flat=True)
            .first()
        )

    def check_one_open_warning(self) -> None:
        """A customer has at most one open warning, so two reps never run two retentions."""
        if self.outcome:
            return
        unresolved = Q(outcome="") | Q(outcome__isnull=True)
        other = first_other("Churn Warning", self.name, unresolved, customer=self.customer)
        if other:
            message = _(
                "Customer {customer} already has an open churn warning {name}",
                customer=self.customer_name or self.customer,
                name=other,
            )
            raise ValidationError(message, [FieldError("customer", "unique", message)])

    def set_closed_on(self) -> None:
        if self.outcome and not self.closed_on:
            self.closed_on = timezone.localdate()


def record_outcome_on_customer(doc, event: str) -> None:
    """on_update: a retained customer becomes Active again, a lost one Lost."""
    from lowcode.sdk import do_save_doc

    before = doc._doc_before_save
    status = CUSTOMER_STATUS_AFTER.get(doc.outcome or "")
    if status is None or (before is not None and before.get("outcome") == doc.outcome):
        return
    do_save_doc(
        doc.acting_user, "Customer", doc.customer, {"status": status}, ignore_permissions=True
    )
