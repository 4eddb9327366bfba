"""The DocType form made for an administrator who does not program (read-only).

The desk edits DocType "DocType" with its generic form; this module only adds what that form
cannot guess from metadata (hooks ``desk_form_extensions``): pickers for the module, naming
rule, title field, field types, link targets and roles, the links to the new DocType's views
after a save, and what its delete dialog says. Every write is the engine's
(``lowcode.documents.schema`` behind ``do_insert_doc`` / ``do_save_doc`` / ``do_delete_doc``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from lowcode.desk.lib import editors, nav
from lowcode.i18n import _, pgettext
from lowcode.meta import registry
from lowcode.meta.naming import fieldname_from_label
from lowcode.meta.options import option_rows

DOCTYPE = "DocType"

# Frappe's autoname values behind four choices an administrator understands; the rule key is
# what the picker posts, the value is what is stored in ``autoname``.
NAMING_RULES = (
    ("autoincrement", "Automatic number", "Records are numbered 1, 2, 3 … in order of creation"),
    (
        "field",
        "By a field",
        "A record is named by the value of a field you choose (it must be unique)",
    ),
    ("series", "Naming series", "A prefix and a running number, e.g. XM-.##### gives XM-00001"),
    ("hash", "Random", "A random code of ten letters and digits"),
)

# The field types a run-time DocType offers, in the order an administrator reaches for them.
FIELD_TYPES = (
    "Data",
    "Link",
    "Select",
    "Table",
    "Int",
    "Float",
    "Currency",
    "Percent",
    "Date",
    "Datetime",
    "Time",
    "Check",
    "Small Text",
    "Text",
    "Long Text",
    "Text Editor",
    "Phone",
    "Attach",
    "Attach Image",
    "Dynamic Link",
    "Table MultiSelect",
    "Rating",
    "Signature",
    "Geolocation",
    "Duration",
    "Section Break",
    "Column Break",
    "Tab Break",
)
# Types whose ``options`` name a DocType (a picker), and the one whose options are lines.
ADMIN_RIGHTS = {
    "role": "System Manager",
    "permlevel": 0,
    "scope": "all",
    **dict.fromkeys(("read", "write", "create", "allow_delete", "report", "export"), 1),
    "allow_import": 1,
}
FIELD_COLUMNS = [
    "label",
    "fieldname",
    "fieldtype",
    "options",
    "reqd",
    "in_list_view",
    "in_standard_filter",
]
# a role's rule: whose records (scope) and what it may do; levels stay at 0 here
PERM_COLUMNS = ["role", "scope", "read", "write", "create", "allow_delete", "export"]
LAYOUT_TYPES = ("Section Break", "Column Break", "Tab Break")
DOCTYPE_OPTIONS = ("Link", "Table", "Table MultiSelect")
TABLE_TYPES = ("Table", "Table MultiSelect")
# A Select's options are typed one per line (a Dynamic Link's name the field holding the DocType).
LINES_OPTIONS = ("Select",)


def field_types() -> list[str]:
    """The types offered, in the editor's order, that DocField's own Select accepts."""
    field = registry.get_meta("DocField").get_field("fieldtype")
    accepted = set(field.select_options) if field is not None else set(FIELD_TYPES)
    return [t for t in FIELD_TYPES if t in accepted]


def fieldtype_label(fieldtype: str) -> str:
    """A field type as the editor's picker words it (context ``fieldtype``: 文本, 关联 …)."""
    return pgettext("fieldtype", fieldtype)


def naming_rule(autoname: str | None) -> tuple[str, str]:
    """Split a stored ``autoname`` into (rule key, detail): a field name or a series pattern."""
    value = (autoname or "").strip()
    if not value or value == "autoincrement":
        return "autoincrement", ""
    if value in ("hash", "uuid"):
        return "hash", ""
    if value.startswith("field:"):
        return "field", value.removeprefix("field:")
    return "series", value.removeprefix("naming_series:").removeprefix("format:")


def modules() -> list[tuple[str, str]]:
    """Every module a DocType is in, as (value, label), business modules first."""
    found = {registry.get_meta(n).module or "" for n in registry.doctype_names()} - {""}
    ordered = sorted(found, key=lambda m: (m in nav.SETTINGS_MODULES, _(m)))
    return [(m, _(m)) for m in ordered]


def doctype_choices(*, tables: bool) -> list[tuple[str, str]]:
    """DocTypes a Link (``tables=False``) or a Table (``tables=True``) field may point at."""
    names = [n for n in registry.doctype_names() if registry.get_meta(n).istable == tables]
    return sorted(((n, doctype_label(n)) for n in names), key=lambda c: c[1])


