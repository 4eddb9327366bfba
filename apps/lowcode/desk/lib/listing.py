"""A list view's state (filters, columns, sort, page) and its rows, through the permission layer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lowcode.desk.lib import link_titles
from lowcode.exceptions import DataError
from lowcode.i18n import _, option_label
from lowcode.meta import fieldtypes
from lowcode.meta.doctype import DocField, DocTypeMeta
from lowcode.query import reads
from lowcode.query.builder import ColumnSet
from lowcode.workflow import engine as workflow_engine

PAGE_LENGTH = 20
# The desk counts exactly up to here and then says "more than 1,000" (Frappe's lists say
# "20 of 1,000+"): on a million rows the exact count was the whole cost of a list page
# (220 ms of 263 ms p95 for a manager, bench/README.md), the rows themselves took 3 ms.
DESK_COUNT_CAP = 1000
# Operators offered by the filter builder (the API accepts all of builder.OPERATORS).
BUILDER_OPERATORS = ["=", "!=", "like", "not like", ">", "<", ">=", "<=", "in", "is"]
TEXT_TYPES = {"Data", "Small Text", "Text", "Long Text", "Text Editor", "Phone", "Read Only"}
# Status words → indicator colour; the first word found in a value wins.
INDICATOR_WORDS = (
    (("lost", "invalid", "cancel", "reject", "overdue", "error", "churn", "disabled"), "red"),
    (
        (
            "won",
            "converted",
            "complete",
            "closed",
            "approved",
            "success",
            "paid",
            "active",
            "done",
            "retained",
        ),
        "green",
    ),
    (("draft", "pending", "nurturing", "hold", "waiting", "partial"), "orange"),
    (("open", "new", "contacted", "qualified", "progress", "review", "submitted"), "blue"),
)


@dataclass
class ListState:
    """What the user asked of a list: filters, columns, sort and page."""

    filters: list[list[Any]] = field(default_factory=list)
    builder_filters: list[list[Any]] = field(default_factory=list)
    standard_values: dict[str, str] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    order_by: str = ""
    start: int = 0
    search: str = ""
    saved_view: str = ""
    chips: list[str] = field(default_factory=list)

    def to_query(self, **changes: Any) -> dict[str, str]:
        """Return the query parameters that reproduce this state (with ``changes``)."""
        values = {**self.__dict__, **changes}
        builder = values["builder_filters"]
        query = {
            "filters": json.dumps(builder, ensure_ascii=False) if builder else "",
            **{f"f_{k}": v for k, v in values["standard_values"].items()},
            "columns": ",".join(values["columns"]),
            "order_by": values["order_by"],
            "start": str(values["start"] or ""),
            "q": values["search"],
            "view": values["saved_view"],
            "chip": ",".join(values["chips"]),
        }
        return {k: v for k, v in query.items() if v}


def parse_state(params, meta: DocTypeMeta) -> ListState:
    """Read a ListState from query parameters; bad JSON is a DataError naming the parameter."""
    raw_filters = params.get("filters") or "[]"
    try:
        filters = json.loads(raw_filters)
    except ValueError:
        raise DataError(_("Invalid filters")) from None
    if not isinstance(filters, list):
        raise DataError(_("Invalid filters"))
    filters = [f for f in filters if isinstance(f, list) and len(f) == 3]
    builder_filters = list(filters)
    standard_values: dict[str, str] = {}
    # Standard filter inputs arrive as f_<fieldname>; they join the builder's filters.
    for key in params:
        if key.startswith("f_") and params.get(key) not in (None, ""):
            fieldname = key[2:]
            docfield = meta.get_field(fieldname)
            if docfield is None:
                continue
            value = params.get(key)
            standard_values[fieldname] = value
            if docfield.fieldtype in TEXT_TYPES and fieldname != state_field(meta):
                filters.append([fieldname, "like", f"%{value}%"])
            else:
                filters.append([fieldname, "=", value])
    try:
        start = max(int(params.get("start") or 0), 0)
    except ValueError:
        start = 0
    columns = [c for c in (params.get("columns") or "").split(",") if c]
    return ListState(
        filters=filters,
        builder_filters=builder_filters,
        standard_values=standard_values,
        columns=columns,
        order_by=params.get("order_by") or "",
        start=start,
        search=(params.get("q") or "").strip(),
        saved_view=params.get("view") or "",
    )


def title_field(meta: DocTypeMeta) -> str:
    return meta.title_field or "name"


def list_columns(meta: DocTypeMeta, columns: ColumnSet, chosen: list[str]) -> list[DocField]:
    """The columns to show: the user's choice, else ``in_list_view``; readable ones only."""
    names = chosen or meta.list_view_fields()
    result = []
    for name in names:
        column = columns.columns.get(name)
        if (
            column is not None
            and name != title_field(meta)
            and column.field.fieldtype not in fieldtypes.TABLE_TYPES
        ):
            result.append(column.field)
    return result


def filterable_fields(meta: DocTypeMeta, columns: ColumnSet) -> list[DocField]:
    """Every readable field the filter builder and the column picker offer, custom ones too."""
    return [
        c.field
        for name, c in columns.columns.items()
        if c.field.fieldtype not in fieldtypes.TABLE_TYPES
        and name not in ("idx", "docstatus")
        and c.field.fieldtype not in ("Attach Image", "Signature", "Geolocation", "JSON")
    ]


