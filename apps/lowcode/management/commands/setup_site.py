"""Apply migrations, create the cache table, sync role fixtures, ensure Administrator."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from lowcode.conf.site import read_site_config, write_site_config
from lowcode.exceptions import ValidationError
from lowcode.setup import ensure_administrator, run_after_migrate, sync_roles
from lowcode.users import check_password


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        password = os.environ.get("KUAICRM_ADMIN_PASSWORD")
        if password:
            # Before migrating: a weak password stops a new site before it has a database.
            try:
                check_password(password, username="Administrator", full_name="Administrator")
            except ValidationError as exc:
                raise CommandError(f"KUAICRM_ADMIN_PASSWORD: {exc}") from None
        call_command("migrate", interactive=False, verbosity=options["verbosity"])
        call_command("createcachetable", verbosity=0)
        sync_roles()
        run_after_migrate()
        created = ensure_administrator(password)
        if created:
            self.stdout.write("Administrator created.")
        self._forget_plain_admin_password()

    def _forget_plain_admin_password(self) -> None:
        """Drop ``admin_password`` that sites made by earlier versions kept in plain text."""
        config = read_site_config(settings.SITE_NAME)
        if "admin_password" not in config:
            return
        del config["admin_password"]
        write_site_config(settings.SITE_NAME, config)
        self.stdout.write(
            "Removed the plain-text admin_password from site_config.json "
            "(Administrator's password is unchanged; only its hash is kept)."
        )
