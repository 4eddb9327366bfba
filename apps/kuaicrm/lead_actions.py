"""Lead writes beyond the controller: reassignment, and what a workflow step's reason sets.

- ``do_reassign_lead`` hands a lead to one user: the previous assignees are removed and,
  when the lead was never contacted, its 24-hour first-contact clock starts again (with
  its reminder and alert flags cleared), because the new owner of the work cannot be late
  for hours that were someone else's. The engine's ``frappe.desk.form.assign_to.add`` also
  works on Lead, but only *adds* an assignee and leaves the deadline alone.
- ``on_workflow_logged`` (doc_events "Workflow Log" after_insert) reads the reason the
  user gave for a transition: "Return to Submitter" stores it as ``returned_reason`` and
  tells the lead's owner (the submitter) why; Invalid / Closed keep it in
  ``close_details`` when the rep wrote none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from kuaicrm.doctype.lead.lead import CLOSING_STATES, FIRST_CONTACT_HOURS, RETURNED_STATE
from lowcode.sdk import (
    Assignment,
    _,
    access_doc,
    do_assign_doc,
    do_notify,
    do_save_doc,
    do_unassign_doc,
    get_model,
    to_json,
)

LEAD = "Lead"


@transaction.atomic
def do_reassign_lead(user: str, lead_name: str, assignee: str) -> dict[str, Any]:
    """Make ``assignee`` the lead's only assignee; restart the first-contact clock if untouched."""
    lead: Any = access_doc(user, LEAD, lead_name, "write", for_update=True)
    do_assign_doc(user, LEAD, lead.name, assignee)  # checks the assignee is an active user
    previous = Assignment.objects.filter(ref_doctype=LEAD, docname=lead.name).exclude(user=assignee)
    for other in sorted(set(previous.values_list("user", flat=True))):
        do_unassign_doc(user, LEAD, lead.name, other)
    if not lead.first_contacted_on:
        lead = do_save_doc(
            user,
            LEAD,
            lead.name,
            {
                "first_contact_due": timezone.now() + dt.timedelta(hours=FIRST_CONTACT_HOURS),
                "first_contact_reminded": 0,
                "first_contact_alerted": 0,
                "first_contact_status": "",
            },
        )
    if assignee != user:
        do_notify(
            [assignee],
            _(
                "Lead {lead} was assigned to you: first contact by {due}",
                lead=lead.get_title(),
                due=f"{timezone.localtime(lead.first_contact_due):%Y-%m-%d %H:%M}"
                if lead.first_contact_due
                else "-",
            ),
            reference_doctype=LEAD,
            reference_name=lead.name,
        )
    return {
        "name": lead.name,
        "assigned_to": [assignee],
        "first_contact_due": to_json(lead.first_contact_due),
    }


def reassign_lead(request, user, lead: str, assign_to: str, **_ignored) -> dict[str, Any]:
    """``kuaicrm.reassign_lead``: hand a lead the user may write to another user."""
    return do_reassign_lead(user, lead, str(assign_to))


reassign_lead.writes = True  # type: ignore[attr-defined]


def on_workflow_logged(log, event: str) -> None:
    """Workflow Log after_insert: keep a Lead transition's reason on the lead itself."""
    if log.reference_doctype != LEAD or log.from_state == log.to_state:
        return
    reason = (log.reason or "").strip()
    lead: Any = get_model(LEAD).objects.get(name=log.reference_name)
    if log.to_state == RETURNED_STATE:
        # Written as the user who returned it, on the transition's authority.
        lead = do_save_doc(
            log.user, LEAD, lead.name, {"returned_reason": reason}, ignore_permissions=True
        )
        do_notify(
            [lead.owner],
            _(
                "Lead {lead} was returned to you for completion: {reason}",
                lead=lead.get_title(),
                reason=reason,
            ),
            _("Returned by {user}", user=log.user),
            reference_doctype=LEAD,
            reference_name=lead.name,
        )
    elif log.to_state in CLOSING_STATES and reason and not lead.close_details:
        do_save_doc(log.user, LEAD, lead.name, {"close_details": reason}, ignore_permissions=True)
