"""A form's behaviour from metadata: conditional display/required/read-only, and parsing a post."""

from __future__ import annotations

import contextlib
import json
import re
from decimal import Decimal
from typing import Any

from lowcode.expressions import ExpressionError, evaluate
from lowcode.i18n import _
from lowcode.meta import fieldtypes
from lowcode.meta.doctype import DocField, DocTypeMeta
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import permitted_levels
from lowcode.storage.validation import CoercionError, coerce

# Fields the desk never submits: the engine sets them.
SYSTEM_FIELDS = {"name", "owner", "creation", "modified_by", "docstatus", "idx"}


def _holds(source: str | None, doc: dict, user_info: dict) -> bool | None:
    if not source:
        return None
    try:
        return evaluate(source, doc, user_info)
    except ExpressionError:
        return None  # a bad condition is a check error (meta checks); the form shows the field


def typed_values(meta: DocTypeMeta, values: dict) -> dict:
    """Form or JSON values as the save path's conditions see them (``coerce``'s Python types),
    so a condition shows a field exactly when a save would require it."""
    typed = dict(values)
    for f in meta.data_fields:
        # A value not of its type yet (being typed) stays text for the condition.
        if f.fieldname in values:
            with contextlib.suppress(CoercionError):
                typed[f.fieldname] = coerce(f, values[f.fieldname])
    return typed


def field_states(meta: DocTypeMeta, doc: dict, user_info: dict) -> dict[str, dict[str, bool]]:
    """Per field (and section): hidden, reqd and read_only after evaluating the conditions."""
    doc = typed_values(meta, doc)
    states: dict[str, dict[str, bool]] = {}
    for f in meta.fields:
        shown = _holds(f.depends_on, doc, user_info)
        reqd = _holds(f.mandatory_depends_on, doc, user_info)
        read_only = _holds(f.read_only_depends_on, doc, user_info)
        states[f.fieldname] = {
            "hidden": shown is False,
            "reqd": bool(f.reqd or reqd),
            "read_only": bool(f.read_only or read_only),
        }
    return states


def writable_levels(user: str, meta: DocTypeMeta, is_new: bool, doc=None) -> frozenset[int]:
    levels = permitted_levels(user, meta.name, "write", None if is_new else doc)
    if is_new:
        levels |= permitted_levels(user, meta.name, "create")
    return levels


def _value(field: DocField, raw: str | None) -> Any:
    if raw is None:
        return None
    if field.fieldtype == "Datetime" and "T" in raw:
        return raw.replace("T", " ")
    if field.fieldtype in ("JSON",) and raw.strip():
        try:
            return json.loads(raw)
        except ValueError:
            return raw  # the engine's type check names the field
    return raw


def parse_post(meta: DocTypeMeta, post, user: str, *, is_new: bool) -> dict[str, Any]:
    """Turn a form post into API-shaped data: only fields the user may write, child rows nested."""
    from lowcode.desk.lib.conditions import compose_posted

    post = compose_posted(meta, post)  # condition builders' rows → their expressions
    levels = writable_levels(user, meta, is_new)
    data: dict[str, Any] = {}
    for f in meta.fields:
        if f.permlevel not in levels or f.fieldname in SYSTEM_FIELDS:
            continue
        if f.is_table:
            if f"{f.fieldname}.__present" in post:
                data[f.fieldname] = parse_rows(f, post)
            continue
        if not f.holds_value or f.fieldname not in post:
            continue
        values = post.getlist(f.fieldname)
        # A checkbox posts a hidden "0" then, when ticked, "1": the last one wins.
        data[f.fieldname] = _value(f, values[-1] if values else None)
    if is_new and is_prompted(meta) and post.get(NEW_NAME, "").strip():
        data["name"] = post[NEW_NAME].strip()  # Frappe's __newname: the user names the record
    if "modified" in post:
        data["modified"] = post.get("modified")
    return data


NEW_NAME = "__newname"


def is_prompted(meta: DocTypeMeta) -> bool:
    """Whether a new record's name is typed by the user (autoname ``prompt``)."""
    return (meta.autoname or "").strip().lower() == "prompt"