def doctype_label(name: str) -> str:
    """A DocType as people read it: its translated name, else its own label."""
    translated = _(name)
    if translated != name or not registry.exists(name):
        return translated
    return getattr(registry.get_meta(name), "label", "") or name


def field_choices(rows: list[dict]) -> list[tuple[str, str]]:
    """The value fields entered so far (the title field and the naming field pick from them)."""
    return [
        (r["fieldname"], r.get("label") or r["fieldname"])
        for r in rows
        if r.get("fieldname") and r.get("fieldtype") not in (*LAYOUT_TYPES, *TABLE_TYPES)
    ]


def suggest_fieldname(label: str, taken: set[str]) -> str:
    """The field name the engine would give ``label`` (SETTINGS' pinyin naming)."""
    return fieldname_from_label(label, taken) if label.strip() else ""


def suggest_doctype_name(label: str) -> str:
    """A DocType name for a label: its pinyin or words in title case (项目回访 → Xiangmu Huifang)."""
    base = suggest_fieldname(label, set())
    return " ".join(part.capitalize() for part in base.split("_") if part)


def child_definition(post) -> dict:
    """The "new child table" dialog's post as a DocType definition (``istable``; rows arrive as
    ``child.<n>.label`` / ``child.<n>.fieldtype`` / ``child.<n>.options``)."""
    label = post.get("child_label", "").strip()
    rows: dict[int, dict] = {}
    for key in post:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "child" and parts[1].isdigit():
            rows.setdefault(int(parts[1]), {})[parts[2]] = post.get(key, "").strip()
    fields: list[dict] = []
    taken: set[str] = set()
    for index in sorted(rows):
        row = rows[index]
        if not row.get("label"):
            continue
        fieldname = suggest_fieldname(row["label"], taken)
        taken.add(fieldname)
        fields.append(
            {
                "label": row["label"],
                "fieldname": fieldname,
                "fieldtype": row.get("fieldtype") or "Data",
                "options": row.get("options") or "",
                "in_list_view": 1,
            }
        )
    return {
        "name": post.get("child_name", "").strip() or suggest_doctype_name(label),
        "label": label,
        "module": post.get("module", "").strip(),
        "custom": 1,
        "istable": 1,
        "fields": fields,
    }


def _delete_plan(name: str) -> dict:
    from lowcode.documents.schema import delete_plan
    from lowcode.exceptions import FrappeError

    try:
        return delete_plan(name)
    except FrappeError:  # not a runtime DocType (nothing to delete here)
        return {}


def record_count(name: str) -> int:
    """How many records deleting DocType ``name`` removes: all of them, whoever may read them,
    hence the table's own count rather than a permission-filtered one."""
    from lowcode.storage.factory import get_model

    if not registry.exists(name):
        return 0
    meta = registry.get_meta(name)
    return get_model(meta.name).objects.count()


def field_value_counts(name: str) -> dict[str, int]:
    """Per stored field, how many records hold a value: what removing the field deletes.

    One aggregate over the whole table (every record goes with the field, whoever may read it).
    """
    from django.db.models import Count

    from lowcode.storage.factory import get_model

    if not registry.exists(name):
        return {}
    meta = registry.get_meta(name)
    # Custom Fields (a workflow's state field among them) live in ``_custom``, not in a column,
    # and are not rows of this form.
    columns = [f.fieldname for f in meta.data_fields if not f.is_table and not f.is_custom]
    if not columns:
        return {}
    return get_model(meta.name).objects.aggregate(**{c: Count(c) for c in columns})


def view_links(name: str) -> list[dict]:
    """The new DocType's screens: list, new form, kanban / calendar when it has the fields."""
    if not registry.exists(name):
        return []
    meta = registry.get_meta(name)
    if meta.istable:
        return []
    slug = nav.slug(name)
    links = [
        {"key": "list", "label": _("Open the list"), "href": f"/app/{slug}"},
        {"key": "new", "label": _("Add a record"), "href": f"/app/{slug}/new"},
        {
            "key": "report",
            "label": _("Report Builder"),
            "href": "/app/report-builder?" + urlencode({"doctype": name}),
        },
    ]
    if any(f.fieldtype in ("Select", "Link") for f in meta.data_fields):
        links.append({"key": "kanban", "label": _("Kanban"), "href": f"/app/{slug}/view/kanban"})
    if any(f.fieldtype in ("Date", "Datetime") for f in meta.data_fields):
        links.append(
            {"key": "calendar", "label": _("Calendar"), "href": f"/app/{slug}/view/calendar"}
        )
    return links


