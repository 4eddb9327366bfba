"""Print the scheduler's last tick and errors, queued and failed jobs, and the worker count."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from lowcode.jobs import health


def _ago(moment) -> str:
    if moment is None:
        return "never"
    seconds = int((timezone.now() - moment).total_seconds())
    local = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    return f"{local} ({seconds} s ago)"


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        out = self.stdout.write
        latest = health.last_tick()
        out(f"Scheduler: last tick {_ago(latest)}")
        if health.scheduler_is_stale():
            minutes = int(health.STALE_AFTER.total_seconds() // 60)
            silence = "ever" if latest is None else f"for {minutes} minutes"
            out(
                f"  WARNING: no scheduler has ticked {silence}: "
                "run `kuaicrm start` or `kuaicrm scheduler`"
            )
        for beat in health.heartbeats():
            out(
                f"  process {beat.process}: started {_ago(beat.started)}, "
                f"last tick {_ago(beat.last_tick)}, failed ticks in a row {beat.failures}"
            )
            if beat.last_error:
                out(f"    last error {_ago(beat.last_error_at)}: {beat.last_error}")
        queues = health.queue_health()
        if queues.inline:
            out("Jobs: inline (no redis_url: each job runs in the process that queues it)")
            out("Workers: 0 (none needed inline; the scheduler runs its jobs itself)")
            return
        out(f"Jobs: RQ on {settings.REDIS_URL}")
        if queues.error:
            out(f"  ERROR: Redis unreachable: {queues.error}")
            out("Workers: unknown")
            return
        for name in health.QUEUES:
            out(f"  {name}: {queues.queued[name]} queued, {queues.failed[name]} failed")
        out(f"Workers: {queues.workers}")
