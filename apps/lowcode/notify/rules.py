"""Notification rules (Frappe's Notification): who hears what when a document changes.

An administrator configures a rule per DocType: the event (New, Save, Submit, Cancel,
Value Change, or Days After / Days Before a date field), a condition, the recipients (a
field holding a user or an email address, a role, the assignees) and subject and message
templates. Document events decide *whether* a rule fires while the write is open (the
value before the save is known only then); the sending runs after the commit, like a
webhook's delivery, so a rolled-back save notifies no one. Dated rules run from the daily
scheduler, each (rule, document, day) claimed once by a unique INSERT.

Every recipient must be able to read the document, and the templates are rendered per
recipient from the document as that recipient reads it (``query.reads.get_doc``), in the
print formats' Jinja sandbox with autoescape.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from lowcode.exceptions import DoesNotExistError, FrappeError
from lowcode.expressions import ExpressionError, evaluate, today
from lowcode.jobs import enqueue
from lowcode.meta import registry
from lowcode.permissions.core import permitted_levels
from lowcode.query.reads import doc_to_dict, get_doc
from lowcode.storage.factory import get_model

NOTIFICATION = "Notification"
CACHE_KEY = "notify.notifications"
# The DocType event each rule event listens to.
EVENT_HOOKS = {
    "New": "after_insert",
    "Save": "on_update",
    "Value Change": "on_update",
    "Submit": "on_submit",
    "Cancel": "on_cancel",
}
DATED_EVENTS = ("Days After", "Days Before")
DATE_TYPES = frozenset({"Date", "Datetime"})
SYSTEM_NOTIFICATION = "System Notification"
EMAIL = "Email"
# A notification's own records would feed on themselves.
SKIPPED_DOCTYPES = frozenset({"Notification Log", "Webhook Request Log", NOTIFICATION})
ALL_LEVELS = frozenset(range(10))
# Standard columns naming a user, which Frappe's Notification offers as recipient fields too.
USER_COLUMNS = frozenset({"owner", "modified_by"})


@dataclass(frozen=True)
class Rule:
    """One enabled Notification, as the cache keeps it (read-only)."""

    name: str
    owner: str
    document_type: str
    event: str
    channel: str
    condition: str
    date_changed: str
    days_in_advance: int
    value_changed: str
    send_to_all_assignees: bool
    receiver_fields: tuple[str, ...]
    receiver_roles: tuple[str, ...]
    subject: str
    message: str


def rules_by_doctype() -> dict[str, tuple[Rule, ...]]:
    """Every enabled rule by DocType (cached per process under the metadata generation)."""

    def load() -> dict[str, tuple[Rule, ...]]:
        found: dict[str, list[Rule]] = {}
        for row in get_model(NOTIFICATION).objects.filter(enabled=1).order_by("name"):
            recipients = row.get_children("recipients")
            found.setdefault(row.document_type, []).append(
                Rule(
                    name=row.name,
                    owner=row.owner,
                    document_type=row.document_type,
                    event=row.event,
                    channel=row.channel or SYSTEM_NOTIFICATION,
                    condition=(row.condition or "").strip(),
                    date_changed=row.date_changed or "",
                    days_in_advance=int(row.days_in_advance or 0),
                    value_changed=row.value_changed or "",
                    send_to_all_assignees=bool(row.send_to_all_assignees),
                    receiver_fields=tuple(
                        r.receiver_by_document_field
                        for r in recipients
                        if r.receiver_by_document_field
                    ),
                    receiver_roles=tuple(
                        r.receiver_by_role for r in recipients if r.receiver_by_role
                    ),
                    subject=row.subject or "",
                    message=row.message or "",
                )
            )
        return {doctype: tuple(rules) for doctype, rules in found.items()}

    return registry.config_cached((CACHE_KEY,), load)


def forget_rules() -> None:
    """Drop the cached rules in every process after a Notification changes."""
    registry.bump_generation()


def condition_holds(rule: Rule, doc) -> bool:
    """Evaluate the rule's condition over the document; a broken one never fires.

    The values are those the rule's owner may read, so a condition cannot probe a field
    hidden from whoever wrote it.
    """
    if not rule.condition:
        return True
    levels = (frozenset({0}) | permitted_levels(rule.owner, doc.doctype, "read")) & ALL_LEVELS
    try:
        return evaluate(rule.condition, doc_to_dict(rule.owner, doc, levels=levels))
    except ExpressionError:
        return False


def _fires(rule: Rule, doc, event: str) -> bool:
    if EVENT_HOOKS.get(rule.event) != event:
        return False
    before = getattr(doc, "_doc_before_save", None)
    if rule.event == "Save" and before is None:
        return False  # the first save is "New"
    if rule.event == "Value Change":
        if before is None or not rule.value_changed:
            return False
        if before.get(rule.value_changed) == doc.get(rule.value_changed):
            return False
    return condition_holds(rule, doc)


def run_notifications(doc, event: str) -> None:
    """Queue every rule of this DocType that fires on ``event`` (doc_events "*" handler)."""
    if doc.doctype in SKIPPED_DOCTYPES:
        return
    rules = rules_by_doctype().get(doc.doctype)
    if not rules:
        return
    for rule in rules:
        if _fires(rule, doc, event):
            enqueue(
                "lowcode.notify.rules.send_notification",
                notification=rule.name,
                doctype=doc.doctype,
                name=doc.name,
            )


def _rule(name: str, doctype: str) -> Rule | None:
    return next((r for r in rules_by_doctype().get(doctype, ()) if r.name == name), None)


def candidates(rule: Rule, doc) -> list[str]:
    """The users the rule names for ``doc`` (active ones), before the read check."""
    from lowcode.meta.registry import get_meta
    from lowcode.models import Assignment, HasRole

    User = get_user_model()
    names: set[str] = set()
    emails: set[str] = set()
    meta = get_meta(doc.doctype)
    for fieldname in rule.receiver_fields:
        if fieldname in USER_COLUMNS:
            names.add(str(getattr(doc, fieldname, "") or ""))
            continue
        field = meta.get_field(fieldname)
        value = str(doc.get(fieldname) or "").strip()
        if field is None or not value:
            continue
        if field.fieldtype == "Link" and field.options == "User":
            names.add(value)
        elif "@" in value:
            emails.add(value.lower())
    if rule.receiver_roles:
        names |= set(
            HasRole.objects.filter(role__in=rule.receiver_roles).values_list(
                "user__username", flat=True
            )
        )
    if rule.send_to_all_assignees:
        names |= set(
            Assignment.objects.filter(ref_doctype=doc.doctype, docname=doc.name).values_list(
                "user", flat=True
            )
        )
    users = User.objects.filter(is_active=True)
    found = set(users.filter(username__in=names).values_list("username", flat=True))
    # An address reaches the user who has it: an outsider's read rights cannot be known.
    for email in emails:
        found |= set(users.filter(email__iexact=email).values_list("username", flat=True))
    return sorted(found)


def render(rule: Rule, data: dict) -> tuple[str, str]:
    """Subject and message for one recipient, rendered in the print formats' sandbox."""
    from lowcode.printing.render import Record, render_template

    context = {"doc": Record(data)}
    subject = render_template(rule.subject, context, rule.name).strip()
    message = render_template(rule.message, context, rule.name).strip()
    return subject, message


