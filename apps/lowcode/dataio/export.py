"""Rows of the files the capability hands out: import templates, exports and error reports.

Read-only, and every document read goes through the permission layer: an export holds the
documents the user may read, with only the fields of the permlevels the user may read.
"""

from __future__ import annotations

from typing import Any

from lowcode.dataio.columns import header_of, importable_fields, name_header
from lowcode.dataio.importer import IMPORT_LOG, ImportType, Outcome, check_may_import
from lowcode.exceptions import DataError, PermissionError
from lowcode.i18n import _, option_label
from lowcode.meta import registry
from lowcode.permissions.core import has_doctype_permission
from lowcode.query import reads
from lowcode.query.builder import STANDARD_LABELS, parse_fields, parse_order_by
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model

# One download holds at most this many documents: a bigger export should be filtered.
EXPORT_ROW_LIMIT = 100_000


def template_rows(user: str, doctype: str, import_type: str = ImportType.INSERT) -> list[list]:
    """The header row of an import template: the fields the user may fill, ID first to update."""
    check_may_import(user, doctype, import_type)
    meta = registry.get_meta(doctype)
    update = import_type == ImportType.UPDATE
    fields = importable_fields(meta, user, levels_verb="write" if update else "create")
    headers = ([name_header()] if update else []) + [header_of(f) for f in fields]
    return [headers]


def export_rows(
    user: str,
    doctype: str,
    fields: Any = None,
    filters: Any = None,
    or_filters: Any = None,
    order_by: str | None = None,
) -> list[list]:
    """The header and rows of the documents the user may read, as the list filters select."""
    if not has_doctype_permission(user, doctype, "export"):
        raise PermissionError(
            _("No permission to {ptype} {doctype}", ptype=_("export"), doctype=_(doctype))
        )
    queryset, columns = reads.filtered_queryset(user, doctype, filters, or_filters)
    if fields in (None, "", []):
        fields = ["name", *(f for f in columns.columns if f not in STANDARD_LABELS)]
    selected = parse_fields(columns, fields)
    if queryset.count() > EXPORT_ROW_LIMIT:
        raise DataError(
            _(
                "At most {limit} rows can be exported at once: narrow the filters",
                limit=EXPORT_ROW_LIMIT,
            )
        )
    headers = [
        f"{_(STANDARD_LABELS[c.fieldname])} ({c.fieldname})"
        if c.fieldname in STANDARD_LABELS
        else header_of(c.field)
        for c in selected
    ]
    real = [c.fieldname for c in selected if not c.is_custom]
    needs_custom = any(c.is_custom for c in selected)
    values = real + (["_custom"] if needs_custom else [])
    rows: list[list] = [headers]
    ordering = parse_order_by(columns, order_by)
    # People read the file: a Select shows its label in their language (worded for this
    # DocType); the import reads a label back to its value, so the file re-imports as it is.
    selects = {c.fieldname: c.field for c in selected if c.field.fieldtype == "Select"}
    for row in queryset.order_by(*ordering).values(*values).iterator(chunk_size=2000):
        custom = (row.get("_custom") or {}) if needs_custom else {}
        cells = []
        for c in selected:
            value = to_json(custom.get(c.fieldname) if c.is_custom else row[c.fieldname])
            select = selects.get(c.fieldname)
            cells.append(option_label(select, value) if select and value else value)
        rows.append(cells)
    return rows


def error_report_rows(data_import) -> list[list]:
    """The failed rows as the file had them, with their row number and error last."""
    entries = list(
        get_model(IMPORT_LOG)
        .objects.filter(data_import=data_import.name, outcome=Outcome.ERROR)
        .order_by("row_index")
        .values_list("row_index", "message", "row_data")
    )
    headers: list[str] = []
    for _index, _message, row_data in entries:
        for header in row_data or {}:
            if header not in headers:
                headers.append(header)
    rows: list[list] = [[*headers, _("Error"), _("Row Number")]]
    for index, message, row_data in entries:
        data = row_data or {}
        rows.append([*(data.get(h) for h in headers), message, index])
    return rows
