"""Idempotent site set-up: roles from fixtures, the Administrator account."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from lowcode.meta.loader import app_dir

ENGINE_ROLES = ("System Manager", "All", "Guest")


@transaction.atomic
def sync_roles() -> int:
    """Create roles named by the engine and by each app's ``fixtures/roles.json``."""
    from lowcode.storage.factory import get_model

    Role = get_model("Role")

    names = list(ENGINE_ROLES)
    for app in settings.LOWCODE_APPS:
        path: Path = app_dir(app) / "fixtures" / "roles.json"
        if path.exists():
            names += [row["role_name"] for row in json.loads(path.read_text(encoding="utf-8"))]
    created = 0
    from django.utils import timezone

    now = timezone.now()
    for name in names:
        _role, made = Role.objects.get_or_create(
            name=name,
            defaults={
                "role_name": name,
                "desk_access": True,
                "owner": "Administrator",
                "modified_by": "Administrator",
                "creation": now,
                "modified": now,
            },
        )
        created += made
    return created


def run_after_migrate() -> None:
    """Run every app's ``after_migrate`` hooks (fixture syncs; each must be idempotent)."""
    from lowcode.hooks_loader import get_hooks, resolve

    for path in get_hooks("after_migrate") or []:
        resolve(path)()


@transaction.atomic
def ensure_administrator(password: str | None) -> bool:
    """Create Administrator if missing; set the password (it must pass the site's policy).

    ``admin_password`` in site_config.json is read only for sites made before new-site stopped
    writing it there.
    """
    from lowcode.users import do_add_roles, do_create_user, do_set_password

    User = get_user_model()
    exists = User.objects.filter(username="Administrator").exists()
    wanted = password or settings.SITE_CONFIG.get("admin_password")
    if not exists:
        do_create_user(
            "Administrator",
            wanted,
            full_name="Administrator",
            is_superuser=True,
            roles=["System Manager"],
        )
        return True
    if password:
        do_set_password("Administrator", password)
    do_add_roles("Administrator", ["System Manager"])
    return False


def optimize_database() -> str:
    """Refresh the query planner's statistics (SQLite only; InnoDB keeps its own).

    Without statistics SQLite guesses, and on a big table it guessed wrong: the funnel of
    the whole company filtered to one quarter read 300k index rows (833 ms) instead of the
    quarter's 25k (40 ms). ``analysis_limit`` samples each index, so this takes well under
    a second even on millions of rows.
    """
    from django.db import connection

    if connection.vendor != "sqlite":
        return "skipped"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit = 1000")
        cursor.execute("ANALYZE")
    return "analysed"
