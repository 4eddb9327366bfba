"""Apply migrations, create the cache table, sync role fixtures, ensure Administrator."""

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand

from lowcode.setup import ensure_administrator, run_after_migrate, sync_roles


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        call_command("createcachetable", verbosity=0)
        sync_roles()
        run_after_migrate()
        created = ensure_administrator(os.environ.get("KUAICRM_ADMIN_PASSWORD"))
        if created:
            self.stdout.write("Administrator created.")
