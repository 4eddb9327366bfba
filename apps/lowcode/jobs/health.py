"""Read-only health of the background machinery: scheduler heartbeats, queues, workers.

``kuaicrm status`` prints it and the desk warns System Managers from it; both read
the database (and Redis), never a process's memory, so any process can tell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

# The desk warns when no scheduler has ticked for this long (ticks come every minute).
STALE_AFTER = dt.timedelta(minutes=10)
QUEUES = ("default", "short", "long")


@dataclass
class QueueHealth:
    """Jobs per RQ queue and workers, or ``inline`` when the site runs jobs in-process."""

    inline: bool
    queued: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    workers: int | None = None
    error: str = ""


def heartbeats() -> list[Any]:
    """Return every scheduler process's heartbeat, the latest tick first."""
    from lowcode.models import SchedulerHeartbeat

    rows = list(SchedulerHeartbeat.objects.all())
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(rows, key=lambda row: row.last_tick or epoch, reverse=True)


def last_tick() -> dt.datetime | None:
    """Return the latest tick of any scheduler process, or None if none ever ticked."""
    from django.db.models import Max

    from lowcode.models import SchedulerHeartbeat

    return SchedulerHeartbeat.objects.aggregate(latest=Max("last_tick"))["latest"]


def scheduler_is_stale(now: dt.datetime | None = None) -> bool:
    """Whether no scheduler ticked within ``STALE_AFTER`` (or none ever did)."""
    latest = last_tick()
    return latest is None or latest < (now or timezone.now()) - STALE_AFTER


def queue_health() -> QueueHealth:
    """Count queued and failed jobs per queue and the RQ workers (nothing to count inline)."""
    if settings.LOWCODE_JOBS_INLINE:
        return QueueHealth(inline=True)
    import django_rq
    from rq import Worker

    health = QueueHealth(inline=False)
    try:
        for name in QUEUES:
            queue = django_rq.get_queue(name)
            health.queued[name] = queue.count
            health.failed[name] = queue.failed_job_registry.count
        health.workers = Worker.count(connection=django_rq.get_connection("default"))
    except Exception as exc:  # Redis down: report it, status must still print
        health.error = f"{type(exc).__name__}: {exc}"
    return health
