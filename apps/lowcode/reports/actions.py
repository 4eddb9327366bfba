"""Report writes: save a Report Builder report for chosen roles, pin a report to the dashboard.

Both go through ``documents.actions``, so Report's and Dashboard Chart's own permissions
(System Manager) and validation decide, for the desk and any other caller alike.
"""

from __future__ import annotations

from typing import Any

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import ValidationError
from lowcode.i18n import _
from lowcode.reports import engine
from lowcode.storage.factory import get_model

DASHBOARD_CHART = "Dashboard Chart"
PINNED_CHART_TYPES = {"bar": "Bar", "line": "Line", "pie": "Pie"}


def do_save_builder_report(
    user: str, report_name: str, doctype: str, spec: dict[str, Any], roles: list[str]
):
    """Create or update a Report Builder report; the spec must run for its author first."""
    if not report_name:
        raise ValidationError(_("Give the report a name"))
    engine.preview_builder_spec(user, doctype, spec)  # a spec that cannot run is never saved
    data = {
        "report_name": report_name,
        "report_type": engine.BUILDER,
        "ref_doctype": doctype,
        "json": spec,
        "roles": [{"role": role} for role in dict.fromkeys(roles)],
    }
    existing = get_model("Report").objects.filter(name=report_name).first()
    if existing is None:
        return do_insert_doc(user, "Report", data)
    if existing.report_type != engine.BUILDER or existing.is_standard:
        raise ValidationError(
            _("A report named {name} already exists; choose another name", name=report_name)
        )
    return do_save_doc(user, "Report", existing.name, data)


def do_pin_report(user: str, report_name: str):
    """Put a grouped report's chart on the dashboard (a Dashboard Chart naming the report).

    The dashboard runs the report for each viewer, so its roles and each viewer's
    permissions decide what the chart shows, and to whom.
    """
    report = engine.access_report(user, report_name)
    if report.report_type != engine.BUILDER:
        raise ValidationError(_("Only Report Builder reports can be pinned"))
    spec = engine.builder_spec(report)
    groups = spec.get("group_by") or []
    groups = [groups] if isinstance(groups, str) else groups
    if not groups:
        raise ValidationError(_("Group the report by a field to pin it as a chart"))
    chart = spec.get("chart")
    chart_type = (chart.get("type") if isinstance(chart, dict) else chart) or "bar"
    existing = get_model(DASHBOARD_CHART).objects.filter(report_name=report.name).first()
    if existing is not None:
        return existing
    aggregates = spec.get("aggregates") or [{"function": "count", "field": "name"}]
    first = aggregates[0] if isinstance(aggregates[0], dict) else {}
    function = {"sum": "Sum", "avg": "Average"}.get(str(first.get("function")), "Count")
    return do_insert_doc(
        user,
        DASHBOARD_CHART,
        {
            "chart_name": _unique_chart_name(report.report_name),
            "document_type": report.ref_doctype,
            # The list-style fields describe the same first grouping, for a reader of the
            # record; the dashboard draws the report's own chart.
            "group_by": groups[0] if "." not in str(groups[0]) else "name",
            "function": function,
            "aggregate_field": first.get("field") if function != "Count" else None,
            "chart_type": PINNED_CHART_TYPES.get(str(chart_type), "Bar"),
            "report_name": report.name,
            "is_public": 1,
        },
    )


def _unique_chart_name(base: str) -> str:
    taken = set(
        get_model(DASHBOARD_CHART)
        .objects.filter(chart_name__startswith=base)
        .values_list("chart_name", flat=True)
    )
    if base not in taken:
        return base
    number = 2
    while f"{base} {number}" in taken:
        number += 1
    return f"{base} {number}"
