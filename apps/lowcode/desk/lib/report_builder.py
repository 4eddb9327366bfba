"""The Report Builder screen's read-only work: what a user may pick, the spec a form's state
means, and ready suggestions ("amount by stage and owner" in one tap).

The screen keeps its whole state in the query string (GET), so a step's change re-renders
the preview, a suggestion is a link, and the browser's back button undoes a tap. Every
choice offered comes from ``reports.builder.Source``, the same resolver that runs the
report: a field above the user's permlevel is neither offered nor accepted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict

from lowcode.desk.lib import boards, nav
from lowcode.exceptions import DataError
from lowcode.i18n import _, field_label, option_label
from lowcode.meta.registry import exists as doctype_exists
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import has_doctype_permission
from lowcode.query.builder import NUMERIC_TYPES, OPERATORS
from lowcode.reports import builder
from lowcode.reports.builder import LABEL_JOIN, ReportColumn, Source

FUNCTIONS = ("sum", "avg", "min", "max")
GROUP_TYPES = {"Select", "Link", "Check", "Data", "Date", "Int"}
CHIP_GROUP_TYPES = {"Select", "Link", "Check"}
FILTER_OPERATORS = ("=", "!=", ">", "<", ">=", "<=", "like", "not like", "is")
MAX_FILTER_ROWS = 10
MAX_LINKED_FIELDS = 40
CHARTS = ("", "bar", "line", "pie")
STEPS = ("source", "measures", "groups", "columns", "filters", "sort", "chart", "save")


@dataclass
class Choice:
    """One field a user may pick: its spec key and its label in the user's language."""

    key: str
    label: str
    fieldtype: str
    options: list[tuple[str, str]] = field(default_factory=list)  # a Select's (value, label)

    @property
    def numeric(self) -> bool:
        return self.fieldtype in NUMERIC_TYPES and self.fieldtype != "Check"


@dataclass
class ChoiceGroup:
    """Fields reached through one table or link field (a collapsible list on the screen)."""

    key: str
    label: str
    choices: list[Choice]


def _label(column: ReportColumn) -> str:
    """The column's label in the user's language, worded for its DocType (Frappe's context)."""
    own = field_label(column.field)
    if column.via is None:
        return own
    return f"{field_label(column.via.field)}{LABEL_JOIN}{own}"


def _choice(column: ReportColumn) -> Choice:
    options = [(v, option_label(column.field, v)) for v in column.field.select_options if v]
    return Choice(column.key, _label(column), column.field.fieldtype, options)


@dataclass
class Choices:
    """Everything the user may pick for one DocType."""

    base: list[Choice]
    tables: list[ChoiceGroup]
    links: list[ChoiceGroup]

    @property
    def all(self) -> list[Choice]:
        found = list(self.base)
        for group in [*self.tables, *self.links]:
            found += group.choices
        return found

    def by_key(self) -> dict[str, Choice]:
        return {c.key: c for c in self.all}


def choices(user: str, doctype: str) -> Choices:
    """The readable fields of the DocType, of its child tables and of one level of links."""
    source = Source(user, doctype)
    meta = source.meta
    base = []
    for name, column in source.columns.columns.items():
        if column.field.hidden or name in ("idx", "docstatus", "_custom"):
            continue
        base.append(_choice(source.resolve(name, "fields")))
    tables = []
    for table in meta.table_fields:
        if table.permlevel not in source.levels or not doctype_exists(table.options or ""):
            continue
        found = []
        probe = Source(user, doctype)  # a Source reads one child table: one per table
        for child in get_meta(table.options or "").data_fields:
            if child.hidden:
                continue
            found.append(_choice(probe.resolve(f"{table.fieldname}.{child.fieldname}", "fields")))
        if found:
            tables.append(ChoiceGroup(table.fieldname, _(table.label or table.fieldname), found))
    links = []
    for name, column in source.columns.columns.items():
        target = column.field.options or ""
        if column.field.fieldtype != "Link" or not doctype_exists(target):
            continue
        target_meta = get_meta(target)
        if target_meta.istable or not has_doctype_permission(user, target):
            continue
        found = []
        for linked in target_meta.data_fields[:MAX_LINKED_FIELDS]:
            if linked.hidden:
                continue
            try:
                found.append(_choice(source.resolve(f"{name}.{linked.fieldname}", "fields")))
            except DataError:
                continue  # above the user's permlevel on the linked DocType
        if found:
            links.append(ChoiceGroup(name, _(column.field.label or name), found))
    return Choices(base, tables, links)


