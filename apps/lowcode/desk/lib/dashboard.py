"""Dashboard numbers and charts, and the report screens' read-only work.

Every figure is computed over ``permitted_queryset`` with the builder's filters, so each
user counts only what they may read; one aggregate query per card or chart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode

from django.db.models import Avg, Count, Sum

from lowcode import context
from lowcode.desk.lib import nav
from lowcode.desk.lib.boards import link_titles
from lowcode.exceptions import DataError, FrappeError
from lowcode.i18n import _, current_lang, option_label
from lowcode.meta.registry import exists as doctype_exists
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import (
    full_names,
    has_doctype_permission,
    is_system_manager,
    permitted_queryset,
)
from lowcode.query import reads
from lowcode.query.builder import NUMERIC_TYPES, ColumnSet, build_filter, normalise_filters
from lowcode.query.serialize import to_json
from lowcode.reports import engine as report_engine
from lowcode.reports.builder import LABEL_JOIN

NUMBER_CARD = "Number Card"
DASHBOARD_CHART = "Dashboard Chart"
MOST_ON_DASHBOARD = 50
FUNCTIONS = {"Count": Count, "Sum": Sum, "Average": Avg}
CHART_TYPES = {"Bar": "bar", "Line": "line", "Pie": "pie", "Donut": "donut", "Funnel": "funnel"}
REPORT_ROWS_SHOWN = 500
NUMBER_COLUMNS = {"Int", "Float", "Currency", "Percent"}


@dataclass
class Figure:
    """A number card or a chart as the dashboard shows it."""

    name: str
    label: str
    doctype: str
    href: str
    color: str = "blue"
    value: Any = None
    function: str = "Count"
    chart: dict | None = None
    error: str = ""
    rows: list[tuple[str, Any]] = field(default_factory=list)
    opens_report: bool = False  # a pinned report: its link opens the report, not a list

    @property
    def display(self) -> str:
        return compact_number(self.value)

    @property
    def chart_json(self) -> str:
        return json.dumps(self.chart, ensure_ascii=False) if self.chart else ""


def compact_number(value: Any) -> str:
    """A figure short enough for a phone's card: 1,757.0万 (zh) or 17.6M (en) for big ones."""
    if not isinstance(value, int | float):
        return "" if value is None else str(value)
    steps = ((1e8, "亿"), (1e4, "万")) if current_lang() == "zh" else ((1e9, "B"), (1e6, "M"))
    for size, unit in steps:
        if abs(value) >= size:
            return f"{value / size:,.1f}{unit}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _filters(raw: Any, doctype: str) -> list[list[Any]]:
    """filters_json in any of Frappe's shapes (dict, 3- or 4-item lists) as [field, op, value]."""
    if isinstance(raw, str) and not raw.strip():
        raw = None
    return [list(item) for item in normalise_filters(raw, doctype, "filters_json")]


def _list_href(doctype: str, filters: list) -> str:
    query = {"filters": json.dumps(filters, ensure_ascii=False)} if filters else {}
    return f"/app/{nav.slug(doctype)}" + (f"?{urlencode(query)}" if query else "")


def _aggregate(function: str, columns: ColumnSet, aggregate_field: str):
    if function not in FUNCTIONS:
        raise DataError(_("Unknown aggregate function {function}", function=function[:40]))
    if function == "Count":
        return Count("name")
    column = columns.get(aggregate_field or "", "aggregate_field")
    if column.field.fieldtype not in NUMERIC_TYPES:
        raise DataError(
            _("Cannot {function} the field {field}", function=_(function), field=column.fieldname)
        )
    return FUNCTIONS[function](column.expression())


def _scoped(user: str, doctype: str):
    """The user's permitted queryset of a DocType, built once per request: cards and charts
    on the same DocType share its permission work (the assignment check is a query)."""
    return context.cached(
        ("desk-dashboard-scope", user, doctype), lambda: permitted_queryset(user, doctype, "read")
    )


def _gone(user: str, doctype: str) -> bool:
    """A figure whose DocType no longer exists (a run-time DocType deleted since): a System
    Manager sees it with the reason instead of it vanishing; others do not see it."""
    return bool(doctype) and not doctype_exists(doctype) and is_system_manager(user)


def _gone_figure(name: str, label: str, doctype: str) -> Figure:
    error = _("DocType {doctype} not found", doctype=doctype)
    return Figure(name=name, label=label, doctype=doctype, href="", error=error)


