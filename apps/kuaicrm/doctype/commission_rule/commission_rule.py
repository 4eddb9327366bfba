"""Commission Rule (提成规则): tiers on the month's collected amount, per product group or all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lowcode.sdk import Document, FieldError, ValidationError, _


class CommissionRule(Document):
    effective_from: dt.date | None
    effective_to: dt.date | None

    def validate(self) -> None:
        errors = self.check_dates() + self.check_tiers() + self.check_roles()
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)

    def check_dates(self) -> list[FieldError]:
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            message = _("Effective To cannot be before Effective From")
            return [FieldError("effective_to", "range", message)]
        return []

    def check_tiers(self) -> list[FieldError]:
        """Tiers start at 0, each where the previous ends; only the last may be open-ended."""
        rows = sorted(self.get_children("tiers"), key=lambda r: Decimal(r.from_amount or 0))
        errors: list[FieldError] = []
        expected = Decimal(0)
        for index, row in enumerate(rows, start=1):
            start, end = Decimal(row.from_amount or 0), row.to_amount
            last = index == len(rows)
            if start != expected:
                message = _(
                    "Tiers row {row}: From Amount must be {amount} (where the previous tier ends)",
                    row=index,
                    amount=expected,
                )
                errors.append(FieldError("from_amount", "tiers", message, row=index, table="tiers"))
            if end in (None, "") and not last:
                message = _("Tiers row {row}: only the last tier may have no To Amount", row=index)
                errors.append(FieldError("to_amount", "tiers", message, row=index, table="tiers"))
            elif end not in (None, "") and Decimal(end) <= start:
                message = _("Tiers row {row}: To Amount must be above From Amount", row=index)
                errors.append(FieldError("to_amount", "tiers", message, row=index, table="tiers"))
            if Decimal(row.rate or 0) > 100:
                message = _("Tiers row {row}: the rate is a percentage (0-100)", row=index)
                errors.append(FieldError("rate", "range", message, row=index, table="tiers"))
            expected = Decimal(end) if end not in (None, "") else expected
        return errors

    def check_roles(self) -> list[FieldError]:
        """An enabled rule names existing roles (a disabled one may keep a deleted role)."""
        from lowcode.sdk import get_model

        if not self.get("enabled"):
            return []
        rows = self.get_children("applies_to_roles")
        known = set(
            get_model("Role")
            .objects.filter(name__in=[r.role for r in rows])
            .values_list("name", flat=True)
        )
        return [
            FieldError(
                "role",
                "link",
                _("Roles row {row}: role {role} does not exist", row=index, role=row.role),
                row=index,
                table="applies_to_roles",
            )
            for index, row in enumerate(rows, start=1)
            if row.role not in known
        ]
