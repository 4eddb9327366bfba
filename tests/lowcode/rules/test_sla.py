"""SLA: working-hours arithmetic on a calendar, and the scheduled breach check with escalation."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.hooks_loader import get_hooks
from lowcode.rules.sla import Calendar, add_working_hours, check_sla_breaches, working_hours_between
from lowcode.storage.factory import get_model

SH = ZoneInfo("Asia/Shanghai")
MON, TUE, WED, FRI, SAT = (dt.date(2026, 3, d) for d in (2, 3, 4, 6, 7))
CAL = Calendar()  # Mon–Fri 09:00–18:00, Asia/Shanghai


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "hours", "calendar", "due"),
    [
        (at(MON, 10), 4, CAL, at(MON, 14)),  # within one day
        (at(MON, 9), 9, CAL, at(MON, 18)),  # exactly the whole day
        (at(MON, 16), 4, CAL, at(TUE, 11)),  # spans the night
        (at(MON, 9), 24, CAL, at(WED, 15)),  # seed 003's 24 hours: 9 + 9 + 6
        (at(FRI, 17), 2, CAL, at(MON + dt.timedelta(days=7), 10)),  # spans the weekend
        (at(SAT, 12), 1, CAL, at(MON + dt.timedelta(days=7), 10)),  # starts on a weekend
        (at(MON, 7), 1, CAL, at(MON, 10)),  # starts before hours
        (at(MON, 20), 1, CAL, at(TUE, 10)),  # starts after hours
        (at(MON, 10, 30), 0.5, CAL, at(MON, 11)),  # fractions of an hour
        (at(MON, 17), 2, Calendar(holidays=frozenset({TUE})), at(WED, 10)),  # holiday skipped
        (at(FRI, 17), 2, Calendar(extra_days=frozenset({SAT})), at(SAT, 10)),  # 调休 Saturday
        (
            at(MON, 17),
            3,
            Calendar(start=dt.time(8, 30), end=dt.time(12)),
            at(TUE, 11, 30),
        ),  # other hours: the clock restarts at 08:30 the next day
    ],
)
def test_due_time_counts_only_working_hours(start, hours, calendar, due):
    assert add_working_hours(start, hours, calendar) == due


def test_a_start_in_another_time_zone_is_read_in_the_calendars():
    start = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai

    assert add_working_hours(start, 1, CAL) == at(MON, 10)


def test_working_hours_between_inverts_add_working_hours():
    calendar = Calendar(holidays=frozenset({WED}), extra_days=frozenset({SAT}))
    for start in (at(MON, 8), at(TUE, 17, 45), at(FRI, 12), at(SAT, 23)):
        for hours in (0.25, 3, 9, 20, 50):
            due = add_working_hours(start, hours, calendar)
            assert working_hours_between(start, due, calendar) == pytest.approx(hours)


def test_a_calendar_without_working_days_is_an_error():
    with pytest.raises(ValueError, match="no working time"):
        add_working_hours(at(MON, 9), 1, Calendar(work_days=frozenset()))


@pytest.fixture
def first_touch(users, make_rule):
    """Seed 003: a Lead must leave "Open" within 24 working hours, or the supervisor hears."""
    head_field = get_hooks("department_head_field")
    do_save_doc("Administrator", "Department", "苏州组", {head_field: "manager"})
    make_rule(
        "Working Calendar",
        {
            "calendar_name": "中国工作日",
            "timezone": "Asia/Shanghai",
            "work_days": "1,2,3,4,5",
            "work_start": "09:00:00",
            "work_end": "18:00:00",
            "holidays": [{"date": "2026-10-01", "description": "国庆"}],
            "extra_working_days": [{"date": "2026-09-27", "description": "调休"}],
        },
    )
    return make_rule(
        "SLA Rule",
        {
            "title": "24小时首次联系",
            "document_type": "Lead",
            "start_field": "creation",
            "target_hours": 24,
            "met_condition": "doc.status != 'Open'",
            "calendar": "中国工作日",
            "escalate_to": "Supervisor",
        },
    )


def notifications(user: str) -> list:
    return list(
        get_model("Notification Log")
        .objects.filter(for_user=user)
        .values_list("document_name", flat=True)
    )


def test_a_breach_alerts_the_supervisor_once(first_touch):
    late = do_insert_doc("rep", "Lead", {"lead_name": "没人理"})
    contacted = do_insert_doc("rep", "Lead", {"lead_name": "已联系"})
    do_save_doc("rep", "Lead", contacted.name, {"status": "Contacted"})
    later = late.creation + dt.timedelta(days=10)

    assert check_sla_breaches(now=late.creation + dt.timedelta(hours=1)) == 0
    assert check_sla_breaches(now=later) == 1
    assert check_sla_breaches(now=later + dt.timedelta(hours=1)) == 0  # idempotent

    breaches = get_model("SLA Breach").objects.filter(sla_rule=first_touch["name"])
    assert list(breaches.values_list("reference_name", "notified")) == [(late.name, "manager")]
    assert notifications("manager") == [late.name]
    assert notifications("rep") == []


def test_the_assignees_supervisor_is_alerted_and_roles_can_be_escalated_to(first_touch, make_rule):
    lead = do_insert_doc("Administrator", "Lead", {"lead_name": "南区"})
    from lowcode.documents.actions import do_assign_doc

    do_assign_doc("Administrator", "Lead", lead.name, "south")
    do_save_doc("Administrator", "Department", "华南销售部", {"head": "south_manager"})
    make_rule(
        "SLA Rule",
        {
            "title": "经理知悉",
            "document_type": "Lead",
            "target_hours": 48,
            "met_condition": "doc.status != 'Open'",
            "calendar": "中国工作日",
            "escalate_to": "Role",
            "escalate_role": "Sales Manager",
        },
    )

    assert check_sla_breaches(now=lead.creation + dt.timedelta(days=20)) == 2

    assert notifications("south_manager") == [lead.name, lead.name]
    assert notifications("manager") == [lead.name]


def test_the_scheduler_runs_the_breach_check(first_touch, inline_jobs):
    from django.utils import timezone

    from lowcode.jobs.scheduler import tick

    lead = do_insert_doc("rep", "Lead", {"lead_name": "周末来的"})
    # Time passing: the lead arrived three weeks ago (the only way to age a row in a test).
    get_model("Lead").objects.filter(name=lead.name).update(
        creation=timezone.now() - dt.timedelta(days=21)
    )

    with inline_jobs(execute=True):
        keys = tick(timezone.now())

    assert any(key.endswith("lowcode.rules.sla.check_sla_breaches") for key in keys)
    assert notifications("manager") == [lead.name]


def test_documents_older_than_the_lookback_are_not_checked(first_touch):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "陈年旧账"})

    assert check_sla_breaches(now=lead.creation + dt.timedelta(days=31)) == 0
    assert check_sla_breaches(now=lead.creation + dt.timedelta(days=29)) == 1