def _readable(user: str, doctype: str) -> bool:
    return bool(doctype) and doctype_exists(doctype) and has_doctype_permission(user, doctype)


def _definitions(user: str, doctype: str, fields: list[str]) -> list[dict]:
    return reads.get_list(
        user,
        doctype,
        fields=fields,
        filters=[["is_public", "=", 1]],
        order_by="idx_on_dashboard asc",
        limit=MOST_ON_DASHBOARD,
    )


def number_cards(user: str) -> list[Figure]:
    """The public Number Cards on DocTypes the user may read, each with its value."""
    fields = ["name", "label", "document_type", "function", "aggregate_field", "filters_json"]
    figures = []
    for card in _definitions(user, NUMBER_CARD, [*fields, "color"]):
        doctype = card["document_type"] or ""
        if _gone(user, doctype):
            figures.append(_gone_figure(card["name"], card["label"], doctype))
            continue
        if not _readable(user, doctype):
            continue
        function = card["function"] or "Count"
        figure = Figure(
            name=card["name"],
            label=card["label"],
            doctype=doctype,
            href=f"/app/{nav.slug(doctype)}",
            color=(card["color"] or "Blue").lower(),
            function=function,
        )
        try:
            filters = _filters(card["filters_json"], doctype)
            figure.href = _list_href(doctype, filters)
            figure.value = card_value(user, doctype, function, card["aggregate_field"], filters)
        except FrappeError as exc:
            figure.error = str(exc)
        figures.append(figure)
    return figures


def card_value(user: str, doctype: str, function: str, aggregate_field: str | None, filters):
    """One aggregate over the documents the user may read."""
    columns = ColumnSet(get_meta(doctype), user)
    aggregate = _aggregate(function, columns, aggregate_field or "")
    queryset = _scoped(user, doctype)
    condition = build_filter(columns, filters, None)
    if condition:
        queryset = queryset.filter(condition)
    value = queryset.order_by().aggregate(value=aggregate)["value"]
    if value is None:
        return 0
    return to_json(value)


def dashboard_charts(user: str) -> list[Figure]:
    """The public Dashboard Charts on DocTypes the user may read, each with its data."""
    fields = ["name", "chart_name", "document_type", "group_by", "function", "aggregate_field"]
    figures = []
    for chart in _definitions(
        user, DASHBOARD_CHART, [*fields, "chart_type", "filters_json", "max_groups", "report_name"]
    ):
        doctype = chart["document_type"] or ""
        if _gone(user, doctype):
            figures.append(_gone_figure(chart["name"], chart["chart_name"], doctype))
            continue
        if not _readable(user, doctype):
            continue
        if chart["report_name"]:
            figure = pinned_report(user, chart)
            if figure is not None:
                figures.append(figure)
            continue
        figure = Figure(
            name=chart["name"],
            label=chart["chart_name"],
            doctype=doctype,
            href=f"/app/{nav.slug(doctype)}",
            function=chart["function"] or "Count",
        )
        try:
            filters = _filters(chart["filters_json"], doctype)
            figure.href = _list_href(doctype, filters)
            figure.chart, figure.rows = chart_data(
                user,
                doctype,
                group_by=chart["group_by"] or "",
                function=figure.function,
                aggregate_field=chart["aggregate_field"] or "",
                filters=filters,
                chart_type=chart["chart_type"] or "Bar",
                max_groups=int(chart["max_groups"] or 10),
            )
        except FrappeError as exc:
            figure.error = str(exc)
        figures.append(figure)
    return figures


def pinned_report(user: str, chart: dict) -> Figure | None:
    """A pinned report's chart, run as the viewer: absent for one the report's roles leave out."""
    name = chart["report_name"]
    try:
        report = report_engine.access_report(user, name)
    except FrappeError:
        return None  # not among the report's roles (or the report is gone): not on their board
    figure = Figure(
        name=chart["name"],
        label=chart["chart_name"],
        doctype=report.ref_doctype,
        href=f"/app/query-report/{quote(report.name)}",
        opens_report=True,
    )
    try:
        payload = report_engine.run_report(user, report.name)
    except FrappeError as exc:
        figure.error = str(exc)
        return figure
    figure.chart = payload.get("chart")
    if figure.chart:
        data = figure.chart["data"]
        many = len(data["datasets"]) > 1
        figure.rows = [
            (f"{label}{LABEL_JOIN}{dataset['name']}" if many else label, value)
            for dataset in data["datasets"]
            for label, value in zip(data["labels"], dataset["values"], strict=False)
            if value or not many
        ]
    return figure


