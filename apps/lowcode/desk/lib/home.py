"""The home workspace: shortcuts with counts, pending approvals and reminders due today."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lowcode.desk.lib import nav
from lowcode.desk.lib.listing import capped_count
from lowcode.exceptions import PermissionError
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.query import reads

REMINDER_LIMIT = 10


def shortcuts(user: str) -> list[dict]:
    """The user's business DocTypes with a capped count each (cheap on big tables)."""
    result = []
    for entry in nav.main_entries(user):
        counted = capped_count(user, entry["doctype"])
        result.append({**entry, **counted})
    return result


def reminders(user: str, today: dt.date | None = None) -> list[dict]:
    """Documents due today or overdue that apps declare in hooks ``desk_reminders``."""
    today = today or timezone.localdate()
    items: list[dict] = []
    for spec in get_hooks("desk_reminders") or []:
        doctype, date_field = spec["doctype"], spec["date_field"]
        if not registry.exists(doctype):
            continue
        meta = registry.get_meta(doctype)
        date_docfield = meta.get_field(date_field)
        is_datetime = date_docfield is not None and date_docfield.fieldtype == "Datetime"
        bound = f"{today.isoformat()} 23:59:59" if is_datetime else today.isoformat()
        filters = [[date_field, "<=", bound], [date_field, "is", "set"], *spec.get("filters", [])]
        if spec.get("mine_field"):
            filters.append([spec["mine_field"], "=", user])
        title = meta.title_field or "name"
        try:
            rows = reads.get_list(
                user,
                doctype,
                fields=list(dict.fromkeys(["name", title, date_field])),
                filters=filters,
                order_by=f"{date_field} asc",
                limit=REMINDER_LIMIT,
            )
        except PermissionError:
            continue
        for row in rows:
            due = str(row[date_field])[:10]
            items.append(
                {
                    "doctype": doctype,
                    "label": _(spec.get("label") or doctype),
                    "slug": nav.slug(doctype),
                    "name": row["name"],
                    "title": row.get(title) or row["name"],
                    "due": str(row[date_field])[:16],
                    "overdue": due < today.isoformat(),
                }
            )
    items.sort(key=lambda item: item["due"])
    return items
