"""Workflow Delegation: while ``user`` is away, their new approvals go to ``delegate``."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.permissions.core import get_roles
from lowcode.storage.document import Document

# Who may hand someone else's approvals to a delegate (an assistant setting up a boss's leave).
DELEGATION_ADMINS = frozenset({"System Manager"})


class WorkflowDelegation(Document):
    user: str
    delegate: str
    from_date: dt.date | None
    to_date: dt.date | None

    def validate(self) -> None:
        self.check_own_delegation()
        self.check_delegate()
        self.check_period()

    def check_own_delegation(self) -> None:
        """Only the absent user (or a System Manager) may give their approvals away."""
        actor = self.acting_user
        if actor in ("", "Administrator", self.user) or get_roles(actor) & DELEGATION_ADMINS:
            return
        self._refuse("user", "own", _("You may only delegate your own approvals"))

    def check_delegate(self) -> None:
        if self.delegate == self.user:
            self._refuse("delegate", "different", _("Delegate must be someone other than User"))
        if not get_user_model().objects.filter(username=self.delegate, is_active=True).exists():
            self._refuse(
                "delegate", "active", _("Delegate {user} is not an active user", user=self.delegate)
            )

    def check_period(self) -> None:
        if self.from_date and self.to_date and self.to_date < self.from_date:
            self._refuse("to_date", "range", _("To Date cannot be before From Date"))

    @staticmethod
    def _refuse(fieldname: str, rule: str, message: str) -> None:
        raise ValidationError(message, [FieldError(fieldname, rule, message)])
