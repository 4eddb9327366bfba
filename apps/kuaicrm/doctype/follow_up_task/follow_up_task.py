"""Follow-up Task (跟进任务): one thing someone must do for a customer, by a date."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lowcode.sdk import Document


class FollowUpTask(Document):
    status: str
    completed_on: dt.datetime | None

    def validate(self) -> None:
        self.set_completed_on()

    def set_completed_on(self) -> None:
        if self.status == "Done" and not self.completed_on:
            self.completed_on = timezone.now()
        elif self.status != "Done":
            self.completed_on = None
