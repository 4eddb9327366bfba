"""Lead (线索): a prospective customer not yet qualified."""

from __future__ import annotations

import datetime as dt
from typing import Any

import phonenumbers
from django.utils import timezone

from lowcode.documents.document import Document
from lowcode.documents.validation import label_of
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _

FIRST_CONTACT_HOURS = 24
# Score bands of 线索优先级 (seed 001 §1.2: priority follows the score), highest first.
PRIORITY_BANDS = ((60, "High"), (30, "Medium"), (None, "Low"))
# The quality gate (seed 000 flow 1, 判断线索质量): what a lead needs before it is qualified.
QUALIFIED_STATE = "Qualified"
QUALITY_GATE_FIELDS = ("company_size", "budget_range", "designation")


class Lead(Document):
    first_contact_due: dt.datetime | None
    mobile_no: str | None
    email_id: str | None
    score: int | None
    priority: str | None

    def validate(self) -> None:
        self.set_first_contact_due()
        self.check_quality_gate()

    def before_save(self) -> None:
        self.set_priority()  # after the validate hooks, which compute the score

    def check_quality_gate(self) -> None:
        """A lead is qualified only with its size, budget and a decision maker to contact."""
        before: Any = self._doc_before_save or {}
        entering = self.get("workflow_state") == QUALIFIED_STATE
        if not entering or before.get("workflow_state") == QUALIFIED_STATE:
            return
        missing = [f for f in QUALITY_GATE_FIELDS if not self.get(f)]
        if not (self.mobile_no or self.email_id):
            missing.append("mobile_no")
        if missing:
            errors = [
                FieldError(
                    fieldname,
                    "quality_gate",
                    _(
                        "{label} is required to qualify a lead",
                        label=label_of(self.meta.get_field(fieldname)),
                    ),
                )
                for fieldname in missing
            ]
            raise ValidationError("; ".join(e.message for e in errors), errors)

    def set_priority(self) -> None:
        score = self.score or 0
        self.priority = next(p for floor, p in PRIORITY_BANDS if floor is None or score >= floor)

    def set_first_contact_due(self) -> None:
        """New leads must be contacted within 24 hours (seed 003)."""
        if self.is_new and not self.first_contact_due:
            self.first_contact_due = timezone.now() + dt.timedelta(hours=FIRST_CONTACT_HOURS)


def normalise_contact_details(doc, event: str) -> None:
    """Store mobile numbers in one format (E.164 without +86 for mainland numbers), emails lower-case."""
    if doc.mobile_no:
        try:
            number = phonenumbers.parse(doc.mobile_no, "CN")
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number):
            doc.mobile_no = (
                str(number.national_number)
                if number.country_code == 86
                else phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            )
    if doc.email_id:
        doc.email_id = doc.email_id.strip().lower()
