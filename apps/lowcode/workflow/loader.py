"""Load workflow fixtures (``apps/*/workflow/*.json``) idempotently, by content hash."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import transaction

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.meta import registry
from lowcode.meta.loader import app_dir
from lowcode.storage.factory import get_model
from lowcode.workflow.checks import loading_fixtures

ADMINISTRATOR = "Administrator"


def do_ensure_state_field(doctype: str, fieldname: str) -> bool:
    """Add the state field as a Custom Field when the DocType lacks it; return whether added."""
    if not registry.exists(doctype) or registry.get_meta(doctype).get_field(fieldname) is not None:
        return False
    submittable = registry.get_meta(doctype).is_submittable
    do_insert_doc(
        ADMINISTRATOR,
        "Custom Field",
        {
            "dt": doctype,
            "fieldname": fieldname,
            "label": "Workflow State",
            "fieldtype": "Data",
            "read_only": 1,
            "in_standard_filter": 1,
        },
    )
    if submittable:
        # Transitions between submitted states (Signed → Filed) still write the state.
        do_insert_doc(
            ADMINISTRATOR,
            "Property Setter",
            {
                "doc_type": doctype,
                "field_name": fieldname,
                "property": "allow_on_submit",
                "value": "1",
                "property_type": "Check",
            },
        )
    return True


def do_ensure_workflow_settings(rows: list[dict]) -> list[str]:
    """Create the Workflow Settings a fixture's conditions read, only the missing ones.

    A fixture ships its thresholds' defaults (``"settings": [{"setting_name", "value",
    "description"}]``); the administrator's values are never overwritten.
    """
    Setting = get_model("Workflow Setting")
    created = []
    for row in rows:
        if not Setting.objects.filter(setting_name=row["setting_name"]).exists():
            do_insert_doc(ADMINISTRATOR, "Workflow Setting", row)
            created.append(row["setting_name"])
    return created


@transaction.atomic
def sync_workflows() -> list[str]:
    """Insert or update each fixture whose content changed; return the names written."""
    Workflow = get_model("Workflow")
    written = []
    for app in settings.LOWCODE_APPS:
        for path in sorted((app_dir(app) / "workflow").glob("*.json")):
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            data = json.loads(raw) | {"source_hash": digest}
            do_ensure_workflow_settings(data.pop("settings", []))
            name = data["workflow_name"]
            stored, customised = (
                Workflow.objects.filter(name=name)
                .values_list("source_hash", "is_customised")
                .first()
            ) or (None, False)
            if stored == digest or customised:
                continue  # unchanged, or an administrator's edit that must not be overwritten
            with loading_fixtures():
                if stored is None and not Workflow.objects.filter(name=name).exists():
                    do_insert_doc(ADMINISTRATOR, "Workflow", data)
                else:
                    # Rows sent without a name replace the stored child rows.
                    do_save_doc(ADMINISTRATOR, "Workflow", name, data)
            written.append(name)
    return written