def option_labels(name: str) -> dict[str, dict[str, str]]:
    """{fieldname: {value: Chinese label}} of a stored DocType's Select fields."""
    if not registry.exists(name):
        return {}
    meta = registry.get_meta(name)
    return {
        f.fieldname: {r["value"]: r["label"] for r in option_rows(name, f.fieldname, f.options)}
        for f in meta.data_fields
        if f.fieldtype == "Select"
    }


def export_apps() -> list[str]:
    """Apps a DocType can be exported into (their folders under apps/)."""
    from django.conf import settings

    return [a for a in settings.LOWCODE_APPS if a != "lowcode" and not a.startswith("lowcode.")]


def form_extension(user: str, meta, doc, values: dict) -> dict:
    """What the DocType form adds to the generic one (hooks ``desk_form_extensions``)."""
    rows = [r for r in values.get("fields") or [] if isinstance(r, dict)]
    rule, detail = naming_rule(values.get("autoname"))
    name = doc.name if doc is not None else ""
    choices = modules()
    return {
        "template": "desk/doctype_editor.html",
        "widgets": {
            "module": {"kind": "select", "choices": choices, "values": [c[0] for c in choices]},
            "autoname": {
                "kind": "naming",
                "rules": [(key, _(label), _(hint)) for key, label, hint in NAMING_RULES],
                "rule": rule,
                "detail": detail,
                "fields": field_choices(rows),
            },
            "title_field": {"kind": "fieldpick", "choices": field_choices(rows)},
            # sorted by a field entered or by when a record changed / was made
            "sort_field": {
                "kind": "fieldpick",
                "choices": field_choices(rows),
                "extra": [("modified", _("Modified")), ("creation", _("Created on"))],
            },
            # the fields the list's search box and link pickers look in, ticked
            "search_fields": {
                "kind": "fieldmulti",
                "choices": field_choices(rows),
                "chosen": [n.strip() for n in (values.get("search_fields") or "").split(",")],
            },
            # grid columns: widgets[table][column]
            "fields": {
                "fieldtype": {
                    "kind": "select",
                    "choices": [(t, fieldtype_label(t)) for t in field_types()],
                },
                "options": {"kind": "options"},
            },
            "permissions": {
                "role": {
                    "kind": "select",
                    "blank": True,
                    "choices": [(r, _(r)) for r in editors.role_names()],
                },
            },
        },
        # a child table stays one (the engine refuses to change istable)
        "read_only": ["istable"] if name else [],
        "hidden": ["custom"],  # always 1 for a DocType made here
        # a field's row: what an admin sets for it, list and filter included
        "columns": {"fields": FIELD_COLUMNS, "permissions": PERM_COLUMNS},
        "link_doctypes": doctype_choices(tables=False),
        "table_doctypes": doctype_choices(tables=True),
        "doctype_options": DOCTYPE_OPTIONS,
        "lines_options": LINES_OPTIONS,
        # each stored Select's labels (from Translation records or the csv), for its option rows
        "option_labels": option_labels(name) if name else {},
        "option_strings": {
            "value": _("Option value"),
            "label": _("Chinese label"),
            "placeholder": _("From the label"),
            "add": _("Add an option"),
            "remove": _("Remove this option"),
        },
        "stored_fields": [r.get("name") for r in rows if r.get("name")],
        "view_links": view_links(name) if name else [],
        "record_count": record_count(name) if name else 0,
        # what the delete takes with it, or what stops it (the dialog lists both)
        "delete_plan": _delete_plan(name) if name else {},
        "value_counts": field_value_counts(name) if name else {},
        "export_apps": export_apps() if name else [],
        "doctype_name": name,
        "doctype_label": values.get("label") or name,
        "child_fieldtypes": [
            (t, fieldtype_label(t)) for t in field_types() if t not in (*TABLE_TYPES, *LAYOUT_TYPES)
        ],
        # its own delete: a dialog with the record count and the name typed to confirm
        "replaces_delete": True,
        # a new DocType starts numbered, with the System Manager's full rights (as in Frappe),
        # so the admin who makes it can use it at once
        "new_values": {
            "autoname": "autoincrement",
            "permissions": [{"name": "", **ADMIN_RIGHTS}],
        },
    }
