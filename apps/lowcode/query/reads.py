"""Read-only document access for every read path, through the permission layer."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from lowcode.meta.fieldtypes import SECRET_TYPES
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc, permitted_levels, permitted_queryset
from lowcode.query.builder import ColumnSet, build_filter, page_bounds, parse_fields, parse_order_by
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model
from lowcode.storage.secrets import masked


def filtered_queryset(
    user: str, doctype: str, filters: Any = None, or_filters: Any = None, ptype: str = "read"
):
    """Return the permitted, filtered queryset and the user's readable columns."""
    queryset = permitted_queryset(user, doctype, ptype)
    columns = ColumnSet(get_meta(doctype), user)
    condition = build_filter(columns, filters, or_filters)
    return (queryset.filter(condition) if condition else queryset), columns


def get_list(
    user: str,
    doctype: str,
    fields: Any = None,
    filters: Any = None,
    or_filters: Any = None,
    order_by: str | None = None,
    limit_start: Any = 0,
    limit: Any = 20,
    as_list: bool = False,
) -> list:
    """Return one page of documents as dicts (or lists) of the requested fields."""
    queryset, columns = filtered_queryset(user, doctype, filters, or_filters)
    selected = parse_fields(columns, fields)
    ordering = parse_order_by(columns, order_by)
    start, length = page_bounds(limit_start, limit)
    real = [c.fieldname for c in selected if not c.is_custom]
    needs_custom = any(c.is_custom for c in selected)
    values = real + (["_custom"] if needs_custom else [])
    rows = queryset.order_by(*ordering).values(*values)[start : start + length]
    result = []
    for row in rows:
        custom = row.get("_custom") or {} if needs_custom else {}
        item = {
            c.fieldname: to_json(custom.get(c.fieldname) if c.is_custom else row[c.fieldname])
            for c in selected
        }
        result.append(list(item.values()) if as_list else item)
    return result


def get_count(
    user: str, doctype: str, filters: Any = None, or_filters: Any = None, cap: int | None = None
) -> int:
    """Count permitted documents; with ``cap`` stop counting at cap (cheap on big tables)."""
    queryset, _columns = filtered_queryset(user, doctype, filters, or_filters)
    if cap:
        # ``modified`` ends every composite index and has its own, so the capped subquery
        # stays index-only; selecting the primary key made SQLite visit 100k table rows.
        return queryset.order_by().values("modified")[:cap].count()
    return queryset.count()


def count_for_list(user: str, doctype: str, filters: Any = None, or_filters: Any = None) -> dict:
    """Return ``{"count": n, "exact": bool}``; beyond the site's cap the count says "at least"."""
    cap = settings.LOWCODE_COUNT_CAP
    count = get_count(user, doctype, filters, or_filters, cap=cap + 1)
    return {"count": min(count, cap), "exact": count <= cap}


def doc_to_dict(user: str, doc, levels: frozenset[int] | None = None) -> dict:
    """Serialise a document with child rows, hiding fields above the user's permlevels."""
    meta = doc.meta
    if levels is None:
        levels = permitted_levels(user, meta.name, "read")
    data: dict[str, Any] = {"doctype": meta.name}
    for name in meta.standard_field_names:
        data[name] = to_json(getattr(doc, name))
    for field in meta.fields:
        if field.permlevel not in levels or not (field.holds_value or field.is_table):
            continue
        if field.is_table:
            child_meta = get_meta(field.options or "")
            data[field.fieldname] = [
                doc_to_dict(user, row, frozenset(f.permlevel for f in child_meta.fields) | {0})
                for row in doc.get_children(field.fieldname)
            ]
        elif field.fieldtype in SECRET_TYPES:
            data[field.fieldname] = masked(doc.get(field.fieldname))
        else:
            data[field.fieldname] = to_json(doc.get(field.fieldname))
    return data


def get_doc(user: str, doctype: str, name: str) -> dict:
    """Return one document the user may read, as Frappe's ``/api/resource`` does."""
    return doc_to_dict(user, access_doc(user, doctype, name, "read"))


def get_value(user: str, doctype: str, fieldnames: Any, filters: Any) -> dict | None:
    if isinstance(filters, str) and not filters.lstrip().startswith(("[", "{")):
        filters = {"name": filters}
    rows = get_list(user, doctype, fields=fieldnames, filters=filters, limit=1)
    return rows[0] if rows else None


def exists(doctype: str, name: str) -> bool:
    """Whether a document exists, ignoring permissions (for Link validation only)."""
    return get_model(doctype).objects.filter(name=name).exists()
