"""Scheduled jobs of KuaiCRM (wired in hooks.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

# Seed 003: every new lead is touched within 24 hours; the responsible rep hears of it
# beforehand, and the supervisor when it is missed.
FIRST_CONTACT_WARNING_HOURS = 4
# Leads that no longer wait for a first touch.
FIRST_CONTACT_DONE_STATUSES = ("Invalid", "Closed", "Converted")
# Only deadlines of the last week are checked (as the SLA rules' lookback_days): this bounds
# each run to an index range, and a site upgrading with years of untouched leads does not
# alert every supervisor about all of them at once.
FIRST_CONTACT_LOOKBACK_DAYS = 7


def _responsible(lead) -> list[str]:
    """The lead's assignees, or its owner when nobody is assigned."""
    from lowcode.sdk import Assignment

    assignees = Assignment.objects.filter(ref_doctype="Lead", docname=lead.name).values_list(
        "user", flat=True
    )
    return sorted(set(assignees)) or [lead.owner]


def supervisors_of(users: list[str]) -> list[str]:
    """Each user's department head (the SLA engine's "Supervisor"), or the next head up
    the department tree when their own department has none or they head it."""
    from lowcode.sdk import department_head, supervisor_of

    heads = set()
    for user in users:
        head = department_head(user)
        if not head or head == user:
            head = supervisor_of(user)
        if head:
            heads.add(head)
    return sorted(heads)


def check_first_contact(now=None) -> tuple[int, int]:
    """Hourly: warn before the first-contact deadline, alert the supervisor once it passes.

    Each lead is claimed by a conditional write of its flag (``do_set_system_fields`` with
    ``where``: an UPDATE that locks the row until the commit), so overlapping runs take turns
    and nobody is told twice. Return (reminded,
    alerted).
    """
    from django.db import transaction

    from lowcode.sdk import _, do_notify, do_set_system_fields, get_model

    now = now or timezone.now()
    Lead = get_model("Lead")
    waiting = Lead.objects.filter(
        first_contacted_on__isnull=True,
        first_contact_due__lte=now + dt.timedelta(hours=FIRST_CONTACT_WARNING_HOURS),
        first_contact_due__gte=now - dt.timedelta(days=FIRST_CONTACT_LOOKBACK_DAYS),
        archived=False,
    ).exclude(status__in=FIRST_CONTACT_DONE_STATUSES)
    due_soon = waiting.filter(first_contact_due__gt=now, first_contact_reminded=False)
    overdue = waiting.filter(first_contact_due__lte=now, first_contact_alerted=False)
    reminded = alerted = 0
    for lead in due_soon.order_by("first_contact_due", "name").iterator(chunk_size=500):
        with transaction.atomic():
            if not do_set_system_fields(
                "Lead",
                lead.name,
                {"first_contact_reminded": 1},
                where={"first_contacted_on": None, "first_contact_reminded": 0},
            ):
                continue  # contacted meanwhile, or another run took it
            do_notify(
                _responsible(lead),
                _(
                    "First contact due soon: lead {lead} must be contacted by {due}",
                    lead=lead.get_title(),
                    due=f"{timezone.localtime(lead.first_contact_due):%Y-%m-%d %H:%M}",
                ),
                reference_doctype="Lead",
                reference_name=lead.name,
            )
            reminded += 1
    for lead in overdue.order_by("first_contact_due", "name").iterator(chunk_size=500):
        with transaction.atomic():
            if not do_set_system_fields(
                "Lead",
                lead.name,
                {"first_contact_alerted": 1, "first_contact_status": "Overdue"},
                where={"first_contacted_on": None, "first_contact_alerted": 0},
            ):
                continue
            responsible = _responsible(lead)
            due = f"{timezone.localtime(lead.first_contact_due):%Y-%m-%d %H:%M}"
            do_notify(
                responsible,
                _(
                    "First contact overdue: lead {lead} was due to be contacted by {due}",
                    lead=lead.get_title(),
                    due=due,
                ),
                reference_doctype="Lead",
                reference_name=lead.name,
            )
            supervisors = [s for s in supervisors_of(responsible) if s not in responsible]
            do_notify(
                supervisors,
                _(
                    "First contact overdue: lead {lead} of {users} was due to be contacted by {due}",
                    lead=lead.get_title(),
                    users=", ".join(responsible),
                    due=due,
                ),
                reference_doctype="Lead",
                reference_name=lead.name,
            )
            alerted += 1
    return reminded, alerted


def remind_follow_up_tasks(today=None) -> int:
    """Daily: tell each assignee of an open follow-up task due today or overdue, once."""
    from django.db import transaction

    from lowcode.sdk import _, do_notify, do_set_system_fields, get_model

    today = today or timezone.localdate()
    Task = get_model("Follow-up Task")
    due = Task.objects.filter(status="Open", reminded=False, due_date__lte=today)
    reminded = 0
    for task in due.order_by("due_date", "name").iterator(chunk_size=500):
        with transaction.atomic():
            if not do_set_system_fields(
                "Follow-up Task",
                task.name,
                {"reminded": 1},
                where={"reminded": 0, "status": "Open"},
            ):
                continue
            if task.due_date < today:
                subject = _(
                    "Follow-up task overdue: {subject} (due {due})",
                    subject=task.subject,
                    due=f"{task.due_date:%Y-%m-%d}",
                )
            else:
                subject = _("Follow-up task due today: {subject}", subject=task.subject)
            do_notify(
                [task.assigned_to],
                subject,
                reference_doctype="Follow-up Task",
                reference_name=task.name,
            )
            reminded += 1
    return reminded


# Days without a follow-up after which an active customer is at risk, by customer level:
# the best customers are watched most closely.
SILENT_DAYS_BY_LEVEL = {"A": 30, "B": 60, "C": 90, "": 90}


def raise_churn_warnings(now=None) -> list[str]:
    """Open a Churn Warning for every active customer silent too long (seed 000, flow 4)."""
    from django.db.models import Q

    from lowcode.sdk import _, do_insert_doc, get_model

    now = now or timezone.now()
    Customer = get_model("Customer")
    watched = set(
        get_model("Churn Warning")
        .objects.filter(Q(outcome="") | Q(outcome__isnull=True))
        .values_list("customer", flat=True)
    )
    raised = []
    for level, days in SILENT_DAYS_BY_LEVEL.items():
        cutoff = now - dt.timedelta(days=days)
        silent = Customer.objects.filter(
            Q(customer_level=level) if level else Q(customer_level="") | Q(customer_level=None),
            status="Active",
        ).filter(Q(last_followup_on__lt=cutoff) | Q(last_followup_on=None, creation__lt=cutoff))
        for customer, owner, last in silent.values_list("name", "owner", "last_followup_on"):
            if customer in watched:
                continue
            # Raised as the customer's owner, so the rep sees it and their supervisor confirms.
            warning = do_insert_doc(
                owner,
                "Churn Warning",
                {
                    "customer": customer,
                    "indicator": "No Recent Follow-up",
                    "risk_level": "High" if level == "A" else "Medium",
                    "alert_details": _(
                        "No follow-up for more than {days} days (last: {last})",
                        days=days,
                        last=f"{last:%Y-%m-%d}" if last else "-",
                    ),
                },
                ignore_permissions=True,
            )
            raised.append(warning.name)
    return raised
