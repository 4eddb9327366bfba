"""Serve the site with gunicorn, beside the scheduler (and an RQ worker when the site has Redis).

Web processes are stateless: run as many as you like behind a balancer. Each ``start`` also
runs a scheduler unless told ``--no-scheduler``; several are safe (each event and period is
claimed once in the database).
"""

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from lowcode.jobs.supervisor import Child, supervise


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2)
        # A safety net, not the fix: a worker is replaced after this many requests, so memory
        # that grows anyway (a library's cache, fragmentation) is returned; the jitter keeps
        # the workers from restarting together.
        parser.add_argument("--max-requests", type=int, default=2000)
        parser.add_argument("--max-requests-jitter", type=int, default=200)
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="serve only: the scheduler (and worker) run elsewhere",
        )

    def handle(self, *args, **options):
        # Malformed metadata stops the server here, every problem listed at once, rather
        # than failing on the first request that touches it.
        call_command("check", databases=["default"])
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(
            f"KuaiCRM serving http://{bind}/ (site {os.environ.get('KUAICRM_SITE', 'default')})"
        )
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        web = [
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
            "--max-requests",
            str(options["max_requests"]),
            "--max-requests-jitter",
            str(options["max_requests_jitter"]),
        ]
        # gunicorn is the essential child; the scheduler and worker are restarted if they die.
        children = [Child("web server (gunicorn)", web, essential=True)]
        if not options["no_scheduler"]:
            kuaicrm = os.path.join(os.path.dirname(sys.executable), "kuaicrm")
            children.append(Child("scheduler", [kuaicrm, "scheduler"]))
            if not settings.LOWCODE_JOBS_INLINE:
                children.append(Child("RQ worker", [kuaicrm, "worker"]))
            self.stdout.write(
                "Scheduler running"
                + (" with an RQ worker" if not settings.LOWCODE_JOBS_INLINE else ", jobs inline")
            )
        self.stdout.flush()
        sys.exit(supervise(children))
