"""Follow-up Record (跟进记录): one contact with a lead, customer or opportunity.

Saving or deleting a record keeps the counters of what it is about in step:
- Lead: follow-up count, last follow-up, next planned date (the latest record's) and, at the
  first contact, ``first_contacted_on`` and ``first_contact_status`` (On Time / Overdue against
  ``first_contact_due``);
- Customer: ``last_followup_on`` (the latest contact);
- Opportunity: follow-up count, last interaction and the win probability, through a save of the
  opportunity (its controller counts the records).
Lead and Customer counters are read-only columns no user edits, written by the engine's
``do_set_system_fields`` (one UPDATE each, no Version: the records are the history): a save
through ``do_save_doc`` would re-run their workflows, quality gate and scoring for what is
bookkeeping (and could refuse a contact over an unrelated field).

A record with a next follow-up date plans it as a Follow-up Task for the record's owner, linked
back in ``follow_up_task``; moving the date later moves the still-open task.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max

from lowcode.sdk import (
    Document,
    FieldError,
    PermissionError,
    ValidationError,
    _,
    do_set_system_fields,
    get_model,
    label_of,
    permitted_queryset,
    to_json,
)

TARGETS = (("lead", "Lead"), ("customer", "Customer"), ("opportunity", "Opportunity"))
# What the counters of the linked documents depend on.
COUNTED_FIELDS = ("lead", "customer", "opportunity", "followed_up_on", "next_followup_on")


class FollowUpRecord(Document):
    lead: str | None
    customer: str | None
    opportunity: str | None
    followup_method: str | None
    followed_up_on: dt.datetime | None
    content: str | None
    next_step: str | None
    next_followup_on: dt.date | None
    follow_up_task: str | None

    def validate(self) -> None:
        self.keep_plan_link()
        self.check_linked()
        self.check_links_readable()
        self.fill_customer()

    def on_update(self) -> None:
        before: Any = self._doc_before_save or {}
        self.note_first_contact()
        # Inserted (no before-save state) or moved: recount.
        if not before or any(to_json(self.get(f)) != before.get(f) for f in COUNTED_FIELDS):
            for fieldname, _doctype in TARGETS:
                for value in {self.get(fieldname), before.get(fieldname)} - {None, ""}:
                    refresh_counters(fieldname, value, self.acting_user)
        self.plan_next_follow_up()

    def after_delete(self) -> None:
        for fieldname, _doctype in TARGETS:
            if self.get(fieldname):
                refresh_counters(fieldname, self.get(fieldname), self.acting_user, deleted=self)

    # ------------------------------------------------------------------ validate steps
    def keep_plan_link(self) -> None:
        """``follow_up_task`` is written by the record itself, never from input."""
        if self.is_new:
            self.follow_up_task = None
        else:
            self.follow_up_task = (
                get_model(self.doctype)
                .objects.filter(name=self.name)
                .values_list("follow_up_task", flat=True)
                .first()
            )

    def check_linked(self) -> None:
        if any(self.get(fieldname) for fieldname, _doctype in TARGETS):
            return
        message = _("Link the follow-up to a lead, a customer or an opportunity")
        raise ValidationError(
            message, [FieldError(fieldname, "reqd", message) for fieldname, _doctype in TARGETS]
        )

    def check_links_readable(self) -> None:
        """One may only log a follow-up on what one may read (a link to another rep's lead
        would move their counters): answered like a missing record."""
        user = self.acting_user
        if not user:
            return
        before: Any = self._doc_before_save or {}
        errors = []
        for fieldname, doctype in TARGETS:
            value = self.get(fieldname)
            if not value or value == before.get(fieldname):
                continue
            try:
                readable = permitted_queryset(user, doctype).filter(name=value).exists()
            except PermissionError:
                readable = False
            if not readable and get_model(doctype).objects.filter(name=value).exists():
                message = _(
                    "{label}: {doctype} {value} does not exist",
                    label=label_of(self.meta.get_field(fieldname)),
                    doctype=_(doctype),
                    value=value,
                )
                errors.append(FieldError(fieldname, "link", message))
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)

    def fill_customer(self) -> None:
        if self.customer:
            return
        if self.opportunity:
            self.customer = (
                get_model("Opportunity")
                .objects.filter(name=self.opportunity)
                .values_list("customer", flat=True)
                .first()
            )
        if not self.customer and self.lead:
            self.customer = (
                get_model("Lead")
                .objects.filter(name=self.lead)
                .values_list("customer", flat=True)
                .first()
            )

    # ------------------------------------------------------------------ on_update steps
    def note_first_contact(self) -> None:
        from kuaicrm.doctype.lead.lead import first_contact_status

        if not self.lead or self.followed_up_on is None:
            return
        Lead: Any = get_model("Lead")
        lead = Lead.objects.filter(name=self.lead).values(
            "first_contacted_on", "first_contact_due", "first_contact_status"
        )
        found = lead.first()
        if found is None or found["first_contacted_on"] is not None:
            return
        status = first_contact_status(
            self.followed_up_on, found["first_contact_due"], found["first_contact_status"]
        )
        do_set_system_fields(
            "Lead",
            self.lead,
            {"first_contacted_on": self.followed_up_on, "first_contact_status": status},
            where={"first_contacted_on": None},  # the first contact is recorded once
        )

    def plan_next_follow_up(self) -> None:
        """Turn the next follow-up date into a Follow-up Task (once; later moves follow it)."""
        from lowcode.sdk import do_insert_doc, do_save_doc

        if not self.next_followup_on:
            return
        Task: Any = get_model("Follow-up Task")
        if self.follow_up_task:
            task = Task.objects.filter(name=self.follow_up_task).values("status", "due_date")
            found = task.first()
            if found and found["status"] == "Open" and found["due_date"] != self.next_followup_on:
                do_save_doc(
                    self.owner,
                    "Follow-up Task",
                    self.follow_up_task,
                    {"due_date": self.next_followup_on},
                    ignore_permissions=True,
                )
            return
        step = (self.next_step or "").strip()
        task = do_insert_doc(
            self.owner,
            "Follow-up Task",
            {
                "subject": step.splitlines()[0][:140] if step else _("Next Follow-up"),
                "description": step or None,
                "due_date": self.next_followup_on,
                "assigned_to": self.owner,
                "lead": self.lead,
                "opportunity": self.opportunity,
                "customer": self.customer,
                "followup_method": self.followup_method,
            },
            ignore_permissions=True,
        )
        do_set_system_fields(self.doctype, self.name, {"follow_up_task": task.name})
        self.follow_up_task = task.name


def refresh_counters(
    fieldname: str, value: str, user: str, deleted: FollowUpRecord | None = None
) -> None:
    """Recount what one Lead, Customer or Opportunity shows of its follow-ups."""
    records: Any = get_model("Follow-up Record").objects.filter(**{fieldname: value})
    if fieldname == "lead":
        found = records.aggregate(count=Count("name"), last=Max("followed_up_on"))
        latest = records.order_by("-followed_up_on", "-creation").values_list(
            "next_followup_on", flat=True
        )
        do_set_system_fields(
            "Lead",
            value,
            {
                "followup_count": found["count"],
                "last_followup_on": found["last"],
                "next_followup_on": latest.first(),
            },
        )
    elif fieldname == "customer":
        _refresh_customer(value, records, deleted)
    elif get_model("Opportunity").objects.filter(name=value).exists():
        from lowcode.sdk import do_save_doc

        do_save_doc(user or "Administrator", "Opportunity", value, {}, ignore_permissions=True)


def _refresh_customer(customer: str, records: Any, deleted: FollowUpRecord | None) -> None:
    """The customer's last follow-up only moves forward with a new record, and back only when
    the deleted record was the latest one (other sources, such as a claim, may set it too)."""
    Customer: Any = get_model("Customer")
    current = Customer.objects.filter(name=customer).values_list("last_followup_on", flat=True)
    stored = current.first()
    latest = records.aggregate(last=Max("followed_up_on"))["last"]
    if deleted is not None:
        if stored is None or deleted.followed_up_on != stored:
            return
        value = latest
    else:
        value = max(v for v in (stored, latest) if v is not None) if latest else stored
    if value != stored:
        do_set_system_fields("Customer", customer, {"last_followup_on": value})