def chart_data(
    user: str,
    doctype: str,
    *,
    group_by: str,
    function: str,
    aggregate_field: str,
    filters: list,
    chart_type: str,
    max_groups: int,
) -> tuple[dict, list[tuple[str, Any]]]:
    """Group and aggregate in one query; answer Frappe's chart shape and the rows it shows."""
    meta = get_meta(doctype)
    columns = ColumnSet(meta, user)
    group = columns.get(group_by, "group_by")
    aggregate = _aggregate(function, columns, aggregate_field)
    queryset = _scoped(user, doctype)
    condition = build_filter(columns, filters, None)
    if condition:
        queryset = queryset.filter(condition)
    grouped = list(
        queryset.order_by()
        .annotate(chart_key=group.expression())
        .values("chart_key")
        .annotate(chart_value=aggregate)
        .order_by("-chart_value", "chart_key")[: max(1, min(max_groups, 50))]
    )
    keys = [row["chart_key"] for row in grouped]
    titles = (
        link_titles(user, group.field.options or "", [k for k in keys if k])
        if group.field.fieldtype == "Link"
        else {}
    )
    # Workflow states are words of the workflow fixture (translated), though stored in a Data field.
    from lowcode.workflow.engine import get_workflow

    workflow = get_workflow(doctype) if group.field.fieldtype == "Data" else None
    state_field = workflow.state_field if workflow else None
    labels, values, hrefs = [], [], []
    for row in grouped:
        key = row["chart_key"]
        if key in (None, ""):
            labels.append(_("Not set"))
            hrefs.append(_list_href(doctype, [*filters, [group.fieldname, "is", "not set"]]))
        else:
            if group.field.fieldtype == "Select":
                label = option_label(group.field, key)
            else:
                label = titles.get(key) or (_(str(key)) if group.fieldname == state_field else key)
            labels.append(str(to_json(label)))
            hrefs.append(_list_href(doctype, [*filters, [group.fieldname, "=", to_json(key)]]))
        value = to_json(row["chart_value"]) or 0
        values.append(round(value, 2) if isinstance(value, float) else value)
    payload = {
        "data": {"labels": labels, "datasets": [{"name": _(function), "values": values}]},
        "type": CHART_TYPES.get(chart_type, "bar"),
        "hrefs": hrefs,
    }
    return payload, list(zip(labels, values, strict=True))


# ---------------------------------------------------------------- reports


@dataclass
class ReportFilter:
    fieldname: str
    label: str
    fieldtype: str
    options: list[str]
    value: str
    reqd: bool


def report_filters(report, params) -> tuple[list[ReportFilter], dict[str, Any], list[str]]:
    """The report's filter inputs filled from the query string (or defaults), the values to
    run with, and the labels of required filters still empty."""
    inputs, values, missing = [], {}, []
    for row in report.get("filters"):
        fieldtype = row.fieldtype or "Data"
        given = params.get(row.fieldname)
        value = given if given is not None else (row.default or "")
        if fieldtype == "Check":
            value = "1" if value in ("1", "on", "true", 1) else ""
        options = (row.options or "").split("\n") if fieldtype == "Select" else []
        label = row.label or row.fieldname
        inputs.append(
            ReportFilter(row.fieldname, label, fieldtype, options, str(value), bool(row.reqd))
        )
        if value not in (None, ""):
            values[row.fieldname] = int(value) if fieldtype == "Check" else value
        elif row.reqd:
            missing.append(label)
    return inputs, values, missing


def run_for_view(user: str, report_name: str, values: dict) -> dict:
    """Run the report and shape it for the page: rows as cells in column order."""
    return shape_for_view(report_engine.run_report(user, report_name, values))


def _is_person(column: dict) -> bool:
    return column.get("fieldtype") == "Link" and column.get("options") == "User"


def _shown(column: dict, value: Any, people: dict[str, str]) -> Any:
    """A grouped value as the desk shows it: a person's full name, a Select's option label."""
    if _is_person(column):
        return people.get(str(value), value)
    if column.get("fieldtype") == "Select" and column.get("parent") and value not in (None, ""):
        fieldname = str(column.get("fieldname", "")).rsplit(".", 1)[-1]
        return option_label(SimpleNamespace(parent=column["parent"], fieldname=fieldname), value)
    return value


