"""Lead (线索): a prospective customer not yet qualified.

With the Lead Qualification workflow active (apps/kuaicrm/workflow/lead_qualification.json)
the controller enforces what each step needs and keeps the plain fields in step with the
workflow state, so lists, filters and reports that read ``status`` stay right:

- entering Qualified, or New again from Returned (Resubmit): the quality gate — company
  size, budget range and a decision maker (designation plus a mobile or an email);
- entering Invalid or Closed: a close reason (the transition's free-text reason is logged
  too, and copied to ``close_details`` by ``kuaicrm.lead_actions.on_workflow_logged``);
- entering an archived state: ``archived`` and ``archived_on``; an archived lead then refuses
  every edit except a System Manager's;
- entering Opportunity or Converted to Customer: only through the conversion
  (``kuaicrm.conversion.do_convert_lead``, the form's 转化为商机 / 转化为客户 actions), which
  creates the records in the same transaction; the bare workflow step is refused. A lead
  that already has its opportunity (sent back by a failed supervisor review) may take the
  Opportunity step again;
- entering Contacted: ``first_contacted_on`` when the first touch was not recorded yet
  (normally a Follow-up Record records it), with On Time / Overdue against the deadline;
- ``status`` is each state's Update Value in the workflow fixture (``STATUS_BY_STATE`` says
  the same, for tests and readers); the engine keeps it in step on every write and refuses an
  edit that says otherwise (``lowcode.workflow.actions.align_status_fields``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import phonenumbers
from django.utils import timezone

from lowcode.sdk import (
    ADMINISTRATOR,
    Document,
    FieldError,
    PermissionError,
    ValidationError,
    _,
    get_roles,
    label_of,
    parse_phone,
)

FIRST_CONTACT_HOURS = 24
# Score bands of 线索优先级 (seed 001 §1.2: priority follows the score), highest first.
PRIORITY_BANDS = ((60, "High"), (30, "Medium"), (None, "Low"))
# The quality gate (seed 000 flow 1, 判断线索质量; seed 003: 公司规模、预算范围、决策人联系方式).
QUALIFIED_STATE = "Qualified"
QUALITY_GATE_FIELDS = ("company_size", "budget_range", "designation")
NEW_STATE = "New"
RETURNED_STATE = "Returned"
CONTACTED_STATE = "Contacted"
OPPORTUNITY_STATE = "Opportunity"
CUSTOMER_STATE = "Converted to Customer"
# States a lead enters only with a close reason (seed 000: 标记为无效, 关闭线索).
CLOSING_STATES = ("Invalid", "Closed")
ARCHIVED_STATES = ("Archived Invalid", "Archived Closed")
CONVERTED = "Converted"
# Lead.status for each workflow state: the Update Value each state of the fixture declares
# (the engine writes it; tests/kuaicrm/workflow/test_lead_status_follows_state.py compares).
STATUS_BY_STATE = {
    "New": "Open",
    "Returned": "Open",
    "Qualified": "Qualified",
    "Assigned": "Qualified",
    "Follow-up Planned": "Qualified",
    "Contacted": "Contacted",
    "Demo Scheduled": "Contacted",
    "Re-evaluation": "Contacted",
    "Nurturing": "Nurturing",
    "Invalid": "Invalid",
    "Archived Invalid": "Invalid",
    "Closed": "Closed",
    "Archived Closed": "Closed",
    "Opportunity": CONVERTED,
    "Supervisor Review": CONVERTED,
    "Confirmed Opportunity": CONVERTED,
    CUSTOMER_STATE: CONVERTED,
}
SYSTEM_MANAGER = "System Manager"


class Lead(Document):
    first_contact_due: dt.datetime | None
    first_contacted_on: dt.datetime | None
    first_contact_status: str | None
    mobile_no: str | None
    email_id: str | None
    score: int | None
    priority: str | None
    status: str
    close_reason: str | None
    archived: bool
    archived_on: dt.datetime | None
    converted_on: dt.datetime | None

    def validate(self) -> None:
        self.check_not_archived()
        self.set_first_contact_due()
        self.check_quality_gate()
        self.check_close_reason()
        self.check_converted_to_opportunity()
        self.check_converted_to_customer()
        self.follow_workflow_state()

    def before_save(self) -> None:
        self.set_priority()  # after the validate hooks, which compute the score

    # -- what the state needs ---------------------------------------------------------

    def _states(self) -> tuple[str | None, str | None]:
        """(state before this save, state now); (None, None) without an active workflow."""
        from lowcode.sdk import get_workflow

        workflow = get_workflow(self.doctype)
        if workflow is None:
            return None, None
        before: Any = self._doc_before_save or {}
        return before.get(workflow.state_field), self.get(workflow.state_field)

    def _entering(self) -> str | None:
        """The state this save moves the lead into, if it moves it."""
        previous, current = self._states()
        return current if current and current != previous else None

    def check_not_archived(self) -> None:
        """Archived leads are read-only, except for a System Manager."""
        before: Any = self._doc_before_save or {}
        if not before.get("archived"):
            return
        user = self.acting_user or self.modified_by
        if user == ADMINISTRATOR or SYSTEM_MANAGER in get_roles(user):
            return
        raise PermissionError(
            _("Lead {name} is archived and can no longer be changed", name=self.name)
        )

    def check_quality_gate(self) -> None:
        """A lead is qualified, or resubmitted, only with size, budget and a decision maker."""
        previous, entering = self._states()
        resubmitted = entering == NEW_STATE and previous == RETURNED_STATE
        if entering == previous or (entering != QUALIFIED_STATE and not resubmitted):
            return
        missing = [f for f in QUALITY_GATE_FIELDS if not self.get(f)]
        if not (self.mobile_no or self.email_id):
            missing.append("mobile_no")
        errors = []
        for fieldname in missing:
            label = label_of(self.meta.get_field(fieldname))
            message = (
                _("{label} is required to resubmit a lead", label=label)
                if resubmitted
                else _("{label} is required to qualify a lead", label=label)
            )
            errors.append(FieldError(fieldname, "quality_gate", message))
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)

    def check_close_reason(self) -> None:
        """Marking a lead invalid or closing it needs a close reason."""
        if self._entering() in CLOSING_STATES and not self.close_reason:
            message = _(
                "{label} is required to close a lead",
                label=label_of(self.meta.get_field("close_reason")),
            )
            raise ValidationError(message, [FieldError("close_reason", "reqd", message)])

    def check_converted_to_opportunity(self) -> None:
        """The Opportunity state comes with an opportunity: only the conversion enters it."""
        from kuaicrm.conversion import is_converting

        if self._entering() != OPPORTUNITY_STATE or is_converting(self.name):
            return
        before: Any = self._doc_before_save or {}
        if before.get("opportunity"):
            return  # converted earlier; back after a failed review
        message = _(
            "A lead becomes an opportunity only through the Convert to Opportunity action on its form, which creates the customer, contact and opportunity"
        )
        from lowcode.sdk import get_workflow

        workflow: Any = get_workflow(self.doctype)
        raise ValidationError(message, [FieldError(workflow.state_field, "conversion", message)])

    def check_converted_to_customer(self) -> None:
        """Converted to Customer comes with the customer: only the conversion enters it."""
        from kuaicrm.conversion import is_converting

        if self._entering() != CUSTOMER_STATE or is_converting(self.name):
            return
        message = _(
            "A lead becomes a customer only through the Convert to Customer action on its form, which creates the customer and contact"
        )
        from lowcode.sdk import get_workflow

        workflow: Any = get_workflow(self.doctype)
        raise ValidationError(message, [FieldError(workflow.state_field, "conversion", message)])

    def follow_workflow_state(self) -> None:
        """On a transition: archiving and the first touch follow the new state."""
        entering = self._entering()
        if entering is None:
            return
        if entering in ARCHIVED_STATES and not self.archived:
            self.archived, self.archived_on = True, timezone.now()
        if entering == CONTACTED_STATE:
            self.record_first_contact(timezone.now())

    def record_first_contact(self, when: dt.datetime) -> None:
        """Record the first touch once: when, and whether it met the 24-hour deadline."""
        if self.first_contacted_on:
            return
        self.first_contacted_on = when
        self.first_contact_status = first_contact_status(
            when, self.first_contact_due, self.first_contact_status
        )

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
        doc.mobile_no = _stored_mobile(doc.mobile_no)
    if doc.email_id:
        doc.email_id = doc.email_id.strip().lower()


def _stored_mobile(value: str) -> str:
    number = parse_phone(value)
    if number is None:
        return value
    if number.country_code == 86:
        return str(number.national_number)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def first_contact_status(when: dt.datetime, due: dt.datetime | None, current: str | None) -> str:
    """On Time or Overdue for a first touch at ``when``: once alerted as Overdue, it stays so."""
    late = due is not None and when > due
    return "Overdue" if late or current == "Overdue" else "On Time"
