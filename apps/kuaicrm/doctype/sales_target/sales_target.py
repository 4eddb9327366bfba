"""Sales Target (业绩目标): one amount per person or department, type and period."""

from __future__ import annotations

from decimal import Decimal

from kuaicrm.targets import period_bounds
from lowcode.sdk import (
    DataError,
    Document,
    FieldError,
    ValidationError,
    _,
    get_model,
    option_label,
)


class SalesTarget(Document):
    target_type: str
    period_type: str
    period: str
    fiscal_year: int | None
    user: str | None
    department: str | None
    target_amount: Decimal | None

    def validate(self) -> None:
        self.check_period()
        self.check_whose()
        self.check_unique()

    def check_period(self) -> None:
        """The period must read as its type says (2026-03, 2026-Q1, 2026); it sets the year."""
        self.period = (self.period or "").strip().upper()
        try:
            start, _end = period_bounds(self.period_type, self.period)
        except DataError as exc:
            raise ValidationError(
                exc.message, [FieldError("period", "format", exc.message)]
            ) from None
        self.fiscal_year = start.year

    def check_whose(self) -> None:
        """A target belongs to one sales person or one department, not both, not neither."""
        if bool(self.user) == bool(self.department):
            message = _("Set either a Sales Person or a Department for the target, not both")
            raise ValidationError(message, [FieldError("user", "reqd", message)])

    def check_unique(self) -> None:
        """One target per (type, period, person or department)."""
        twins = (
            get_model(self.doctype)
            .objects.filter(
                target_type=self.target_type, period=self.period, period_type=self.period_type
            )
            .exclude(name=self.name or "")
        )
        twins = (
            twins.filter(user=self.user) if self.user else twins.filter(department=self.department)
        )
        existing = twins.values_list("name", flat=True).first()
        if existing:
            message = _(
                "{whom} already has a {target_type} target for {period} ({name})",
                whom=self.user or self.department,
                target_type=option_label(self.meta.get_field("target_type"), self.target_type),
                period=self.period,
                name=existing,
            )
            raise ValidationError(message, [FieldError("period", "unique", message)])