def _people(columns: list[dict], result: list) -> dict[str, str]:
    """Full names of the users a Link-to-User column shows (one query), as lists show them."""
    names = set()
    for index, column in enumerate(columns):
        if _is_person(column):
            for row in result:
                value = row.get(column["fieldname"]) if isinstance(row, dict) else row[index]
                if isinstance(value, str):
                    names.add(value)
    return full_names(names) if names else {}


def shape_for_view(payload: dict) -> dict:
    """A report's payload as the page shows it (the report page and the builder's preview).

    Labels are translated part by part ("Amount · Sum" → "金额 · 求和"); a totals row (the
    last row when ``add_total_row``) is kept apart so it is drawn as a footer.
    """
    columns = [
        {
            **c,
            "num": c.get("fieldtype") in NUMBER_COLUMNS,
            "label": LABEL_JOIN.join(
                _(part) for part in str(c.get("label") or c.get("fieldname")).split(LABEL_JOIN)
            ),
        }
        for c in payload["columns"]
    ]
    fieldnames = [c.get("fieldname") for c in columns]
    result = list(payload["result"] or [])
    people = _people(columns, result)
    total = result.pop() if payload.get("add_total_row") and result else None
    rows = []
    for row in [*result[:REPORT_ROWS_SHOWN], *([total] if total is not None else [])]:
        cells = [row.get(name) for name in fieldnames] if isinstance(row, dict) else list(row)
        rows.append(
            [
                {
                    "value": _shown(column, value, people),
                    "fieldtype": column.get("fieldtype") or "",
                    "num": column["num"],
                }
                for value, column in zip(cells, columns, strict=False)
            ]
        )
    chart = payload.get("chart") or None
    if chart and not (isinstance(chart, dict) and isinstance(chart.get("data"), dict)):
        chart = None
    total_cells = rows.pop() if total is not None else None
    return {
        "columns": columns,
        "rows": rows,
        "total": total_cells,
        "total_rows": len(result),
        "message": payload.get("message"),
        "chart": chart,
        "summary": payload.get("report_summary") or [],
        "execution_time": payload.get("execution_time"),
    }


def check_definition(doc: Any, *, group_field: str | None = None) -> None:
    """Refuse a Number Card or Dashboard Chart whose DocType or fields do not exist.

    The dashboard skips a figure on a DocType it cannot read, so a typo saved here would
    vanish without a word; every bad reference is named on its own field, as a rule's is.
    """
    from lowcode.exceptions import FieldError, ValidationError

    def label(fieldname: str) -> str:
        return _(doc.meta.get_field(fieldname).label)

    def fail(fieldname: str, rule: str, error: str) -> FieldError:
        return FieldError(
            fieldname, rule, _("{label}: {error}", label=label(fieldname), error=error)
        )

    doctype = doc.get("document_type") or ""
    if not doctype_exists(doctype) or get_meta(doctype).istable:
        bad = fail("document_type", "link", _("DocType {doctype} not found", doctype=doctype))
        raise ValidationError(bad.message, [bad])
    meta = get_meta(doctype)
    # Which fields exist, not who may read them: the dashboard scopes each reader later.
    columns = ColumnSet(meta, "Administrator")
    errors: list[FieldError] = []

    def missing(fieldname: str, value: str) -> bool:
        if value in columns.columns:
            return False
        error = _("{doctype} has no field {field}", doctype=_(doctype), field=value)
        errors.append(fail(fieldname, "field", error))
        return True

    if group_field:
        missing(group_field, doc.get(group_field) or "")
    function = doc.get("function") or "Count"
    aggregate = doc.get("aggregate_field") or ""
    if (
        function != "Count"
        and not missing("aggregate_field", aggregate)
        and columns.columns[aggregate].field.fieldtype not in NUMERIC_TYPES
    ):
        error = _("Cannot {function} the field {field}", function=_(function), field=aggregate)
        errors.append(fail("aggregate_field", "field", error))
    try:
        build_filter(columns, _filters(doc.get("filters_json"), doctype), None)
    except FrappeError as exc:
        errors.append(fail("filters_json", "filters", str(exc)))
    if errors:
        raise ValidationError("; ".join(e.message for e in errors), errors)
