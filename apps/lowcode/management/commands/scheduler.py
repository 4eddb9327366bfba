"""Enqueue the scheduler_events of hooks.py every minute."""

from django.core.management.base import BaseCommand

from lowcode.jobs.scheduler import run_forever, tick


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one tick and exit")

    def handle(self, *args, **options):
        if options["once"]:
            for key in tick():
                self.stdout.write(f"enqueued {key}")
            return
        run_forever()
