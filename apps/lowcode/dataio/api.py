"""Data import and export methods served under /api/method/ (wired in hooks.py).

Each parses its arguments, checks permission through ``lowcode.permissions.core`` and calls
the library or an action; files are answered as downloads.
"""

from __future__ import annotations

from typing import Any

from lowcode.api.methods import _writes
from lowcode.dataio import export as rows
from lowcode.dataio import importer, spreadsheet
from lowcode.exceptions import DataError
from lowcode.i18n import _
from lowcode.permissions.core import access_doc
from lowcode.query.builder import MAX_LIMIT_START
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model

STATUS_LOG_LIMIT = 200


def _positive_int(value: Any, name: str, default: int | None) -> int | None:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: JSON's Infinity
        raise DataError(_("{name} must be a whole number", name=name)) from None
    if number < 0:
        raise DataError(_("{name} must not be negative", name=name))
    return min(number, MAX_LIMIT_START)  # a bound the database's LIMIT takes


def download_template(
    request,
    user,
    doctype: str = "",
    file_type: Any = "CSV",
    import_type: Any = importer.ImportType.INSERT,
    **_ignored,
):
    """Answer an empty CSV or XLSX template: one column per field the user may import."""
    import_type = str(import_type or importer.ImportType.INSERT)
    header = rows.template_rows(user, str(doctype), import_type)
    return spreadsheet.file_response(header, _(str(doctype)), file_type)


@_writes
def preview(request, user, data_import: str = "", limit: Any = None, **_ignored) -> dict:
    """Validate the attached file's rows without keeping anything; per-row errors name fields."""
    doc = access_doc(user, importer.DATA_IMPORT, str(data_import), "read")
    return importer.preview_import(user, doc, _positive_int(limit, "limit", None) or None)


@_writes
def start_import(request, user, data_import: str = "", **_ignored) -> dict:
    """Queue the import (inline without Redis); poll ``get_import_status`` for progress."""
    importer.do_start_import(user, str(data_import))
    return import_status(user, str(data_import))


@_writes
def retry_import(request, user, data_import: str = "", **_ignored) -> dict:
    """Continue a failed or interrupted import from its last committed batch."""
    importer.do_retry_import(user, str(data_import))
    return import_status(user, str(data_import))


def get_import_status(
    request, user, data_import: str = "", limit: Any = 20, outcome: Any = None, **_ignored
) -> dict:
    """Return status, counters and the latest log entries (``outcome`` filters them).

    A Running import whose job is lost is resumed or marked failed first, so a client
    polling it learns at once rather than watching "Running" for good.
    """
    doc = access_doc(user, importer.DATA_IMPORT, str(data_import), "read")
    if doc.status == importer.Status.RUNNING and importer.do_reconcile_import(doc.name):
        doc = None  # resumed or failed: read it again
    return import_status(user, str(data_import), limit, outcome, doc)


def import_status(
    user, data_import: str, limit: Any = 20, outcome: Any = None, doc: Any = None
) -> dict:
    """The import's status as ``get_import_status`` answers it, without reconciling."""
    if doc is None:
        doc = access_doc(user, importer.DATA_IMPORT, data_import, "read")
    count = min(_positive_int(limit, "limit", 20) or 0, STATUS_LOG_LIMIT)
    log = get_model(importer.IMPORT_LOG).objects.filter(data_import=doc.name)
    if outcome:
        log = log.filter(outcome=str(outcome))
    entries = log.order_by("-row_index").values(
        "row_index", "outcome", "docname", "message", "errors"
    )[:count]
    total, processed = doc.total_rows or 0, doc.processed_rows or 0
    return {
        "name": doc.name,
        "reference_doctype": doc.reference_doctype,
        "import_type": doc.import_type,
        "dedup_mode": doc.dedup_mode,
        "status": doc.status,
        "total": total,
        "processed": processed,
        "created": doc.created_count or 0,
        "merged": doc.merged_count or 0,
        "updated": doc.updated_count or 0,
        "skipped": doc.skipped_count or 0,
        "failed": doc.failed_count or 0,
        "progress": round(100 * processed / total) if total else 0,
        "error_message": doc.error_message,
        "can_retry": doc.status != importer.Status.RUNNING and importer.can_resume(doc),
        "started_at": to_json(doc.started_at),
        "finished_at": to_json(doc.finished_at),
        "log": [{**entry, "errors": entry["errors"] or []} for entry in entries],
    }


def download_error_report(request, user, data_import: str = "", file_type: Any = "CSV", **_ignored):
    """Answer the failed rows as the file had them, plus an error column, to fix and re-upload."""
    doc = access_doc(user, importer.DATA_IMPORT, str(data_import), "read")
    title = f"{_(doc.reference_doctype)}-{_('Error')}"
    return spreadsheet.file_response(rows.error_report_rows(doc), title, file_type)


def export(
    request,
    user,
    doctype: str = "",
    fields: Any = None,
    filters: Any = None,
    or_filters: Any = None,
    order_by: Any = None,
    file_type: Any = "CSV",
    **_ignored,
):
    """Answer the documents the list filters select as CSV or XLSX, permlevels honoured."""
    from lowcode.query.builder import parse_json_param

    table = rows.export_rows(
        user,
        str(doctype),
        fields=parse_json_param(fields, "fields"),
        filters=filters,
        or_filters=or_filters,
        order_by=order_by or None,
    )
    return spreadsheet.file_response(table, _(str(doctype)), file_type)
