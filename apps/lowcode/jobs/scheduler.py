"""Run ``scheduler_events`` from hooks.py: all (every tick), hourly, daily, weekly, monthly, cron.

Last-run times are stored per event, so a restarted scheduler neither
skips nor repeats a period. ``tick`` is what the scheduler process calls
every minute; it only enqueues, workers do the work.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.utils import timezone

from lowcode.hooks_loader import get_hooks
from lowcode.jobs import enqueue


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


def due_events(now: dt.datetime) -> list[tuple[str, str]]:
    """Return (event key, dotted path) pairs due at ``now`` and not yet run in this period."""
    from lowcode.models import SchedulerRun

    events = get_hooks("scheduler_events") or {}
    local = timezone.localtime(now)
    last_runs = dict(SchedulerRun.objects.values_list("event", "last_run"))
    due = []
    for kind, paths in events.items():
        if kind == "cron":
            for expression, cron_paths in paths.items():
                if cron_matches(expression, local):
                    for path in cron_paths:
                        key = f"cron:{expression}:{path}"
                        minute = local.replace(second=0, microsecond=0)
                        last = last_runs.get(key)
                        if last is None or timezone.localtime(last) < minute:
                            due.append((key, path))
            continue
        start = _period_start(kind, local)
        if start is None:
            continue
        for path in paths:
            key = f"{kind}:{path}"
            last = last_runs.get(key)
            if last is None or timezone.localtime(last) < start:
                due.append((key, path))
    return due


def tick(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every due event once; return their keys."""
    from lowcode.models import SchedulerRun

    now = now or timezone.now()
    fired = []
    with transaction.atomic():
        for key, path in due_events(now):
            SchedulerRun.objects.update_or_create(event=key, defaults={"last_run": now})
            enqueue(path, queue="long")
            fired.append(key)
    return fired


def run_forever(interval: int = 60) -> None:  # pragma: no cover - a process loop
    while True:
        tick()
        time.sleep(interval - time.time() % interval)
