"""Controller of Working Calendar: valid ISO weekdays, hours that end after they start."""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.rules.common import RuleController
from lowcode.storage.document import Document


class WorkingCalendar(RuleController, Document):
    timezone: str
    work_days: str
    work_start: dt.time
    work_end: dt.time

    def validate(self) -> None:
        errors = []
        days = [d.strip() for d in (self.work_days or "").split(",") if d.strip()]
        if not days or any(d not in "1234567" or len(d) != 1 for d in days):
            message = _(
                "{label} must list weekdays 1 to 7, separated by commas", label=_("Work Days")
            )
            errors.append(FieldError("work_days", "format", message))
        if self.work_start and self.work_end and self.work_end <= self.work_start:
            message = _("{label} must be after {other}", label=_("Work End"), other=_("Work Start"))
            errors.append(FieldError("work_end", "range", message))
        try:
            ZoneInfo(self.timezone or "")
        except (ZoneInfoNotFoundError, ValueError):
            message = _(
                "{label} {value} is not a known time zone",
                label=_("Time Zone"),
                value=self.timezone,
            )
            errors.append(FieldError("timezone", "format", message))
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)
