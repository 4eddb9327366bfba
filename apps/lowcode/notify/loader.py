"""Notification fixtures: each app's ``fixtures/notification.json``, Frappe's export format.

A list of Notification documents (``"doctype": "Notification"``, ``recipients`` rows as in
``bench export-fixtures``). ``kuaicrm migrate`` inserts the ones a site lacks, through the
action layer; an existing record is the administrator's and is never overwritten.
``kuaicrm check`` reports a fixture naming a DocType or field that does not exist
(notify.E003), so a typo fails at start-up instead of never sending.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from lowcode.meta.loader import app_dir

logger = logging.getLogger(__name__)
FIXTURE = Path("fixtures") / "notification.json"
# Frappe's export carries these; the engine sets its own.
IGNORED_KEYS = frozenset(
    {"doctype", "owner", "creation", "modified", "modified_by", "docstatus", "idx", "module"}
)


@dataclass(frozen=True)
class NotificationFixture:
    """One notification of one app's fixture file."""

    path: Path
    data: dict


def fixtures() -> list[NotificationFixture]:
    """Every notification in every app's fixture file, in app order."""
    found = []
    for app in settings.LOWCODE_APPS:
        path = app_dir(app) / FIXTURE
        if not path.exists():
            continue
        rows = json.loads(path.read_text(encoding="utf-8"))
        for row in rows if isinstance(rows, list) else [rows]:
            if isinstance(row, dict) and row.get("doctype", "Notification") == "Notification":
                found.append(NotificationFixture(path, row))
    return found


def clean(data: dict) -> dict:
    """The fixture's values as an insert takes them (Frappe's bookkeeping keys dropped)."""
    values = {k: v for k, v in data.items() if k not in IGNORED_KEYS}
    values["recipients"] = [
        {k: v for k, v in row.items() if k not in IGNORED_KEYS | {"name", "parent"}}
        for row in data.get("recipients") or []
    ]
    return values


def sync_notifications() -> list[str]:
    """Insert the fixture notifications this site lacks (after_migrate); return their names."""
    from lowcode.documents.actions import do_insert_doc
    from lowcode.exceptions import ValidationError
    from lowcode.notify.checks import notification_problems
    from lowcode.storage.factory import get_model

    Notification = get_model("Notification")
    made = []
    for fixture in fixtures():
        name = str(fixture.data.get("name") or "")
        if not name or Notification.objects.filter(name=name).exists():
            continue
        # A broken fixture is reported by notify.E003; it must not stop the migration.
        if notification_problems(fixture.data):
            logger.warning("notification fixture %s skipped: see kuaicrm check", name)
            continue
        try:
            with transaction.atomic():
                do_insert_doc("Administrator", "Notification", clean(fixture.data))
        except ValidationError as exc:
            logger.warning("notification fixture %s skipped: %s", name, exc)
            continue
        made.append(name)
    return made
