"""Serve the site with gunicorn (stateless: run as many as you like behind a balancer)."""

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, **options):
        # Malformed metadata stops the server here, every problem listed at once, rather
        # than failing on the first request that touches it.
        call_command("check", databases=["default"])
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(
            f"KuaiCRM serving http://{bind}/ (site {os.environ.get('KUAICRM_SITE', 'default')})"
        )
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        os.execv(  # noqa: S606 - replace this process with gunicorn, fixed argv
            gunicorn,
            [
                gunicorn,
                "lowcode.conf.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(options["workers"]),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--timeout",
                "120",
            ],
        )
