"""Create or update a user with roles and a department."""

from django.core.management.base import BaseCommand, CommandError

from lowcode.exceptions import ValidationError
from lowcode.users import do_create_user


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--roles", default="", help="comma-separated")
        parser.add_argument("--department", default="")

    def handle(self, *args, **o):
        roles = [r.strip() for r in o["roles"].split(",") if r.strip()]
        try:
            do_create_user(
                o["username"],
                o["password"],
                full_name=o["full_name"],
                email=o["email"],
                roles=roles,
                department=o["department"],
            )
        except ValidationError as exc:  # a weak password: say why, exit non-zero
            raise CommandError(str(exc)) from None
        self.stdout.write(f"User {o['username']} ready with roles: {', '.join(roles) or '-'}")
