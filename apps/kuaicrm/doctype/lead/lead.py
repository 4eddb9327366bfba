"""Lead (线索): a prospective customer not yet qualified."""

from __future__ import annotations

import datetime as dt

import phonenumbers
from django.utils import timezone

from lowcode.documents.document import Document

FIRST_CONTACT_HOURS = 24


class Lead(Document):
    first_contact_due: dt.datetime | None
    mobile_no: str | None
    email_id: str | None

    def validate(self) -> None:
        self.set_first_contact_due()

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
