"""Checks of stored report definitions, run by ``kuaicrm check`` (database checks).

reports.E001  Query Report whose query is not one plain SELECT
reports.E002  report's ref_doctype is not a known DocType
reports.E003  Script Report with no ``execute`` in ``<app>/reports/<snake>/<snake>.py``
reports.E004  Report Builder settings are not a JSON object
reports.E005  query parameter that is not one of the report's filters
reports.E006  report role that is not a known Role
reports.E007  Report Builder settings naming a field its DocType (or the linked one) lacks
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.checks import CheckMessage, Error
from django.db import DatabaseError

from lowcode.exceptions import FrappeError
from lowcode.meta.registry import exists as doctype_exists
from lowcode.reports import builder, engine, sql
from lowcode.storage.factory import get_model

HINTS = {
    "E001": "Write one SELECT (or WITH … SELECT) without comments, semicolons or writes.",
    "E002": "Set ref_doctype to the DocType whose permissions should gate the report.",
    "E003": "Add execute(filters) in <app>/reports/<snake>/<snake>.py or change the type.",
    "E004": 'Store settings such as {"group_by": ["status"], "aggregates": [...]}.',
    "E005": "Add a filter row with that fieldname or remove the parameter.",
    "E006": "Create the Role or remove the row.",
    "E007": "Open the report in the Report Builder and pick the fields again.",
}


def _error(code: str, report: str, message: str) -> Error:
    return Error(
        f"Report '{report}' {message}",
        hint=HINTS[code],
        obj=f"Report {report}",
        id=f"reports.{code}",
    )


def check_report(report) -> list[CheckMessage]:
    """Return every problem of one stored report."""
    errors: list[CheckMessage] = []
    name = report.name
    if not doctype_exists(report.ref_doctype or ""):
        errors.append(_error("E002", name, f"refers to unknown DocType '{report.ref_doctype}'."))
    if report.report_type == engine.QUERY:
        try:
            checked = sql.check_select_only(report.query)
        except FrappeError as exc:
            errors.append(_error("E001", name, f"has a query that cannot run: {exc.message}"))
        else:
            declared = {row.fieldname for row in report.get("filters")}
            for param in sql.query_parameters(checked):
                if param not in declared:
                    errors.append(
                        _error("E005", name, f"uses parameter '{param}', which is not a filter.")
                    )
    sandboxed = not report.is_standard and (report.report_script or "").strip()
    if (
        report.report_type == engine.SCRIPT
        and not sandboxed
        and not hasattr(engine.find_script_module(report.report_name), "execute")
    ):
        errors.append(_error("E003", name, "has no execute(filters) in any app's reports folder."))
    if report.report_type == engine.BUILDER:
        try:
            spec = engine.builder_spec(report)
        except FrappeError as exc:
            errors.append(_error("E004", name, f"has unusable settings: {exc.message}"))
        else:
            if doctype_exists(report.ref_doctype or ""):
                for field in builder.unknown_names(report.ref_doctype, spec):
                    errors.append(_error("E007", name, f"names unknown field '{field}'."))
    roles = set(get_model("Role").objects.values_list("name", flat=True))
    for row in report.get("roles"):
        if row.role not in roles:
            errors.append(_error("E006", name, f"names unknown role '{row.role}'."))
    return errors


def run_checks(app_configs: Iterable | None = None, databases=None, **kwargs) -> list:
    if not databases:
        return []
    try:
        return [e for r in get_model("Report").objects.order_by("name") for e in check_report(r)]
    except DatabaseError:
        return []  # not migrated yet: nothing stored to check
