"""Commission Statement (提成单): one person's month, computed from the cash they collected.

Lines are never typed: while the statement is a Draft every save recomputes them from the
Payment Receipts and Commission Rules (kuaicrm/commission.py), so a hand edit cannot stick.
Once it leaves Draft the workflow freezes it (Pending Review has no editors) and approval
submits it (docstatus 1): no edit, no recomputation; a later reversal is adjusted in a later
statement instead.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from kuaicrm import commission
from kuaicrm.targets import MONTH, period_bounds
from lowcode.sdk import DataError, Document, FieldError, ValidationError, _, get_model


class CommissionStatement(Document):
    user: str
    period: str
    status: str | None
    collected_amount: Decimal | None
    adjustment_amount: Decimal | None
    total_commission: Decimal | None

    def validate(self) -> None:
        self.check_period()
        self.check_unique()
        if (self.status or commission.DRAFT) == commission.DRAFT:
            self.compute()

    def before_submit(self) -> None:
        self.check_not_own()

    def check_period(self) -> None:
        try:
            period_bounds(MONTH, self.period)
        except DataError as exc:
            raise ValidationError(
                exc.message, [FieldError("period", "format", exc.message)]
            ) from None

    def check_unique(self) -> None:
        """One statement per person and month."""
        twin = (
            get_model(self.doctype)
            .objects.filter(user=self.user, period=self.period, docstatus__lt=2)
            .exclude(name=self.name or "")
            .values_list("name", flat=True)
            .first()
        )
        if twin:
            message = _(
                "{user} already has a commission statement for {period} ({name})",
                user=self.user,
                period=self.period,
                name=twin,
            )
            raise ValidationError(message, [FieldError("period", "unique", message)])

    def check_not_own(self) -> None:
        """Nobody approves their own commission (four eyes), whatever roles they hold."""
        if getattr(self, "acting_user", None) == self.user:
            message = _("You cannot approve your own commission statement")
            raise ValidationError(message, [FieldError("user", "self_approval", message)])

    def compute(self) -> None:
        """Replace the lines with the computed ones and total them."""
        self.full_name, self.department = commission.person_details(self.user)
        lines = commission.batch().pop((self.user, self.period), None)
        if lines is None:
            lines = commission.compute_lines([self.user], self.period)[self.user]
        model = get_model("Commission Statement Line")
        self.set_children("lines", [model(idx=i, **line) for i, line in enumerate(lines, 1)])
        normal = [line for line in lines if not line["is_adjustment"]]
        self.collected_amount = sum((Decimal(line["base_amount"]) for line in normal), Decimal(0))
        self.adjustment_amount = sum(
            (Decimal(line["commission_amount"]) for line in lines if line["is_adjustment"]),
            Decimal(0),
        )
        self.total_commission = sum(
            (Decimal(line["commission_amount"]) for line in lines), Decimal(0)
        )
        self.computed_on = timezone.now()
