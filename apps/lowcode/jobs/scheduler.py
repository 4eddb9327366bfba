"""Run ``scheduler_events`` from hooks.py: all (every tick), hourly, daily, weekly, monthly, cron.

Each (event, period) is *claimed* in the database before it is enqueued, by one
conditional UPDATE (or the INSERT of its first run): of any number of scheduler
processes ticking the same period, exactly one wins the row and enqueues, and a
restarted scheduler neither skips nor repeats a period. ``tick`` is what the
scheduler process calls every minute; ``run_forever`` is that process's loop,
which rides out database and Redis outages (log, back off, reconnect) and records
every tick and error in ``SchedulerHeartbeat`` for ``kuaicrm status`` and the desk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone

from lowcode.hooks_loader import get_hooks
from lowcode.jobs import enqueue

logger = logging.getLogger(__name__)

# Back-off after a failed tick: RETRY_BASE_SECONDS (or the interval, if shorter),
# doubling up to MAX_BACKOFF_SECONDS, so an outage costs a few quiet retries, not a crash.
RETRY_BASE_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 300.0
# Heartbeats of processes silent this long are dropped (a restarted scheduler has a new pid).
FORGET_AFTER = dt.timedelta(days=1)


def _cron_field_matches(spec: str, value: int, low: int, high: int) -> bool:
    for part in spec.split(","):
        step, step_given = 1, "/" in part
        if step_given:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(a), int(b)
        else:
            # "5/20" means 5-59/20 in cron, a bare number only itself
            start, end = int(part), (high if step_given else int(part))
        if start <= value <= end and (value - start) % step == 0:
            return True
    return False


def cron_matches(expression: str, moment: dt.datetime) -> bool:
    """Whether a five-field cron expression fires at this minute."""
    minute, hour, day, month, weekday = expression.split()
    return (
        _cron_field_matches(minute, moment.minute, 0, 59)
        and _cron_field_matches(hour, moment.hour, 0, 23)
        and _cron_field_matches(day, moment.day, 1, 31)
        and _cron_field_matches(month, moment.month, 1, 12)
        # Sunday is 0 or 7, as in cron
        and (
            _cron_field_matches(weekday, moment.isoweekday() % 7, 0, 7)
            or (moment.isoweekday() == 7 and _cron_field_matches(weekday, 7, 0, 7))
        )
    )


def _period_start(kind: str, moment: dt.datetime) -> dt.datetime | None:
    moment = moment.replace(second=0, microsecond=0)
    if kind == "all":
        return moment
    if kind == "hourly":
        return moment.replace(minute=0)
    if kind == "daily":
        return moment.replace(minute=0, hour=0)
    if kind == "weekly":
        return moment.replace(minute=0, hour=0) - dt.timedelta(days=moment.weekday())
    if kind == "monthly":
        return moment.replace(minute=0, hour=0, day=1)
    return None


@dataclass(frozen=True)
class DueEvent:
    """One scheduler event due now: its key, dotted path and the start of its period."""

    key: str
    path: str
    period_start: dt.datetime


def due_events(now: dt.datetime) -> list[DueEvent]:
    """Return the events due at ``now`` and not yet claimed in this period."""
    from lowcode.models import SchedulerRun

    events = get_hooks("scheduler_events") or {}
    local = timezone.localtime(now)
    last_runs = dict(SchedulerRun.objects.values_list("event", "last_run"))
    due = []
    for kind, paths in events.items():
        if kind == "cron":
            minute = local.replace(second=0, microsecond=0)
            for expression, cron_paths in paths.items():
                if cron_matches(expression, local):
                    for path in cron_paths:
                        key = f"cron:{expression}:{path}"
                        last = last_runs.get(key)
                        if last is None or timezone.localtime(last) < minute:
                            due.append(DueEvent(key, path, minute))
            continue
        start = _period_start(kind, local)
        if start is None:
            continue
        for path in paths:
            key = f"{kind}:{path}"
            last = last_runs.get(key)
            if last is None or timezone.localtime(last) < start:
                due.append(DueEvent(key, path, start))
    return due


def do_claim_event(event: DueEvent, now: dt.datetime) -> bool:
    """Mark ``event`` run at ``now`` unless a run in its period is recorded; return whether won.

    The read in ``due_events`` is only a hint: two schedulers both see the event due.
    The claim decides, atomically in the database: an UPDATE guarded by the period
    (the row lock makes the loser re-read the winner's value and match nothing), or
    for an event's first run the INSERT of its primary key.
    """
    from lowcode.models import SchedulerRun

    rows = SchedulerRun.objects.filter(event=event.key, last_run__lt=event.period_start)
    if rows.update(last_run=now):
        return True
    if SchedulerRun.objects.filter(event=event.key).exists():
        return False
    try:
        with transaction.atomic():
            SchedulerRun.objects.create(event=event.key, last_run=now)
    except IntegrityError:
        return False  # another scheduler inserted it first
    return True


def do_release_event(event: DueEvent, now: dt.datetime, previous: dt.datetime | None) -> None:
    """Undo a claim whose enqueue failed, so the period is retried rather than lost."""
    from lowcode.models import SchedulerRun

    rows = SchedulerRun.objects.filter(event=event.key, last_run=now)
    if previous is None:
        rows.delete()
    else:
        rows.update(last_run=previous)


def tick(now: dt.datetime | None = None) -> list[str]:
    """Claim and enqueue every due event once; return the keys this call enqueued.

    Inline (no Redis), each job runs here as soon as it is claimed; a failing job is
    logged and keeps its claim (it ran; the next period runs it again). On RQ a failed
    push (Redis down) gives the claim back and raises, so the loop retries the period.
    """
    from lowcode.models import SchedulerRun

    now = now or timezone.now()
    fired = []
    for event in due_events(now):
        previous = (
            SchedulerRun.objects.filter(event=event.key).values_list("last_run", flat=True).first()
        )
        if not do_claim_event(event, now):
            continue
        fired.append(event.key)
        if settings.LOWCODE_JOBS_INLINE:
            try:
                enqueue(event.path, queue="long")
            except Exception:
                logger.exception("scheduler event %s failed", event.key)
            continue
        try:
            enqueue(event.path, queue="long")
        except Exception:
            do_release_event(event, now, previous)
            raise
    return fired


def process_name() -> str:
    """Return this process's heartbeat key (host:pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:140]


def do_record_tick(process: str, started: dt.datetime, error: str = "") -> None:
    """Record a successful tick (and an error seen since the last record, if any)."""
    from lowcode.models import SchedulerHeartbeat

    now = timezone.now()
    values: dict = {"started": started, "last_tick": now, "failures": 0}
    if error:
        values.update(last_error=error, last_error_at=now)
    SchedulerHeartbeat.objects.update_or_create(process=process, defaults=values)
    # Processes long gone: their last tick (or, if they never ticked, their start) is old.
    cutoff = now - FORGET_AFTER
    SchedulerHeartbeat.objects.filter(
        Q(last_tick__lt=cutoff) | Q(last_tick__isnull=True, started__lt=cutoff)
    ).delete()


def do_record_failure(process: str, started: dt.datetime, error: str, failures: int) -> None:
    """Record a failed tick (raises if the database itself is what failed)."""
    from lowcode.models import SchedulerHeartbeat

    SchedulerHeartbeat.objects.update_or_create(
        process=process,
        defaults={
            "started": started,
            "last_error": error,
            "last_error_at": timezone.now(),
            "failures": failures,
        },
    )


def backoff(failures: int, interval: float, cap: float = MAX_BACKOFF_SECONDS) -> float:
    """Seconds to wait after ``failures`` consecutive failed ticks (capped exponential)."""
    base = min(RETRY_BASE_SECONDS, interval)
    return float(min(cap, base * 2 ** max(0, failures - 1)))


def _reconnect() -> None:
    # A dead connection is unusable until closed; the next query opens a new one.
    for connection in connections.all(initialized_only=True):
        # closing a broken connection may fail too
        with contextlib.suppress(Exception):
            connection.close()


def run_forever(
    interval: float = 60,
    *,
    max_backoff: float = MAX_BACKOFF_SECONDS,
    stop: threading.Event | None = None,
) -> None:
    """Tick every ``interval`` seconds until ``stop`` is set, surviving any failed tick."""
    stop = stop or threading.Event()
    process, started = process_name(), timezone.now()
    failures, unrecorded = 0, ""
    logger.info("scheduler %s started (every %ss)", process, interval)
    while not stop.is_set():
        close_old_connections()
        try:
            tick()
            do_record_tick(process, started, unrecorded)
            failures, unrecorded = 0, ""
            wait = interval - time.time() % interval
        except Exception as exc:
            failures += 1
            error = f"{timezone.now().isoformat(timespec='seconds')} {type(exc).__name__}: {exc}"
            logger.exception("scheduler tick failed (%s in a row)", failures)
            _reconnect()
            try:
                do_record_failure(process, started, error[:2000], failures)
                unrecorded = ""
            except Exception:
                # The database is what failed: say so on the first tick that gets through.
                unrecorded = error[:2000]
                _reconnect()
            wait = backoff(failures, interval, max_backoff)
        stop.wait(wait)