# Row inputs beyond the child DocType's fields, posted as JSON and passed on to the action:
# a DocField row's Select options as rows of value + label (lowcode.meta.options).
ROW_JSON_INPUTS = frozenset({"option_rows"})


def _json_input(raw: str | None) -> Any:
    try:
        return json.loads(raw or "null")
    except ValueError:
        return None


def parse_rows(table: DocField, post) -> list[dict[str, Any]]:
    """Rows arrive as ``<table>.<n>.<field>``; their order on the page is their order."""
    child = get_meta(table.options or "")
    prefix = f"{table.fieldname}."
    rows: dict[int, dict[str, Any]] = {}
    for key in post:
        if not key.startswith(prefix) or key.endswith("__present"):
            continue
        parts = key.split(".", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            continue  # not a row input (a hand-made post): ignored, as unknown keys are
        _table, index, fieldname = parts
        row = rows.setdefault(int(index), {})
        if fieldname == "name":
            row["name"] = post.get(key)
            continue
        if fieldname in ROW_JSON_INPUTS:
            row[fieldname] = _json_input(post.get(key))
            continue
        field = child.get_field(fieldname)
        if field is not None and field.holds_value:
            row[fieldname] = _value(field, post.getlist(key)[-1])
    return [rows[i] for i in sorted(rows)]


def location_pairs(doctype: str) -> dict[str, str]:
    """Longitude field → its latitude field, for the pairs an app names (hooks
    ``desk_location_fields``): the form offers "use my location" to fill both from the device."""
    from lowcode.hooks_loader import get_hooks

    pairs = (get_hooks("desk_location_fields") or {}).get(doctype) or []
    return {longitude: latitude for latitude, longitude in pairs}


def extension(user: str, meta: DocTypeMeta, doc, values: dict) -> dict:
    """What an app adds to this DocType's form (hooks ``desk_form_extensions``): pickers
    (``widgets``: by fieldname, or ``table.fieldname`` for a grid column), a template shown
    under the form and its context (``extension``); no widgets for most DocTypes."""
    from lowcode.hooks_loader import get_hooks, resolve

    path = (get_hooks("desk_form_extensions") or {}).get(meta.name)
    if not path:
        return {"widgets": {}, "extension": None, "columns": {}, "read_only": [], "hidden": []}
    found = resolve(path)(user, meta, doc, values)
    return {
        "widgets": found.get("widgets") or {},
        "extension": found,
        "columns": found.get("columns") or {},  # a grid's columns by table, in order
        "read_only": found.get("read_only") or [],  # fields the user may not change here
        "hidden": found.get("hidden") or [],  # fields not shown on this form
    }


def apply_extension_states(states: dict, extra: dict) -> None:
    """Lock and hide the fields a form extension names (``read_only``, ``hidden``)."""
    for fieldname in extra.pop("read_only", []):
        states.setdefault(fieldname, {})["read_only"] = True
    for fieldname in extra.pop("hidden", []):
        states.setdefault(fieldname, {})["hidden"] = True


def has_own_delete(user: str, meta: DocTypeMeta) -> bool:
    """Whether this DocType deletes only through its extension's own dialog (``replaces_delete``:
    a DocType asks for its name typed), so the list offers no bulk delete of it."""
    extra = extension(user, meta, None, {})["extension"]
    return bool(extra and extra.get("replaces_delete"))


def extension_defaults(user: str, meta: DocTypeMeta) -> dict:
    """Values a new form of this DocType starts with, from its extension (``new_values``)."""
    extra = extension(user, meta, None, {})["extension"]
    return dict(extra.get("new_values") or {}) if extra else {}


def child_columns(table: DocField, names: list[str] | None = None) -> list[DocField]:
    """The child table's editable columns: ``names`` when a form extension picks them, else
    the ``in_list_view`` ones, else the first five."""
    child = get_meta(table.options or "")
    if names:
        return [f for f in (child.get_field(n) for n in names) if f is not None]
    fields = [f for f in child.data_fields if not f.hidden]
    listed = [f for f in fields if f.in_list_view]
    return listed or fields[:5]


def row_editor(table: DocField, row: Any, index: Any, columns: list[DocField], user: str) -> dict:
    """One grid row's detail editor (Frappe's grid row form): every field of the child DocType
    that holds a value and is not hidden, with the row's own values and condition states.

    The grid's columns are ``slot`` items: the browser moves the row's own cell widgets into
    the editor while it is open, so each value has one input and is posted once with the form.
    The others are drawn by the normal field templates under the row's input names
    (``<table>.<index>.<field>``), ids made unique per row (``row-<table>-<index>-``).
    """
    child = get_meta(table.options or "")
    values = dict(row) if isinstance(row, dict) else {}
    shown = {c.fieldname for c in columns}
    fields = [f for f in child.data_fields if not f.hidden]
    conditional = any(
        f.depends_on or f.mandatory_depends_on or f.read_only_depends_on for f in fields
    )
    info = {"name": user, "roles": []}
    if conditional:
        from lowcode.documents.actions import _user_info

        info = _user_info(user)
    return {
        "items": [{"field": f, "slot": f.fieldname in shown} for f in fields],
        "values": values,
        "states": field_states(child, values, info),
        "name_prefix": f"{table.fieldname}.{index}.",
        "id_prefix": f"row-{table.fieldname}-{index}-",
    }


INPUT_TYPES = {
    "Int": "number",
    "Float": "number",
    "Currency": "number",
    "Percent": "number",
    "Date": "date",
    "Datetime": "datetime-local",
    "Time": "time",
    "Phone": "tel",
    "Duration": "number",
}


def input_type(field: DocField) -> str:
    """The HTML input type of a one-line field (the rest have their own widgets)."""
    if field.fieldtype == "Data" and field.options == "Email":
        return "email"
    if field.fieldtype == "Data" and field.options == "URL":
        return "url"
    return INPUT_TYPES.get(field.fieldtype, "text")


def step(field: DocField) -> str:
    """A number input's step: whole numbers for Int-like fields, any decimal otherwise."""
    return "1" if field.fieldtype in fieldtypes.INT_TYPES else "any"


# ---------------------------------------------------------------- what an approver decides on

_CONDITION_FIELD = re.compile(r"\bdoc\.([A-Za-z_][A-Za-z0-9_]*)")
_NUMBER_TYPES = ("Currency", "Float", "Percent", "Int")
APPROVAL_FIGURES = 6


def approval_figures(workflow, state: str, meta, doc, levels: frozenset[int]) -> list[dict]:
    """The figures beside an approver's buttons: the fields the conditions that routed the
    document into ``state`` read (a quotation's discount and margin), then the list view's
    amounts; only fields the user may read, at most six."""
    names: list[str] = []
    for transition in workflow.transitions:
        if transition.next_state == state and transition.condition:
            names += _CONDITION_FIELD.findall(transition.condition)
    names += [
        f.fieldname for f in meta.data_fields if f.in_list_view and f.fieldtype in _NUMBER_TYPES
    ]
    figures = []
    for name in dict.fromkeys(names):
        field = meta.get_field(name)
        if field is None or field.hidden or field.permlevel not in levels or field.is_table:
            continue
        figures.append({"fieldname": name, "label": _(field.label or name),
                        "value": _figure(doc.get(name), field.fieldtype)})  # fmt: skip
    return figures[:APPROVAL_FIGURES]


def _figure(value: Any, fieldtype: str) -> str:
    if value in (None, ""):
        return "—"
    if fieldtype in ("Currency", "Float"):
        return f"{Decimal(str(value)):,.2f}"
    if fieldtype == "Percent":
        return f"{Decimal(str(value)).normalize():f}%"
    if fieldtype == "Select":
        return _(str(value))
    return str(value)


def is_desk_path(value: str) -> bool:
    """Whether ``value`` is a page of this desk (``/app/…``): a form may return there after a
    save, never to another site (``//evil``, ``https://…``)."""
    return bool(re.fullmatch(r"/app(/[^/\\][^\s\\]*)?", value or "")) and "//" not in value