def _deliver(rule: Rule, doc) -> int:
    """Render per reader and send; return how many users were notified."""
    from lowcode.notify.actions import do_notify

    groups: dict[tuple[str, str], list[str]] = {}
    for user in candidates(rule, doc):
        try:
            data = get_doc(user, doc.doctype, doc.name)
        except DoesNotExistError:
            continue  # cannot read it: hears nothing of it
        try:
            key = render(rule, data)
        except FrappeError:
            continue  # a template the sandbox refuses sends nothing
        groups.setdefault(key, []).append(user)
    for (subject, message), users in groups.items():
        if rule.channel == EMAIL:
            addresses = list(
                get_user_model()
                .objects.filter(username__in=users)
                .exclude(email="")
                .values_list("email", flat=True)
            )
            if addresses:
                enqueue(
                    "lowcode.notify.actions.send_notification_email",
                    subject=subject,
                    message=message,
                    emails=sorted(addresses),
                )
        else:
            do_notify(
                users,
                subject,
                message,
                reference_doctype=doc.doctype,
                reference_name=doc.name,
            )
    return sum(len(users) for users in groups.values())


def send_notification(notification: str, doctype: str, name: str) -> int:
    """Send one rule for one document (the job queued by a document event)."""
    rule = _rule(notification, doctype)
    if rule is None:
        return 0  # disabled or deleted since the event
    doc = get_model(doctype).objects.filter(name=name).first()
    if doc is None:
        return 0
    with transaction.atomic():
        return _deliver(rule, doc)


def due_documents(rule: Rule, day: dt.date):
    """Documents whose ``date_changed`` falls on the day the rule looks at, as of ``day``."""
    from lowcode.meta.registry import get_meta

    field = get_meta(rule.document_type).get_field(rule.date_changed)
    if field is None or field.fieldtype not in DATE_TYPES or getattr(field, "is_custom", False):
        return None
    shift = dt.timedelta(days=rule.days_in_advance)
    target = day - shift if rule.event == "Days After" else day + shift
    objects = get_model(rule.document_type).objects.filter(docstatus__lt=2)
    if field.fieldtype == "Date":
        return objects.filter(**{rule.date_changed: target})
    # A Datetime counts by the site's local day. A range of aware datetimes, not ``__date``:
    # on MariaDB ``__date`` needs the server's time-zone tables (CONVERT_TZ gives NULL
    # without them) and cannot use the column's index.
    start = timezone.make_aware(dt.datetime.combine(target, dt.time.min))
    return objects.filter(
        **{
            f"{rule.date_changed}__gte": start,
            f"{rule.date_changed}__lt": start + dt.timedelta(days=1),
        }
    )


def do_send_dated_notifications() -> int:
    """Send the Days After / Days Before rules due today (daily scheduler; honours ``as_of``).

    Each (rule, document, day) is claimed by one INSERT in the same transaction as the
    sending, so two runs never send twice and a failed send gives its claim back.
    """
    from lowcode.notify.models import NotificationClaim

    day = today()
    sent = 0
    for rules in rules_by_doctype().values():
        for rule in rules:
            if rule.event not in DATED_EVENTS:
                continue
            documents = due_documents(rule, day)
            if documents is None:
                continue
            for doc in documents.order_by("name").iterator():
                if not condition_holds(rule, doc):
                    continue
                try:
                    with transaction.atomic():
                        NotificationClaim.objects.create(
                            notification=rule.name,
                            reference_doctype=rule.document_type,
                            reference_name=doc.name,
                            day=day,
                        )
                        sent += _deliver(rule, doc)
                except IntegrityError:
                    continue  # another run claimed it
    return sent
