"""The Report Builder screen: pick, preview, save for roles; pin a report to the dashboard."""

from __future__ import annotations

import json
from urllib.parse import quote

from django.http import QueryDict
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from lowcode.desk.lib import dashboard
from lowcode.desk.lib import report_builder as rb
from lowcode.desk.views.common import desk_view, go_to
from lowcode.exceptions import FrappeError, PermissionError
from lowcode.i18n import _
from lowcode.meta.registry import exists as doctype_exists
from lowcode.permissions.core import has_doctype_permission
from lowcode.query import reads
from lowcode.reports import actions, engine
from lowcode.reports.builder import FUNCTION_LABELS, LABEL_JOIN


def _may_save(user: str) -> bool:
    return has_doctype_permission(user, "Report", "create")


def _context(user: str, state: rb.State, *, error: str = "", editing: str = "") -> dict:
    doctypes = rb.doctype_options(user)
    context: dict = {
        "active_nav": "reports",
        "state": state,
        "doctypes": doctypes,
        "quick_doctypes": [d for d in doctypes if not d["is_settings"]][:6],
        "error": error,
        "editing": editing,
        "may_save": _may_save(user),
        "operators": rb.FILTER_OPERATORS,
        "charts": [c for c in rb.CHARTS if c],
        "functions": rb.FUNCTIONS,
    }
    readable = {d["doctype"] for d in doctypes}
    if not state.doctype or state.doctype not in readable or not doctype_exists(state.doctype):
        context["state"] = rb.State(open=["source"])
        return context
    found = rb.choices(user, state.doctype)
    chips, other_groups = rb.group_chips(user, state.doctype, found)
    measures = rb.measure_choices(found)
    by_key = found.by_key()
    context.update(
        doctype_label=_(state.doctype),
        choices=found,
        by_key=by_key,
        group_chips=chips,
        other_groups=other_groups,
        measures_own=[m for m in measures if "." not in m.key],
        measures_more=[m for m in measures if "." in m.key],
        more_measures_chosen=any("." in key for key in state.measures),
        suggestions=rb.suggestions(state, chips, measures),
        sort_options=rb.sort_options(state, by_key),
        filter_rows=[*state.filters, ["", "=", ""]],
        state_query=state.query(open=[]),
        roles=_roles(user) if context["may_save"] else [],
        measure_summary=_measure_summary(state, by_key),
        group_summary=[by_key[g].label if g in by_key else g for g in state.groups],
        preview=None,
    )
    if state.grouped or state.fields:
        try:
            payload = engine.preview_builder_spec(user, state.doctype, state.spec())
            context["preview"] = dashboard.shape_for_view(payload)
            chart = context["preview"]["chart"]
            context["chart_json"] = json.dumps(chart, ensure_ascii=False) if chart else ""
        except PermissionError:
            raise
        except FrappeError as exc:  # a field the user may not pick, a bad value: on the page
            context["error"] = context["error"] or str(exc)
    return context


def _measure_summary(state: rb.State, by_key: dict) -> list[str]:
    found = [_("Count")] if state.count else []
    for key, function in state.measures.items():
        label = by_key[key].label if key in by_key else key
        found.append(f"{label}{LABEL_JOIN}{_(FUNCTION_LABELS[function])}")
    return found


def _roles(user: str) -> list[str]:
    rows = reads.get_list(user, "Role", fields=["name"], order_by="name asc", limit=500)
    return [r["name"] for r in rows if r["name"] not in ("Administrator", "Guest")]


@desk_view
def builder_page(request, user):
    """The builder; ``?report=<name>`` opens a saved Report Builder report to change it."""
    editing = request.GET.get("report", "")
    if editing and "doctype" not in request.GET:
        report = engine.access_report(user, editing)  # the same 404 for forbidden and missing
        state = rb.state_from_spec(report.ref_doctype, engine.builder_spec(report))
        state.report_name = report.report_name
        state.roles = [row.role for row in report.get("roles")]
    else:
        state = rb.parse_state(request.GET)
        state.report_name = state.report_name or editing
    context = _context(user, state, editing=editing)
    template = "desk/report_builder_body.html" if request.headers.get("HX-Request") else None
    return render(request, template or "desk/report_builder.html", context)


@require_POST
@desk_view
def save_report(request, user):
    """Save the builder's state as a Report Builder report for the chosen roles."""
    state = rb.parse_state(QueryDict(request.POST.get("state", "")))
    name = request.POST.get("report_name", "").strip()
    roles = [r for r in request.POST.getlist("roles") if r]
    try:
        report = actions.do_save_builder_report(user, name, state.doctype, state.spec(), roles)
    except PermissionError:
        raise
    except FrappeError as exc:
        state.report_name, state.roles, state.open = name, roles, ["save"]
        return render(request, "desk/report_builder.html", _context(user, state, error=str(exc)))
    return go_to(request, f"/app/query-report/{quote(report.name)}")


@require_POST
@desk_view
def pin_report(request, user, name):
    """Put the report's chart on the dashboard."""
    actions.do_pin_report(user, name)
    return go_to(request, "/app/dashboard")


urlpatterns = [
    path("app/report-builder", builder_page, name="desk-report-builder"),
    path("app/report-builder/save", save_report, name="desk-report-builder-save"),
    path("app/query-report/<path:name>/pin", pin_report, name="desk-report-pin"),
]