def standard_filters(meta: DocTypeMeta, columns: ColumnSet) -> list[DocField]:
    return [f for f in meta.data_fields if f.in_standard_filter and f.fieldname in columns.columns]


def search_filters(meta: DocTypeMeta, columns: ColumnSet, text: str) -> list[list[Any]]:
    """``or_filters`` matching ``text`` in the title, name and search fields."""
    if not text:
        return []
    names = ["name", title_field(meta), *meta.search_fields]
    seen: list[str] = []
    for name in names:
        if name in columns.columns and name not in seen:
            seen.append(name)
    found: list[list[Any]] = [[name, "like", f"%{text}%"] for name in seen]
    # The global search's index finds phone numbers however typed, pinyin and initials too.
    from lowcode.desk.lib import search

    names = search.indexed_names(meta.name, text)
    if names:
        found.append(["name", "in", names])
    return found


def fetch_page(
    user: str,
    meta: DocTypeMeta,
    state: ListState,
    shown: list[DocField],
    extra: list[str] | None = None,
    count: bool = True,
) -> dict:
    """Return one page of rows plus a capped count, through the permission layer.

    ``extra``: more fields to read (a phone card's fields, its actions' conditions);
    ``count=False`` skips the count (the next page of an infinite scroll).
    """
    columns = ColumnSet(meta, user)
    wanted = ["name", title_field(meta), "modified", *(f.fieldname for f in shown), *(extra or [])]
    for standard in ("status", "workflow_state", "docstatus"):
        if standard in columns.columns:
            wanted.append(standard)
    fields = list(dict.fromkeys(wanted))
    or_filters = search_filters(meta, columns, state.search) or None
    rows = reads.get_list(
        user,
        meta.name,
        fields=fields,
        filters=state.filters,
        or_filters=or_filters,
        order_by=state.order_by or None,
        limit_start=state.start,
        limit=PAGE_LENGTH + 1,
    )
    has_more = len(rows) > PAGE_LENGTH
    rows = rows[:PAGE_LENGTH]
    counted = capped_count(user, meta.name, state.filters, or_filters) if count else {}
    for row in rows:
        row["desk_indicator"] = indicator(row, meta)
    # Link columns show the linked record's title: one query per target DocType.
    described = [*shown, *(columns.columns[f].field for f in extra or [] if f in columns.columns)]
    link_titles.annotate(user, rows, described)
    label_states(meta, rows, described)
    return {"rows": rows, "has_more": has_more, **counted}


def state_field(meta: DocTypeMeta) -> str:
    """The field holding the DocType's workflow state ("" without an active workflow)."""
    workflow = workflow_engine.get_workflow(meta.name)
    return workflow.state_field if workflow is not None else ""


def state_options(meta: DocTypeMeta) -> list[tuple[str, str]]:
    """(state, label in the user's language) of the DocType's workflow, in its order."""
    workflow = workflow_engine.get_workflow(meta.name)
    return [(s.state, _(s.state)) for s in workflow.states] if workflow is not None else []


def label_states(meta: DocTypeMeta, rows: list[dict], shown: list[DocField]) -> None:
    """Show a workflow state column in the user's language, as its indicator is.

    A state is stored as its English key ("Plan Approval") in a Data field, which the list
    showed raw; its label joins the row's display titles, which lists and cards show first.
    """
    field = state_field(meta)
    if not field or all(f.fieldname != field for f in shown):
        return
    for row in rows:
        if row.get(field):
            row.setdefault(link_titles.TITLES_KEY, {})[field] = _(str(row[field]))


def capped_count(user: str, doctype: str, filters=None, or_filters=None) -> dict:
    """``{"count": n, "exact": bool}``, exact up to DESK_COUNT_CAP (an index-only capped scan)."""
    count = reads.get_count(user, doctype, filters, or_filters, cap=DESK_COUNT_CAP + 1)
    return {"count": min(count, DESK_COUNT_CAP), "exact": count <= DESK_COUNT_CAP}


def indicator(row: dict, meta: DocTypeMeta | None = None) -> tuple[str, str] | None:
    """(colour, label) for a row's status, like Frappe's list indicators.

    The label is worded for the row's DocType (an opportunity's "Lost" is 输单); a draft badge
    shows only where documents are submitted or go through a workflow, never on a
    configuration record (a stage, a rule), which is not a draft of anything.
    """
    value = row.get("workflow_state") or row.get("status")
    label = ""
    if value and not row.get("workflow_state") and meta is not None:
        status = meta.get_field("status")
        label = option_label(status, value) if status is not None else ""
    if not value and row.get("docstatus") is not None and (meta is None or meta.is_submittable):
        value = {0: "Draft", 1: "Submitted", 2: "Cancelled"}.get(row["docstatus"])
    if not value:
        return None
    label = label or _(str(value))
    lowered = str(value).lower()
    for words, colour in INDICATOR_WORDS:
        if any(word in lowered for word in words):
            return colour, label
    return "grey", label
