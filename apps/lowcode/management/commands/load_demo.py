"""Load the apps' demo data (idempotent) and print the admin login."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from lowcode.hooks_loader import get_hooks, resolve


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="where the site is served"
        )

    def handle(self, *args, **options):
        loader = get_hooks("demo_loader")
        if loader:
            summary = resolve(loader)()
            self.stdout.write(f"Demo data: {summary}")
        admin = get_user_model().objects.get(username="Administrator")
        stored = settings.SITE_CONFIG.get("admin_password")
        self.stdout.write("=" * 60)
        self.stdout.write(f"KuaiCRM 快格轻CRM  {options['url']}")
        self.stdout.write("  user:     Administrator")
        if stored and admin.check_password(stored):
            self.stdout.write(f"  password: {stored}")
        else:
            self.stdout.write(
                "  password: the value of KUAICRM_ADMIN_PASSWORD (or changed since set-up)"
            )
        self.stdout.write("=" * 60)
