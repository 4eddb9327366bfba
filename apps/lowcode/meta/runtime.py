"""DocTypes made at run time: their definitions, read from ``tabDocType`` and its child tables.

A System Manager creates them through ``lowcode.documents.schema``; app DocTypes stay in
their JSON files and never have a ``tabDocType`` row. A row set is turned into the app JSON
shape (``definition_dict``), so a runtime DocType is parsed, checked and exported exactly
as a JSON file would be.
"""

from __future__ import annotations

from collections import defaultdict

from django.apps import apps
from django.db import DatabaseError

from lowcode.meta.doctype import DOCFIELD_KEYS, PERM_VERBS, DocTypeMeta, doctype_from_dict

# The app label of runtime models (an installed app without migrations: lowcode.runtime).
RUNTIME_APP = "lowcode_runtime"
# DocPerm verbs beyond the engine's PERM_VERBS that Frappe's DocPerm carries (kept, exported).
EXTRA_PERM_VERBS = ("amend", "print", "email", "share")
# DocPerm columns whose Frappe name would shadow a Python or Django name.
PERM_COLUMNS = {"delete": "allow_delete", "import": "allow_import"}
DOCTYPE_TEXT_KEYS = (
    "label",
    "autoname",
    "title_field",
    "search_fields",
    "sort_field",
    "sort_order",
    "description",
)
DOCTYPE_FLAG_KEYS = ("istable", "is_submittable", "track_changes")


def field_keys() -> list[str]:
    """DocField columns that are DocField properties of the app JSON format, in order."""
    from lowcode.meta.loader import base_definitions

    docfield = base_definitions()["DocField"]
    return [f.fieldname for f in docfield.data_fields if f.fieldname in DOCFIELD_KEYS]


def field_dict(row: dict, keys: list[str] | None = None) -> dict:
    """One DocField row (column → value) as an app JSON field: empty and false values left out."""
    result: dict = {}
    for key in keys or field_keys():
        value = row.get(key)
        if value is None or value == "" or value is False:
            continue
        if value is True:
            value = 1
        if key in ("permlevel", "length", "precision") and not value:
            continue
        result[key] = value
    return result


def perm_dict(row: dict) -> dict:
    """One DocPerm row as an app JSON permission rule (Frappe's verb names)."""
    result: dict = {"role": row.get("role") or ""}
    if row.get("permlevel"):
        result["permlevel"] = int(row["permlevel"])
    for verb in (*PERM_VERBS, *EXTRA_PERM_VERBS):
        if row.get(PERM_COLUMNS.get(verb, verb)):
            result[verb] = 1
    scope = row.get("scope") or "all"
    if row.get("if_owner") or scope == "own":
        result["if_owner"] = 1
    if scope != "all":
        result["scope"] = scope
    return result


def definition_dict(doctype: dict, fields: list[dict], perms: list[dict]) -> dict:
    """A runtime DocType's rows in the app JSON format (what Export to app writes)."""
    raw: dict = {"name": doctype["name"], "module": doctype.get("module") or "Custom"}
    for key in DOCTYPE_TEXT_KEYS:
        if doctype.get(key) not in (None, ""):
            raw[key] = doctype[key]
    for key in DOCTYPE_FLAG_KEYS:
        if doctype.get(key):
            raw[key] = 1
    keys = field_keys()
    raw["fields"] = [field_dict(row, keys) for row in fields]
    raw["permissions"] = [perm_dict(row) for row in perms]
    return raw


def load_rows() -> dict[str, tuple[dict, list[dict], list[dict]]]:
    """Every runtime DocType's rows: {name: (doctype row, field rows, perm rows)}; {} before migrate."""
    DocType = apps.get_model("lowcode", "Doctype")
    DocField = apps.get_model("lowcode", "Docfield")
    DocPerm = apps.get_model("lowcode", "Docperm")
    try:
        doctypes = list(DocType.objects.order_by("name").values())
        if not doctypes:
            return {}
        fields: dict[str, list[dict]] = defaultdict(list)
        for row in DocField.objects.filter(parenttype="DocType").order_by("parent", "idx").values():
            fields[row["parent"]].append(row)
        perms: dict[str, list[dict]] = defaultdict(list)
        for row in DocPerm.objects.filter(parenttype="DocType").order_by("parent", "idx").values():
            perms[row["parent"]].append(row)
    except DatabaseError:
        return {}  # not migrated yet: no runtime DocTypes
    except RuntimeError:
        # Database access refused (pytest-django's blocker in a test without a database):
        # only the JSON DocTypes exist for such code, as before there were runtime ones.
        return {}
    return {row["name"]: (row, fields[row["name"]], perms[row["name"]]) for row in doctypes}


def load_definitions() -> dict[str, DocTypeMeta]:
    """Every runtime DocType, parsed as its app JSON would be (app ``lowcode_runtime``)."""
    return {
        name: doctype_from_dict({**definition_dict(*rows), "custom": 1}, RUNTIME_APP)
        for name, rows in load_rows().items()
    }