def doctype_options(user: str) -> list[dict]:
    """DocTypes the user may read (run-time ones included), in the sidebar's order: business
    ones first, then settings ones."""
    return nav.main_entries(user) + nav.settings_entries(user)


# ---------------------------------------------------------------- the form's state


@dataclass
class State:
    """The builder's form, parsed: each part as the screen shows it and as the spec says it."""

    doctype: str = ""
    fields: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    count: bool = False
    measures: dict[str, str] = field(default_factory=dict)  # key -> function
    filters: list[list[Any]] = field(default_factory=list)
    sort: str = ""
    sort_desc: bool = True
    chart: str = ""
    totals: bool = False
    report_name: str = ""
    roles: list[str] = field(default_factory=list)
    open: list[str] = field(default_factory=list)

    @property
    def grouped(self) -> bool:
        return bool(self.groups or self.measures or self.count)

    def aggregates(self) -> list[dict[str, str]]:
        found = [{"function": "count", "field": "name"}] if self.count else []
        found += [{"function": f, "field": key} for key, f in self.measures.items()]
        if self.groups and not found:
            found = [{"function": "count", "field": "name"}]
        return found

    def spec(self) -> dict[str, Any]:
        """The Report Builder spec this state means (what is saved in the Report's ``json``)."""
        spec: dict[str, Any] = {}
        if self.filters:
            spec["filters"] = self.filters
        if self.grouped:
            spec["group_by"] = list(self.groups)
            spec["aggregates"] = self.aggregates()
            if self.chart and self.groups:
                spec["chart"] = {"type": self.chart}
        else:
            spec["fields"] = list(self.fields) or ["name"]
        if self.sort:
            spec["order_by"] = f"{self.sort} {'desc' if self.sort_desc else 'asc'}"
        if self.totals:
            spec["add_total_row"] = 1
        return spec

    def query(self, **changes: Any) -> str:
        """This state as a query string, with ``changes`` applied (a suggestion's link)."""
        state = State(**{**self.__dict__, **changes})
        return urlencode(state.params(), doseq=True)

    def params(self) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = [("doctype", self.doctype)]
        found += [("f", key) for key in self.fields]
        found += [("g", key) for key in self.groups]
        if self.count:
            found.append(("count", "1"))
        found += [(f"m.{key}", function) for key, function in self.measures.items()]
        for fieldname, operator, value in self.filters:
            found += [("ff", fieldname), ("fo", operator), ("fv", _as_text(value))]
        if self.sort:
            found += [("sort", self.sort), ("dir", "desc" if self.sort_desc else "asc")]
        if self.chart:
            found.append(("chart", self.chart))
        if self.totals:
            found.append(("totals", "1"))
        if self.open:
            found.append(("open", ",".join(self.open)))
        return found


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def parse_state(params: QueryDict) -> State:
    """Read the builder's form (GET or POST); names and values are checked when the spec runs."""
    state = State(doctype=params.get("doctype", "").strip())
    state.fields = [v for v in params.getlist("f") if v][: builder.MAX_COLUMNS]
    # A chip and the "other field" select may both name a group: keep the first of each.
    groups = []
    for value in params.getlist("g"):
        if value and value not in groups:
            groups.append(value)
    state.groups = groups
    state.count = params.get("count") == "1"
    for key in params:
        function = str(params.get(key) or "")
        if key.startswith("m.") and function in builder.AGGREGATES:
            state.measures[key[2:]] = function
    rows = zip(params.getlist("ff"), params.getlist("fo"), params.getlist("fv"), strict=False)
    for fieldname, operator, value in list(rows)[:MAX_FILTER_ROWS]:
        if fieldname and operator in OPERATORS:
            state.filters.append([fieldname, operator, value])
    state.sort = params.get("sort", "")
    state.sort_desc = params.get("dir", "desc") != "asc"
    state.chart = params.get("chart", "") if params.get("chart", "") in CHARTS else ""
    state.totals = params.get("totals") == "1"
    state.report_name = params.get("report_name", "").strip()
    state.roles = [r for r in params.getlist("roles") if r]
    state.open = [s for s in params.get("open", "").split(",") if s in STEPS]
    return state


