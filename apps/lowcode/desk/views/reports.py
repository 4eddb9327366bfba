"""Report list, report view and dashboard (routes registered by lowcode.desk.urls)."""

from __future__ import annotations

import json

from django.shortcuts import render
from django.urls import path

from lowcode.desk.lib import dashboard, nav
from lowcode.desk.views import report_builder
from lowcode.desk.views.common import desk_view
from lowcode.exceptions import FrappeError, PermissionError
from lowcode.permissions.core import has_doctype_permission, is_administrator
from lowcode.reports import api as reports_api
from lowcode.reports import engine


@desk_view
def reports_page(request, user):
    reports = engine.runnable_reports(user)
    groups: dict[str, list] = {}
    for report in reports:
        groups.setdefault(report.ref_doctype or "", []).append(report)
    context = {
        "active_nav": "reports",
        "groups": sorted(groups.items()),
        "total": len(reports),
        "may_build": bool(nav.main_entries(user)),
    }
    return render(request, "desk/reports.html", context)


@desk_view
def query_report_page(request, user, name):
    report = engine.access_report(user, name)  # forbidden, disabled, missing: the same 404
    inputs, values, missing = dashboard.report_filters(report, request.GET)
    result, error = None, ""
    if not missing:
        try:
            result = dashboard.run_for_view(user, report.name, values)
        except PermissionError:
            raise
        except FrappeError as exc:  # a timeout or a bad filter: said on the page
            error = str(exc)
    context = {
        "active_nav": "reports",
        "report": report,
        "inputs": inputs,
        "missing": missing,
        "result": result,
        "error": error,
        "chart_json": json.dumps(result["chart"], ensure_ascii=False)
        if result and result["chart"]
        else "",
        "filters_json": json.dumps(values, ensure_ascii=False),
        "can_export": is_administrator(user)
        or has_doctype_permission(user, report.ref_doctype, "export"),
        "may_edit": report.report_type == engine.BUILDER
        and not report.is_standard
        and has_doctype_permission(user, "Report", "write"),
        "may_pin": report.report_type == engine.BUILDER
        and bool(result and result["chart"])
        and has_doctype_permission(user, dashboard.DASHBOARD_CHART, "create"),
    }
    return render(request, "desk/report.html", context)


@desk_view
def export_report(request, user, name):
    """CSV or XLSX of the report with the page's filters (the API's export_query)."""
    report = engine.access_report(user, name)
    _inputs, values, _missing = dashboard.report_filters(report, request.GET)
    return reports_api.export_query(
        request,
        user,
        report_name=report.name,
        filters=values,
        file_format_type=request.GET.get("file_format_type", "CSV"),
    )


@desk_view
def dashboard_page(request, user):
    charts = dashboard.dashboard_charts(user)
    context = {
        "active_nav": "dashboard",
        "cards": dashboard.number_cards(user),
        "charts": charts,
        "is_admin": is_administrator(user)
        or has_doctype_permission(user, dashboard.NUMBER_CARD, "create"),
    }
    return render(request, "desk/dashboard.html", context)


urlpatterns = [
    *report_builder.urlpatterns,
    path("app/reports", reports_page, name="desk-reports"),
    path("app/dashboard", dashboard_page, name="desk-dashboard"),
    path("app/query-report/<path:name>/export", export_report, name="desk-report-export"),
    path("app/query-report/<path:name>", query_report_page, name="desk-report"),
]
