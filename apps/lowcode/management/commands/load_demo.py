"""Load the apps' demo data (idempotent) and print the admin login."""

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
        self.stdout.write("=" * 60)
        self.stdout.write(f"KuaiCRM 快格轻CRM  {options['url']}")
        self.stdout.write("  user:     Administrator")
        # The site keeps only its hash: new-site printed it once (or the operator chose it).
        self.stdout.write(
            "  password: the one `kuaicrm new-site` printed, or KUAICRM_ADMIN_PASSWORD"
        )
        self.stdout.write("=" * 60)
