"""Service levels on working hours (seed 003: first touch within 24 hours, supervisor alert).

A Working Calendar says when the clock runs: work days, daily hours, holidays and extra
working days (调休). An SLA Rule gives a DocType a target in working hours from a start
field; ``check_sla_breaches`` (scheduled in hooks.py) finds documents past due whose
met-when condition is still false, records one "SLA Breach" per rule and document (so
re-runs alert nobody twice) and notifies the escalation target.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from lowcode.expressions import evaluate
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.permissions.core import user_department
from lowcode.rules.assignment import doc_values
from lowcode.rules.common import create_record
from lowcode.storage.factory import get_model

SLA_BREACH = "SLA Breach"
MAX_DAYS = 3660  # a calendar without a single working day must not loop forever


@dataclass(frozen=True)
class Calendar:
    """A working calendar in plain values (what the arithmetic needs)."""

    timezone: str = "Asia/Shanghai"
    work_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    start: dt.time = dt.time(9)
    end: dt.time = dt.time(18)
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    extra_days: frozenset[dt.date] = field(default_factory=frozenset)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        return day in self.extra_days or day.isoweekday() in self.work_days

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        zone = ZoneInfo(self.timezone)
        return (
            dt.datetime.combine(day, self.start, tzinfo=zone),
            dt.datetime.combine(day, self.end, tzinfo=zone),
        )


def load_calendar(name: str) -> Calendar:
    """Read a Working Calendar document into a Calendar."""
    doc: Any = get_model("Working Calendar").objects.get(name=name)
    days = frozenset(int(d) for d in str(doc.work_days or "").replace(" ", "").split(",") if d)
    return Calendar(
        timezone=doc.timezone or "Asia/Shanghai",
        work_days=days,
        start=doc.work_start,
        end=doc.work_end,
        holidays=frozenset(row.date for row in doc.get_children("holidays")),
        extra_days=frozenset(row.date for row in doc.get_children("extra_working_days")),
    )


def add_working_hours(start: dt.datetime, hours: float, calendar: Calendar) -> dt.datetime:
    """Return the moment ``hours`` working hours after ``start`` (an aware datetime)."""
    if calendar.end <= calendar.start:
        raise ValueError("work_end must be after work_start")
    remaining = dt.timedelta(hours=hours)
    moment = start.astimezone(ZoneInfo(calendar.timezone))
    day = moment.date()
    for _day in range(MAX_DAYS):
        if calendar.is_working_day(day):
            opens, closes = calendar.window(day)
            current = max(moment, opens)
            if current < closes:
                available = closes - current
                if remaining <= available:
                    return current + remaining
                remaining -= available
        day += dt.timedelta(days=1)
        moment = dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(calendar.timezone))
    raise ValueError("the calendar has no working time within ten years")


def working_hours_between(start: dt.datetime, end: dt.datetime, calendar: Calendar) -> float:
    """Working hours from ``start`` to ``end`` (0 when end is earlier)."""
    zone = ZoneInfo(calendar.timezone)
    start, end = start.astimezone(zone), end.astimezone(zone)
    total = dt.timedelta()
    day = start.date()
    while day <= end.date():
        if calendar.is_working_day(day):
            opens, closes = calendar.window(day)
            low, high = max(opens, start), min(closes, end)
            if high > low:
                total += high - low
        day += dt.timedelta(days=1)
    return total.total_seconds() / 3600


def department_head(user: str) -> str | None:
    """The head of the user's department (hooks ``department_head_field``)."""
    doctype, head_field = get_hooks("department_doctype"), get_hooks("department_head_field")
    department = user_department(user)
    if not (doctype and head_field and department):
        return None
    return (
        get_model(doctype)
        .objects.filter(name=department)
        .values_list(head_field, flat=True)
        .first()
    )


def escalation_recipients(rule, doc) -> list[str]:
    """Who hears of a breach: the responsible user's supervisor, a role, or a user."""
    from lowcode.models import Assignment, HasRole

    if rule.escalate_to == "User":
        return [rule.escalate_user] if rule.escalate_user else []
    if rule.escalate_to == "Role":
        users = HasRole.objects.filter(role=rule.escalate_role).values_list(
            "user__username", flat=True
        )
        return sorted(set(users))
    responsible = list(
        Assignment.objects.filter(ref_doctype=doc.doctype, docname=doc.name).values_list(
            "user", flat=True
        )
    ) or [doc.owner]
    heads = {department_head(user) for user in responsible}
    return sorted(head for head in heads if head)


def check_sla_breaches(now: dt.datetime | None = None) -> int:
    """Scheduled: record and escalate every new breach; return how many were found."""
    now = now or timezone.now()
    found = 0
    rule_model: Any = get_model("SLA Rule")
    for name in rule_model.objects.filter(enabled=True).values_list("name", flat=True):
        with transaction.atomic():
            # The lock makes overlapping scheduler runs take turns: one alert per breach.
            rule = rule_model.objects.select_for_update().get(name=name)
            found += _check_rule(rule, now)
    return found


def _check_rule(rule, now: dt.datetime) -> int:
    if not registry.exists(rule.document_type):
        return 0
    meta = registry.get_meta(rule.document_type)
    calendar = load_calendar(rule.calendar)
    start_field = rule.start_field or "creation"
    breaches: Any = get_model(SLA_BREACH).objects.filter(
        sla_rule=rule.name, reference_doctype=rule.document_type
    )
    candidates: Any = get_model(rule.document_type).objects.exclude(
        name__in=breaches.values("reference_name")
    )
    field = meta.get_field(start_field)
    if field is None or not field.is_custom:
        # Working time never runs faster than the wall clock: anything younger cannot be due.
        candidates = candidates.filter(
            **{f"{start_field}__lte": now - dt.timedelta(hours=float(rule.target_hours))}
        )
        if rule.lookback_days:
            # Bounds each run, and a new rule does not alert on years of history.
            oldest = now - dt.timedelta(days=int(rule.lookback_days))
            candidates = candidates.filter(**{f"{start_field}__gte": oldest})
    found = 0
    for doc in candidates.order_by("name").iterator(chunk_size=500):
        started = doc.get(start_field)
        if started is None:
            continue
        if isinstance(started, str):
            started = dt.datetime.fromisoformat(started)
        if isinstance(started, dt.date) and not isinstance(started, dt.datetime):
            started = dt.datetime.combine(started, dt.time(0))
        if timezone.is_naive(started):
            started = timezone.make_aware(started)
        values = doc_values(doc)
        if rule.condition and not evaluate(rule.condition, values):
            continue
        if evaluate(rule.met_condition, values):
            continue
        due = add_working_hours(started, float(rule.target_hours), calendar)
        if due > now:
            continue
        recipients = escalation_recipients(rule, doc)
        create_record(
            SLA_BREACH,
            "Administrator",
            sla_rule=rule.name,
            reference_doctype=doc.doctype,
            reference_name=doc.name,
            due=due,
            notified=", ".join(recipients),
        )
        if recipients:
            from lowcode.notify.actions import do_notify

            do_notify(
                recipients,
                _(
                    "SLA breached: {doctype} {name} was due {due}",
                    doctype=_(doc.doctype),
                    name=doc.get_title(),
                    due=due.astimezone(ZoneInfo(calendar.timezone)).strftime("%Y-%m-%d %H:%M"),
                ),
                _("SLA Rule {rule}", rule=rule.title),
                reference_doctype=doc.doctype,
                reference_name=doc.name,
            )
        found += 1
    return found