def state_from_spec(doctype: str, spec: dict[str, Any]) -> State:
    """The form's state of a saved report (to edit it)."""
    state = State(doctype=doctype)
    groups = spec.get("group_by") or []
    state.groups = [groups] if isinstance(groups, str) else list(groups)
    for item in spec.get("aggregates") or []:
        if not isinstance(item, dict):
            continue
        if item.get("function") == "count":
            state.count = True
        elif item.get("field"):
            state.measures[str(item["field"])] = str(item.get("function"))
    state.fields = list(spec.get("fields") or [])
    filters = spec.get("filters") or []
    if isinstance(filters, dict):
        filters = [[k, "=", v] for k, v in filters.items()]
    state.filters = [list(f)[-3:] for f in filters if isinstance(f, list) and len(f) >= 3]
    order = str(spec.get("order_by") or "").split()
    if order:
        state.sort, state.sort_desc = order[0], (order[1:] or ["asc"])[0].lower() == "desc"
    chart = spec.get("chart")
    state.chart = (chart.get("type") if isinstance(chart, dict) else chart) or ""
    state.totals = bool(spec.get("add_total_row"))
    return state


# ---------------------------------------------------------------- what the screen offers


def group_chips(user: str, doctype: str, found: Choices) -> tuple[list[Choice], list[Choice]]:
    """Group-by candidates: the board's field first, people next, other Select/Link fields
    as chips; every other groupable field (child, linked, dates) in a list."""
    meta = get_meta(doctype)
    source = Source(user, doctype)
    primary = boards.default_board_field(meta, boards.board_fields(meta, source.columns))

    def rank(choice: Choice) -> tuple:
        column = meta.get_field(choice.key)
        is_person = column is not None and column.options == "User"
        return (choice.key != primary, not is_person, choice.key == "owner")

    chips = [
        c
        for c in found.base
        if c.fieldtype in CHIP_GROUP_TYPES and c.key not in ("naming_series", "name")
    ]
    chips.sort(key=rank)  # stable: the form's order within each rank
    owner = next((c for c in found.base if c.key == "owner"), None)
    if owner is not None:
        chips.append(owner)
    chip_keys = {c.key for c in chips}
    others = [c for c in found.all if c.fieldtype in GROUP_TYPES and c.key not in chip_keys]
    return chips, others


def measure_choices(found: Choices) -> list[Choice]:
    """Numeric fields that can be summed: the DocType's own, then child and linked ones."""
    return [c for c in found.all if c.numeric and c.key not in ("idx", "docstatus")]


@dataclass
class Suggestion:
    label: str
    query: str


def suggestions(state: State, chips: list[Choice], measures: list[Choice]) -> list[Suggestion]:
    """Ready reports for the DocType: its first money field by the board's field and a person,
    and counts; each one link (one tap)."""
    if not chips:
        return []
    first = chips[0]
    person = next(
        (c for c in chips[1:] if c.fieldtype == "Link"), chips[1] if len(chips) > 1 else None
    )
    money = next((m for m in measures if m.fieldtype == "Currency" and "." not in m.key), None)
    base = State(doctype=state.doctype, chart="bar", totals=True, sort=first.key, sort_desc=False)
    found = []
    if money is not None and person is not None:
        found.append(
            Suggestion(
                _(
                    "{measure} by {first} and {second}",
                    measure=money.label,
                    first=first.label,
                    second=person.label,
                ),
                base.query(groups=[first.key, person.key], measures={money.key: "sum"}),
            )
        )
    if money is not None:
        found.append(
            Suggestion(
                _("{measure} by {group}", measure=money.label, group=first.label),
                base.query(groups=[first.key], measures={money.key: "sum"}),
            )
        )
    found.append(
        Suggestion(
            _("{measure} by {group}", measure=_("Count"), group=first.label),
            base.query(groups=[first.key], count=True, chart="pie"),
        )
    )
    if person is not None:
        found.append(
            Suggestion(
                _("{measure} by {group}", measure=_("Count"), group=person.label),
                base.query(groups=[person.key], count=True, sort=person.key),
            )
        )
    return found


def sort_options(state: State, by_key: dict[str, Choice]) -> list[tuple[str, str]]:
    """What the preview may be sorted by: grouped fields and aggregates, or the columns."""
    if state.grouped:
        options = [(g, by_key[g].label if g in by_key else g) for g in state.groups]
        for item in state.aggregates():
            function, key = item["function"], item["field"]
            alias = f"{function}_{key.replace('.', '_')}"
            label = _(builder.FUNCTION_LABELS[function])
            if function != "count":
                label = f"{by_key[key].label if key in by_key else key}{LABEL_JOIN}{label}"
            options.append((alias, label))
        return options
    return [(f, by_key[f].label if f in by_key else f) for f in state.fields or ["name"]]
