"""Run an RQ worker on the site's queues (needs redis_url in site_config.json)."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")

    def handle(self, *args, **options):
        if not settings.REDIS_URL:
            raise CommandError("This site has no redis_url: jobs run inline, no worker is needed.")
        # The scheduler thread runs retried jobs when their back-off interval is due.
        call_command(
            "rqworker", "default", "short", "long", burst=options["burst"], with_scheduler=True
        )
