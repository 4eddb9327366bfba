"""``kuaicrm``: the console command (site set-up, server, workers, maintenance).

Usage: ``kuaicrm [--site NAME] COMMAND [args]``. Unknown commands go to
Django's management commands, so ``kuaicrm makemigrations --check`` works.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys

COMMANDS = {
    "new-site": "create a site folder and database, migrate, create Administrator (password printed once)",
    "migrate": "apply migrations, create the cache table, sync fixtures",
    "start": "serve the site (gunicorn)",
    "worker": "run an RQ worker for the site's queues",
    "scheduler": "enqueue scheduler_events from hooks.py every minute",
    "status": "show the scheduler's last tick and errors, queued/failed jobs and workers",
    "check": "check DocType metadata and customisations (all errors at once)",
    "backup": "write a backup archive of the site's data and files",
    "restore": "replace the site's data and files with a backup archive",
    "create-user": "create a user with roles and a department",
    "api-key": "issue (or revoke) an API key pair for a user",
    "load-demo": "load demo data (idempotent) and print the admin login",
    "drop-orphan-table": "drop an empty tab… table no DocType owns (check documents.W001)",
}


def _new_site(argv: list[str]) -> str | None:
    """Create the site's config and return its name, or None if the site exists."""
    from lowcode.conf.site import read_site_config, write_site_config

    parser = argparse.ArgumentParser(prog="kuaicrm new-site")
    parser.add_argument("name")
    parser.add_argument("--db-type", choices=["sqlite", "mariadb"], default="sqlite")
    for option in ("db-name", "db-host", "db-port", "db-user", "db-password", "redis-url"):
        parser.add_argument(f"--{option}")
    args = parser.parse_args(argv)
    if read_site_config(args.name):
        print(f"Site {args.name} already exists; nothing to do.")
        return None
    config: dict = {"db_type": args.db_type}
    for key in ("db_name", "db_host", "db_port", "db_user", "db_password", "redis_url"):
        value = getattr(args, key)
        if value:
            config[key] = int(value) if key == "db_port" else value
    path = write_site_config(args.name, config)
    print(f"Created {path}")
    return args.name


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--site"] and len(argv) > 1:
        os.environ["KUAICRM_SITE"] = argv[1]
        argv = argv[2:]
    elif argv and argv[0].startswith("--site="):
        os.environ["KUAICRM_SITE"] = argv[0].split("=", 1)[1]
        argv = argv[1:]
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        for name, text in COMMANDS.items():
            print(f"  {name:<12} {text}")
        return
    command, rest = argv[0], argv[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lowcode.conf.settings")
    generated = None
    created_config = None
    if command == "new-site":
        site = _new_site(rest)
        if site is None:
            # idempotent: an existing site (and its Administrator password) is left alone
            return
        os.environ["KUAICRM_SITE"] = site
        from lowcode.conf.site import site_path

        created_config = site_path(site) / "site_config.json"
        if not os.environ.get("KUAICRM_ADMIN_PASSWORD"):
            # Shown once below and stored only hashed: site_config.json holds no password.
            generated = os.environ["KUAICRM_ADMIN_PASSWORD"] = secrets.token_urlsafe(12)
        command, rest = "setup_site", []
    elif command == "migrate":
        command = "setup_site"
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["kuaicrm", command.replace("-", "_"), *rest])
    except SystemExit as exc:
        if created_config is not None and exc.code:
            # Set-up refused (say, a weak KUAICRM_ADMIN_PASSWORD): forget the half-made site
            # so `new-site` can simply be run again.
            created_config.unlink(missing_ok=True)
            # Start-up checks may already have opened (and so created) the SQLite file.
            for leftover in ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"):
                (created_config.parent / leftover).unlink(missing_ok=True)
        raise
    if generated:
        print("=" * 60)
        print("  user:     Administrator")
        print(f"  password: {generated}")
        print("  Shown only this once (stored hashed): note it now.")
        print("=" * 60)
