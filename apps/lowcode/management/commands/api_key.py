"""Issue a new API key pair for a user (revoking the old one), or revoke all."""

from django.core.management.base import BaseCommand

from lowcode.users import do_generate_api_key, do_revoke_api_keys


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args, **o):
        if o["revoke"]:
            self.stdout.write(f"Revoked {do_revoke_api_keys(o['username'])} key(s).")
            return
        key, secret = do_generate_api_key(o["username"])
        self.stdout.write(
            f"api_key={key}\napi_secret={secret}\nAuthorization: token {key}:{secret}"
        )
