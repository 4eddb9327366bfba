"""Run reports (read-only): access check, then Query, Script or Report Builder execution.

Every report answers Frappe's shape: ``{"result", "columns", "message", "chart",
"report_summary"}``.
"""

from __future__ import annotations

import inspect
import json
import re
import time
from importlib import import_module
from typing import Any

from django.conf import settings

from lowcode.exceptions import DataError, DoesNotExistError, PermissionError, ValidationError
from lowcode.i18n import _
from lowcode.meta.registry import exists as doctype_exists
from lowcode.permissions.core import get_roles, has_doctype_permission, is_administrator
from lowcode.query.builder import parse_json_param
from lowcode.query.serialize import to_json
from lowcode.reports import builder as report_builder
from lowcode.reports import sql as report_sql
from lowcode.storage.factory import get_model

QUERY, SCRIPT, BUILDER = "Query Report", "Script Report", "Report Builder"


def row_cap() -> int:
    return int(getattr(settings, "LOWCODE_REPORT_ROW_CAP", 100_000))


def query_timeout() -> float:
    return float(getattr(settings, "LOWCODE_REPORT_TIMEOUT", 30))


def not_found(name: str) -> DoesNotExistError:
    return DoesNotExistError(_("Report {name} not found", name=str(name)[:140]))


def may_run(user: str, report, roles: set[str] | None = None) -> bool:
    """Return whether the user may run the report: one of its roles, else report permission.

    ``roles``: the report's roles when the caller has read them already (a list of reports).
    """
    if is_administrator(user):
        return True
    if roles is None:
        roles = {row.role for row in report.get("roles")}
    if roles:
        return bool(roles & get_roles(user))
    return doctype_exists(report.ref_doctype) and has_doctype_permission(
        user, report.ref_doctype, "report"
    )


def runnable_reports(user: str) -> list:
    """Enabled reports the user may run, their roles read in one query (not one per report)."""
    Report = get_model("Report")
    reports = list(Report.objects.filter(disabled=0).order_by("ref_doctype", "report_name"))
    roles: dict[str, set[str]] = {}
    for row in get_model("Report Role").objects.filter(parenttype="Report", parentfield="roles"):
        roles.setdefault(row.parent, set()).add(row.role)
    return [r for r in reports if may_run(user, r, roles.get(r.name, set()))]


def access_report(user: str, name: Any):
    """Fetch a report the user may run; forbidden, disabled and missing all answer 404."""
    if not isinstance(name, str) or not name:
        raise DataError(_("report_name is required"))
    report = get_model("Report").objects.filter(name=name).first()
    if report is None or report.disabled or not may_run(user, report):
        raise not_found(name)
    return report


def parse_filters(raw: Any) -> dict[str, Any]:
    filters = parse_json_param(raw, "filters") or {}
    if not isinstance(filters, dict):
        raise DataError(_("filters must be an object"))
    return filters


def run_report(user: str, name: Any, filters: Any = None) -> dict[str, Any]:
    """Run a report for the user and return Frappe's response shape."""
    report = access_report(user, name)
    values = parse_filters(filters)
    started = time.monotonic()
    if report.report_type == QUERY:
        payload = run_query_report(report, values)
    else:
        # ORM-run reports get the same statement timeout as query reports.
        with report_sql.statement_deadline(query_timeout()):
            if report.report_type == SCRIPT:
                payload = run_script_report(report, values, user)
            else:
                payload = run_builder_report(user, report, values)
    payload["execution_time"] = round(time.monotonic() - started, 4)
    return payload


def _shape(columns, result, message=None, chart=None, summary=None) -> dict[str, Any]:
    return {
        "result": result,
        "columns": [normalise_column(c) for c in columns or []],
        "message": message,
        "chart": chart,
        "report_summary": summary,
    }


