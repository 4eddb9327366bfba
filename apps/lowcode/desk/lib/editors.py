"""What the System Manager editors (workflows, rules, scripts) share: the gate and pick lists."""

from __future__ import annotations

from lowcode import context
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.storage.factory import get_model


def business_doctypes() -> list[str]:
    """DocTypes a rule, workflow or script may target: every non-child DocType, by name."""
    return sorted(n for n in registry.doctype_names() if not registry.get_meta(n).istable)


def role_names() -> list[str]:
    """Every Role, for the role pick lists (one query per request)."""
    return context.cached(
        ("desk-editor-roles",),
        lambda: list(get_model("Role").objects.order_by("name").values_list("name", flat=True)),
    )


def header_fields(meta) -> list:
    """The fields an editor shows above its rows: every visible non-table field."""
    return [f for f in meta.data_fields if not f.hidden and not f.is_table]


def row_fields(table_meta) -> list:
    """Every visible field of a child table, in order (editors show rows as cards)."""
    return [f for f in table_meta.data_fields if not f.hidden]


def placed_errors(errors, table: str) -> tuple[dict[str, list[str]], dict[int, list[str]]]:
    """Field errors by field, and ``table`` row errors by 0-based row index."""
    fields: dict[str, list[str]] = {}
    rows: dict[int, list[str]] = {}
    for error in getattr(errors, "errors", errors) or []:
        if error.table == table and error.row:
            rows.setdefault(error.row - 1, []).append(error.message)
        else:
            fields.setdefault(error.table or error.fieldname, []).append(error.message)
    return fields, rows


def field_names(doctype: str) -> list[tuple[str, str]]:
    """(fieldname, label) of a DocType's value fields, for pick lists; [] when unknown."""
    if not doctype or not registry.exists(doctype):
        return []
    meta = registry.get_meta(doctype)
    return [(f.fieldname, _(f.label or f.fieldname)) for f in meta.data_fields]


def active_users() -> list[str]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("username")
        .values_list("username", flat=True)[:500]
    )
