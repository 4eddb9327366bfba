"""Workflow Setting: a named number that workflow conditions read as ``settings.<name>``.

Thresholds an administrator tunes without editing a workflow (a quotation's maximum discount
before approval, a contract amount finance reviews from) live here: the condition
``doc.max_discount_percentage > settings.quotation_max_discount`` reads the current value at
every evaluation, so a change applies to the next transition of every document.
"""

from __future__ import annotations

import re
from decimal import Decimal

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.storage.document import Document

SETTING_NAME = re.compile(r"[a-z_][a-z0-9_]*")


class WorkflowSetting(Document):
    setting_name: str
    value: Decimal | None

    def validate(self) -> None:
        self.setting_name = (self.setting_name or "").strip()
        if not SETTING_NAME.fullmatch(self.setting_name):
            message = _(
                "Setting Name must be lower case letters, digits and _ (as in {example})",
                example="quotation_max_discount",
            )
            raise ValidationError(message, [FieldError("setting_name", "format", message)])