def normalise_column(column: Any) -> dict[str, Any]:
    """Turn Frappe's ``"Label:Type/Options:Width"`` strings into column dicts."""
    if isinstance(column, dict):
        return column
    label, fieldtype, options, width = str(column), "Data", "", 120
    parts = label.split(":")
    if len(parts) > 1:
        label = parts[0]
        fieldtype, _sep, options = parts[1].partition("/")
        fieldtype = fieldtype or "Data"
        if len(parts) > 2 and parts[2].isdigit():
            width = int(parts[2])
    fieldname = re.sub(r"\W+", "_", label.strip().lower()).strip("_") or "column"
    column_dict = {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, "width": width}
    if options:
        column_dict["options"] = options
    return column_dict


# ---------------------------------------------------------------- Query Report


def bind_parameters(report, sql: str, values: dict[str, Any]) -> dict[str, Any]:
    """Return the values of the query's ``%(name)s`` parameters, from filters or defaults."""
    declared = {row.fieldname: row for row in report.get("filters")}
    params: dict[str, Any] = {}
    for name in report_sql.query_parameters(sql):
        if name not in declared and name not in values:
            raise DataError(_("Unknown query parameter {name}", name=name))
        row = declared.get(name)
        value = values.get(name, row.default if row else None)
        if value in (None, "") and row is not None and row.reqd:
            raise DataError(_("Filter {name} is required", name=row.label or name))
        if value is not None and not isinstance(value, (str, int, float)):
            raise DataError(_("Filter {name} must be a single value", name=name))
        params[name] = None if value == "" else value
    return params


def run_query_report(report, values: dict[str, Any]) -> dict[str, Any]:
    sql = report_sql.check_select_only(report.query)
    params = bind_parameters(report, sql, values)
    cap = row_cap()
    outcome = report_sql.execute_readonly(sql, params, timeout=query_timeout(), row_cap=cap)
    columns = report.columns or outcome.columns
    message = _("Showing the first {count} rows only", count=cap) if outcome.truncated else None
    rows = [[to_json(v) for v in row] for row in outcome.rows]
    return _shape(columns, rows, message)


# ---------------------------------------------------------------- Script Report


def scrub(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "", name.strip().lower().replace(" ", "_").replace("-", "_"))


def find_script_module(report_name: str):
    """Import ``<app>.reports.<snake>.<snake>`` from the first app that has it."""
    snake = scrub(report_name)
    if not snake or snake[0].isdigit():
        return None
    for app in settings.LOWCODE_APPS:
        if app == "lowcode":
            continue  # lowcode.reports is this capability's package, not a reports folder
        dotted = f"{app}.reports.{snake}.{snake}"
        try:
            return import_module(dotted)
        except ModuleNotFoundError as exc:
            if exc.name is None or not dotted.startswith(exc.name):
                raise
    return None


def call_execute(execute, values: dict[str, Any], user: str | None):
    """Call ``execute(filters, user)`` when it takes the user, else Frappe's ``execute(filters)``.

    It takes the user when it has a second positional parameter, ``*args``, or a ``user``
    keyword.
    """
    try:
        parameters = list(inspect.signature(execute).parameters.values())
    except (TypeError, ValueError):  # a builtin or C callable without a signature
        return execute(values)
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return execute(values, user)
    if any(p.name == "user" and p.kind is p.KEYWORD_ONLY for p in parameters):
        return execute(values, user=user)
    return execute(values)


def run_script_report(report, values: dict[str, Any], user: str | None = None) -> dict[str, Any]:
    """Run ``execute(filters, user)`` (or Frappe's plain ``execute(filters)``).

    The engine checks only that the user may run the report; which rows they see is the
    script's job. A script report must therefore take ``user`` and read every document
    through ``lowcode.permissions.core.permitted_queryset(user, doctype)``: one that reads
    ``get_model(...).objects`` directly shows every runner every row, so it should be
    role-gated to people who may see all of them (System Manager).
    """
    if not report.is_standard and (report.report_script or "").strip():
        return run_sandboxed_report(report, values, user or "Guest")
    module = find_script_module(report.report_name)
    execute = getattr(module, "execute", None)
    if execute is None:
        raise ValidationError(
            _("Script Report {name} has no execute(filters) in any app", name=report.name)
        )
    returned = call_execute(execute, values, user)
    parts = list(returned) if isinstance(returned, (tuple, list)) else []
    if len(parts) < 2:
        raise ValidationError(
            _("Script Report {name} must return columns and data", name=report.name)
        )
    parts += [None] * (5 - len(parts))
    columns, data, message, chart, summary = parts[:5]
    return _shape(columns, data, message, chart, summary)


