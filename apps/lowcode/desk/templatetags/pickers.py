"""Template helpers for pickers and the condition builder (``{% load pickers %}``).

The page shows the chosen key's label (in the user's language) without asking the pick
endpoint; the endpoint serves the list when the picker is opened.
"""

from __future__ import annotations

from typing import Any

from django import template

from lowcode.expressions import ROW_OPERATORS, rows_from_condition
from lowcode.i18n import _, pgettext
from lowcode.meta import pickers, registry
from lowcode.query import filter_rows as filter_rows_lib
from lowcode.query.builder import STANDARD_LABELS

register = template.Library()

# How each operator reads in a row (the expression keeps the symbol).
OPERATOR_LABELS = {
    "==": "equals",
    "!=": "does not equal",
    ">": "greater than",
    "<": "less than",
    ">=": "at least",
    "<=": "at most",
    "in": "is one of",
    "not in": "is none of",
    "contains": "contains",
    "is set": "is set",
    "is not set": "is not set",
}
# A filter row's operators (query.filter_rows): Frappe's symbols, "contains" is like %…%.
FILTER_OPERATOR_LABELS = {
    **{op: OPERATOR_LABELS[op] for op in (">", "<", ">=", "<=", "in", "not in", "contains")},
    **{op: OPERATOR_LABELS[op] for op in ("is set", "is not set")},
    "=": "equals",
    "!=": "does not equal",
    "not contains": "does not contain",
}


@register.filter
def picker_of(field) -> pickers.Picker | None:
    """The field's declared picker (None when it has none or an unknown kind)."""
    picker = pickers.picker_of(field) if field is not None else None
    return picker if picker is not None and picker.kind in pickers.KINDS else None


def _field_label(doctype: str, fieldname: str) -> str:
    if fieldname in STANDARD_LABELS:
        return _(STANDARD_LABELS[fieldname])
    if doctype and registry.exists(doctype):
        field = registry.get_meta(doctype).get_field(fieldname)
        if field is not None:
            return _(field.label or fieldname)
    return fieldname


def key_label(kind: str, key: str, doctype: str = "", fieldname: str = "") -> str:
    """One key as the picker shows it once chosen."""
    if kind == "field":
        return _field_label(doctype, key)
    if kind == "option":
        return pgettext(fieldname, key)
    if kind == "user":
        from lowcode.permissions.core import full_names

        return full_names([key]).get(key, key)
    if kind == "doctype":
        from lowcode.query.choices import doctype_label

        return doctype_label(key)
    return _(key)


@register.simple_tag
def picked_label(picker, value: Any, values: dict | None = None, parent: dict | None = None):
    """The chosen key(s) of ``picker`` as labels, for the picker's button."""
    if value in (None, "") or picker is None:
        return ""
    values, parent = values or {}, parent or {}
    doctype = fieldname = ""
    if picker.kind in ("field", "workflow_state"):
        doctype = pickers.source_value(picker, values, parent)
    if picker.kind == "option":  # worded for the Select field its source names
        fieldname = pickers.source_value(picker, values, parent)
    keys = pickers.split_keys(str(value)) if picker.multiple else [str(value)]
    return "、".join(key_label(picker.kind, k, doctype, fieldname) for k in keys)


@register.simple_tag
def condition_rows(value: Any, doctype: str = ""):
    """The builder's state for a stored condition: rows, join and whether it opens raw."""
    types = {}
    if doctype and registry.exists(doctype):
        types = {f.fieldname: f.fieldtype for f in registry.get_meta(doctype).data_fields}
    parsed = rows_from_condition(str(value or ""), types)
    if parsed is None:
        return {"advanced": True, "join": "and", "rows": []}
    join, rows = parsed
    for row in rows:
        row["label"] = _field_label(doctype, row["field"])
    return {"advanced": False, "join": join, "rows": rows}


@register.simple_tag
def filter_rows(value: Any, doctype: str = ""):
    """The filters builder's state for stored filters: rows, or raw JSON when rows cannot
    say them (``advanced``)."""
    rows = filter_rows_lib.rows_from_filters(value, doctype)
    if rows is None:
        return {"advanced": True, "rows": []}
    for row in rows:
        row["label"] = _field_label(doctype, row["field"])
    return {"advanced": False, "rows": rows}


@register.simple_tag
def field_list_state(picker, value: Any, values: dict | None = None):
    """A field list's state: the picked keys, their labels, the multiple field picker that
    edits them, or ``advanced`` when the stored JSON says more than a list of fields."""
    fields = pickers.listed_fields(value)
    field_picker = pickers.Picker("field", picker.source, multiple=True)
    if fields is None:
        return {"advanced": True, "keys": "", "display": "", "picker": field_picker}
    keys = ", ".join(fields)
    display = picked_label(field_picker, keys, values or {})
    return {"advanced": False, "keys": keys, "display": display, "picker": field_picker}


@register.simple_tag
def filter_operators():
    """(operator, label) pairs for a filter row's operator list."""
    return [(op, _(FILTER_OPERATOR_LABELS[op])) for op in filter_rows_lib.ROW_OPERATORS]


@register.simple_tag
def row_operators():
    """(operator, label) pairs for a condition row's operator list."""
    return [(op, _(OPERATOR_LABELS[op])) for op in ROW_OPERATORS]


@register.simple_tag
def picker_for(doctype: str, fieldname: str) -> pickers.Picker | None:
    """The picker a DocType's field declares, for editors that draw their own rows."""
    if not registry.exists(doctype):
        return None
    return picker_of(registry.get_meta(doctype).get_field(fieldname))


# A workflow step's approver is a role, users, a field or a number of levels up, as its
# approver type says: the picker follows the type (none for levels up).
APPROVER_KINDS = {"Role": "role", "User": "user", "Field": "field"}


@register.simple_tag
def approver_picker(approver_type: str | None) -> pickers.Picker | None:
    """The picker for a transition's approver under ``approver_type`` (None: typed)."""
    kind = APPROVER_KINDS.get(approver_type or "")
    if kind is None:
        return None
    return pickers.Picker(kind, "document_type" if kind == "field" else "", kind != "field")


@register.simple_tag
def local_picker(kind: str) -> pickers.Picker:
    """A picker whose choices are on the page (a workflow's states, typed in its rows)."""
    return pickers.Picker(kind)


@register.simple_tag
def free_picker(kind: str, source: str = "") -> pickers.Picker:
    """A picker an editor draws for a field that declares none: the workflow's state field,
    where a new name is allowed too (the engine adds the field), so the save path does not
    check it against the DocType's fields as a declared field picker would."""
    return pickers.Picker(kind, source)


@register.simple_tag
def source_of(picker, values: dict | None = None, parent: dict | None = None) -> str:
    """The value of the picker's source field (a DocType), from the row or its parent."""
    if picker is None or not picker.source:
        return ""
    return pickers.source_value(picker, values or {}, parent or {})
