"""Whitelisted report methods with Frappe's names (wired in ``hooks.py``)."""

from __future__ import annotations

from typing import Any

from lowcode.exceptions import PermissionError
from lowcode.i18n import _
from lowcode.permissions.core import has_doctype_permission, is_administrator
from lowcode.reports import engine, export


def run(request, user, report_name: Any = None, filters: Any = None, **_ignored) -> dict:
    """Run a report: ``frappe.desk.query_report.run``."""
    return engine.run_report(user, report_name, filters)


def export_query(
    request,
    user,
    report_name: Any = None,
    filters: Any = None,
    file_format_type: Any = "CSV",
    **_ignored,
):
    """Export a report's rows as CSV or XLSX: ``frappe.desk.query_report.export_query``."""
    report = engine.access_report(user, report_name)
    if not is_administrator(user) and not has_doctype_permission(
        user, report.ref_doctype, "export"
    ):
        raise PermissionError(
            _(
                "No permission to {ptype} {doctype}",
                ptype=_("export"),
                doctype=_(report.ref_doctype),
            )
        )
    payload = engine.run_report(user, report_name, filters)
    return export.file_response(payload, report.name, file_format_type)
