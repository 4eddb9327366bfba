"""Enqueue the scheduler_events of hooks.py every minute (riding out database and Redis outages)."""

import signal
import threading

from django.core.management.base import BaseCommand

from lowcode.jobs.scheduler import MAX_BACKOFF_SECONDS, run_forever, tick


class Command(BaseCommand):
    help = __doc__
    # The system checks read the database: a scheduler started during an outage must
    # start and wait for it in its loop, not die before the loop (metadata is `start`'s job).
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one tick and exit")
        parser.add_argument(
            "--interval", type=float, default=60, help="seconds between ticks (default 60)"
        )
        parser.add_argument(
            "--max-backoff",
            type=float,
            default=MAX_BACKOFF_SECONDS,
            help="longest wait between retries after failed ticks (seconds)",
        )

    def handle(self, *args, **options):
        if options["once"]:
            for key in tick():
                self.stdout.write(f"enqueued {key}")
            return
        stop = threading.Event()
        # SIGTERM (kuaicrm start stopping, a process manager) and Ctrl-C end the loop
        # between ticks, never in the middle of one.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"Scheduler ticking every {options['interval']:g}s", ending="\n")
        self.stdout.flush()
        run_forever(options["interval"], max_backoff=options["max_backoff"], stop=stop)
