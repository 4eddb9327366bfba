"""Versions: the one writer of a document's change record (Frappe's ``Version``).

A save (``actions.save_record``) and an owner change (``ownership.do_set_owner``) record
what changed here, in Frappe's shape, only for DocTypes that track changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from lowcode.meta import registry


def field_changes(changes: dict[str, tuple[Any, Any]]) -> dict:
    """Frappe's Version data for changed fields: {field: (old, new)} (no table rows)."""
    return {
        "changed": [[field, old, new] for field, (old, new) in changes.items()],
        "added": [],
        "removed": [],
        "row_changed": [],
    }


def write_version(
    doctype: str, name: str, user: str, data: dict, *, when: dt.datetime | None = None
) -> bool:
    """Record ``data`` as a Version of one document when its DocType tracks changes."""
    from lowcode.models import Version
    from lowcode.storage.secrets import masked_version

    meta = registry.get_meta(doctype)
    if not meta.track_changes or not any(data.values()):
        return False
    data = masked_version(meta, data)
    Version.objects.create(
        ref_doctype=doctype, docname=name, owner=user, creation=when or timezone.now(), data=data
    )
    return True