def run_sandboxed_report(report, values: dict[str, Any], user: str) -> dict[str, Any]:
    """Run an admin-written Script Report in the server-script sandbox, as the running user.

    Like Frappe's non-standard Script Report: the script reads ``filters`` and sets
    ``data = columns, result[, message, chart, report_summary]`` (or ``result``, with the
    report's saved columns). It runs where server scripts do (RestrictedPython in the worker
    process, CPU/memory/output limits) and its reads are the worker's RPCs, which go through
    the permission layer as the user; a site with server scripts off refuses it.
    """
    from lowcode.scripts import engine as scripts

    if not scripts.enabled():
        raise PermissionError(
            _(
                "Server scripts are disabled on this site; a System Manager can enable them in System Settings"
            )
        )
    outcome = scripts.execute(
        f"Report {report.name}", report.report_script, user=user, report_filters=values
    )
    data = outcome.get("data")
    if data is None and outcome.get("result") is not None:
        data = [report.columns or [], outcome["result"]]
    parts = list(data) if isinstance(data, (tuple, list)) else []
    if len(parts) < 2 or not isinstance(parts[0], list) or not isinstance(parts[1], list):
        raise ValidationError(
            _("Script Report {name} must return columns and data", name=report.name)
        )
    parts += [None] * (5 - len(parts))
    columns, rows, message, chart, summary = parts[:5]
    return _shape(columns, rows, message, chart, summary)


# ---------------------------------------------------------------- Report Builder


def builder_spec(report) -> dict[str, Any]:
    spec = report.json or {}
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except ValueError:
            raise DataError(_("Report Builder settings are not valid JSON")) from None
    if not isinstance(spec, dict):
        raise DataError(_("Report Builder settings must be an object"))
    return spec


def _combine_filters(saved: Any, given: dict[str, Any]) -> list:
    """Saved filters AND the runner's filters, both in Frappe's list form."""
    combined: list = []
    for raw in (saved, given):
        raw = parse_json_param(raw, "filters")
        if isinstance(raw, dict):
            combined += [[field, "=", value] for field, value in raw.items()]
        elif isinstance(raw, list):
            combined += raw
    return combined


def run_builder_report(user: str, report, values: dict[str, Any]) -> dict[str, Any]:
    """Run a saved Report Builder spec through the permission layer (``reports.builder``)."""
    return run_builder_spec(user, report.ref_doctype, builder_spec(report), values)


def preview_builder_spec(user: str, doctype: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run a spec being built (the builder's preview), under the reports' statement timeout."""
    with report_sql.statement_deadline(query_timeout()):
        return run_builder_spec(user, doctype, spec)


def run_builder_spec(
    user: str, doctype: str, spec: dict[str, Any], values: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run a spec (saved or being built) with the runner's filters ANDed to its own.

    A totals row, when asked for, is the last row of ``result`` (so exports carry it) and
    ``add_total_row`` says so, as Frappe's report response does.
    """
    filters = _combine_filters(spec.get("filters"), values or {})
    outcome = report_builder.run(user, doctype, spec, filters)
    result = outcome["result"]
    if "total_row" in outcome:
        result = [*result, outcome["total_row"]]
    payload = _shape(outcome["columns"], result, chart=outcome.get("chart"))
    payload["add_total_row"] = "total_row" in outcome
    return payload
