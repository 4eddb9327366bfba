"""Report Builder queries (read-only): columns of the DocType, of one child table and of one
level of linked DocTypes, grouped by up to two of them, through the permission layer.

A column is named the way Frappe's ``get_list`` names them: ``amount`` (the DocType's own),
``items.qty`` (a row of the ``items`` table), ``customer.customer_level`` (a field of the
Customer the ``customer`` link points to). Every name is resolved against metadata and the
user's readable permlevels, so nothing from the spec reaches SQL but bound values:

- a child column reads only rows whose parent the user may read (``parent IN`` the parent's
  ``permitted_queryset``), and only if the user may read the table field itself;
- a linked column needs read permission on the linked DocType and on that field's
  permlevel, and reads through the linked DocType's ``permitted_queryset``: a linked record
  the user may not read gives an empty value, never its data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, Max, Min, OuterRef, QuerySet, Subquery, Sum

from lowcode.exceptions import DataError
from lowcode.i18n import _, option_label
from lowcode.meta import fieldtypes
from lowcode.meta.doctype import DocField
from lowcode.meta.registry import exists as doctype_exists
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import (
    full_names,
    has_doctype_permission,
    permitted_levels,
    permitted_queryset,
)
from lowcode.query.builder import (
    NUMERIC_TYPES,
    Column,
    ColumnSet,
    build_filter,
    condition,
    normalise_filters,
    parse_order_by,
)
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model

AGGREGATES = {"count": Count, "sum": Sum, "avg": Avg, "min": Min, "max": Max}
# English sources of the aggregate names; the desk translates each part of a label.
FUNCTION_LABELS = {"count": "Count", "sum": "Sum", "avg": "Average", "min": "Min", "max": "Max"}
MAX_GROUP_FIELDS = 2
MAX_COLUMNS = 60
CHART_TYPES = ("bar", "line", "pie")
LABEL_JOIN = " · "
_KEY_RE = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?$")


@dataclass(frozen=True)
class ReportColumn:
    """One resolved column: ``kind`` is ``base``, ``child`` or ``link``; ``via`` the table
    or link field of the DocType it is reached through."""

    key: str
    kind: str
    column: Column
    via: Column | None = None
    target: str = ""

    @property
    def field(self) -> DocField:
        return self.column.field

    @property
    def label(self) -> str:
        own = self.field.label or self.column.fieldname
        if self.via is None:
            return own
        return f"{self.via.field.label or self.via.fieldname}{LABEL_JOIN}{own}"

    @property
    def numeric(self) -> bool:
        return self.field.fieldtype in NUMERIC_TYPES and self.field.fieldtype != "Check"

    def describe(self) -> dict[str, Any]:
        described = {"fieldname": self.key, "label": self.label, "fieldtype": self.field.fieldtype}
        if self.field.options and self.field.fieldtype in ("Link", "Select"):
            described["options"] = self.field.options
        if self.field.fieldtype == "Select" and self.field.parent:
            # Whose option words to show (a display hint; the values stay the stored keys).
            described["parent"] = self.field.parent
        return described


def _invalid(raw: Any, purpose: str) -> DataError:
    return DataError(_("Invalid field {field} in {purpose}", field=repr(raw)[:80], purpose=purpose))


class Source:
    """What one user may report on for one DocType; resolves column names and builds the rows."""

    def __init__(self, user: str, doctype: str):
        self.user = user
        self.meta = get_meta(doctype)
        self.columns = ColumnSet(self.meta, user)
        self.levels = permitted_levels(user, doctype, "read")
        self.table: str | None = None  # the one child table the columns may come from
        self._linked: dict[str, ColumnSet] = {}
        self.row_filters: list[tuple[ReportColumn, str, Any]] = []

    # ------------------------------------------------------------ names

    def resolve(self, raw: Any, purpose: str) -> ReportColumn:
        """Resolve ``field``, ``table.field`` or ``link.field``; refuse anything else."""
        if not isinstance(raw, str) or "." not in raw:
            column = self.columns.get(raw, purpose)  # also Frappe's `tabX`.field forms
            return ReportColumn(column.fieldname, "base", column)
        if not _KEY_RE.match(raw):
            raise _invalid(raw, purpose)
        head, tail = raw.split(".")
        docfield = self.meta.get_field(head)
        if docfield is not None and docfield.is_table and docfield.permlevel in self.levels:
            return self._child_column(raw, docfield, tail, purpose)
        via = self.columns.get(head, purpose)
        if via.field.fieldtype != "Link" or not via.field.options:
            raise DataError(
                _(
                    "{field} is neither a table nor a link, in {purpose}",
                    field=head,
                    purpose=purpose,
                )
            )
        target = via.field.options
        linked = self._linked_columns(target, raw, purpose)
        return ReportColumn(raw, "link", linked.get(tail, purpose), via, target)

    def _child_column(self, raw: str, table: DocField, tail: str, purpose: str) -> ReportColumn:
        if self.table not in (None, table.fieldname):
            raise DataError(_("A report reads columns of one child table only: {field}", field=raw))
        child_meta = get_meta(table.options or "")
        # Child rows have no permissions of their own: the table field's permlevel gates them.
        child_field = next(
            (f for f in child_meta.data_fields if f.fieldname == tail),
            None,
        )
        if child_field is None and tail in ("idx",):
            child_field = DocField(fieldname=tail, fieldtype="Int", label="Index")
        if child_field is None:
            raise DataError(
                _(
                    "Unknown field {field} for {doctype} in {purpose}",
                    field=tail,
                    doctype=child_meta.name,
                    purpose=purpose,
                )
            )
        self.table = table.fieldname
        via = Column(table.fieldname, table)
        return ReportColumn(raw, "child", Column(tail, child_field), via, child_meta.name)

    def _linked_columns(self, target: str, raw: str, purpose: str) -> ColumnSet:
        if target not in self._linked:
            target_meta = get_meta(target) if doctype_exists(target) else None
            if (
                target_meta is None
                or target_meta.istable
                or not has_doctype_permission(self.user, target)
            ):
                # The same answer as an unknown field: no hint of what the user may not read.
                raise DataError(
                    _(
                        "Unknown field {field} for {doctype} in {purpose}",
                        field=raw,
                        doctype=self.meta.name,
                        purpose=purpose,
                    )
                )
            self._linked[target] = ColumnSet(target_meta, self.user)
        return self._linked[target]

    # ------------------------------------------------------------ rows

    def take_filters(self, filters: Any) -> list:
        """Keep filters on child and linked columns (applied to the rows); answer the rest,
        the DocType's own, which narrow the documents."""
        own = []
        for field, operator, value in normalise_filters(filters, self.meta.name, "filters"):
            if isinstance(field, str) and "." in field and _KEY_RE.match(field):
                self.row_filters.append((self.resolve(field, "filters"), operator, value))
            else:
                own.append([field, operator, value])
        return own

    def parents(self, filters: Any) -> QuerySet:
        """The documents the user may read, narrowed by the filters (fields of this DocType)."""
        queryset = permitted_queryset(self.user, self.meta.name, "read")
        condition = build_filter(self.columns, filters, None)
        return queryset.filter(condition) if condition else queryset

    def rows(self, filters: Any, used: list[ReportColumn]) -> tuple[QuerySet, dict[str, str]]:
        """The row queryset (documents, or child rows of readable documents) annotated with
        every used column; answer it and each column key's alias."""
        parents = self.parents(filters)
        used = [*used, *(column for column, _op, _value in self.row_filters)]
        if self.table is not None:
            child_doctype = get_meta(self.meta.get_field(self.table).options or "").name  # type: ignore[union-attr]
            queryset = get_model(child_doctype).objects.filter(
                parenttype=self.meta.name,
                parentfield=self.table,
                parent__in=parents.order_by().values("name"),
            )
        else:
            queryset = parents
        aliases: dict[str, str] = {}
        annotations: dict[str, Any] = {}
        links: dict[str, str] = {}
        for column in used:
            if column.key in aliases:
                continue
            alias = f"c{len(aliases)}"
            if column.kind == "link" and column.via is not None:
                link_alias = links.get(column.via.fieldname)
                if link_alias is None:
                    link_alias = links[column.via.fieldname] = f"l{len(links)}"
                    annotations[link_alias] = self._base_expression(column.via)
                annotations[alias] = self._linked_expression(column, link_alias)
            elif column.kind == "child":
                annotations[alias] = column.column.expression()
            else:
                annotations[alias] = self._base_expression(column.column)
            aliases[column.key] = alias
        # Annotate in order: a linked column's subquery refers to its link's alias.
        for alias, expression in annotations.items():
            queryset = queryset.annotate(**{alias: expression})
        for column, operator, value in self.row_filters:
            # The annotated alias stands for the column: a real column's lookups, typed values.
            target = Column(aliases[column.key], replace(column.field, is_custom=False))
            queryset = queryset.filter(condition(target, operator, value))
        return queryset, aliases

    def _base_expression(self, column: Column):
        if self.table is None:
            return column.expression()
        if column.fieldname == "name":
            return F("parent")
        parent = get_model(self.meta.name).objects.filter(name=OuterRef("parent"))
        return Subquery(parent.annotate(v=column.expression()).values("v")[:1])

    def _linked_expression(self, column: ReportColumn, link_alias: str):
        linked = permitted_queryset(self.user, column.target, "read").filter(
            name=OuterRef(link_alias)
        )
        return Subquery(linked.order_by().annotate(v=column.column.expression()).values("v")[:1])


# ---------------------------------------------------------------- the spec


def _as_list(value: Any, name: str) -> list:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise DataError(_("{param} must be a list", param=name))
    return value


def unknown_names(doctype: str, spec: dict[str, Any]) -> list[str]:
    """The column names of a spec that no user could ever read (for ``kuaicrm check``)."""
    found = []
    names = [
        *_names(spec.get("fields")),
        *_names(spec.get("group_by")),
        *[a.get("field") or "name" for a in spec.get("aggregates") or [] if isinstance(a, dict)],
    ]
    for name in names:
        try:
            # Each name on its own Source: one that reads a child table refuses a second one.
            Source("Administrator", doctype).resolve(name, "check")
        except DataError:
            found.append(str(name))
    return found


def _names(value: Any) -> list:
    return [value] if isinstance(value, str) else list(value or [])


def run(user: str, doctype: str, spec: dict[str, Any], filters: list) -> dict[str, Any]:
    """Run a Report Builder spec; answer ``columns``, ``result``, ``chart`` and ``total_row``."""
    source = Source(user, doctype)
    group_by = _as_list(spec.get("group_by"), "group_by")
    if len(group_by) > MAX_GROUP_FIELDS:
        raise DataError(
            _("group_by must be a list of at most {count} fields", count=MAX_GROUP_FIELDS)
        )
    chart_type = (
        str((spec.get("chart") or {}).get("type") or "").lower()
        if isinstance(spec.get("chart"), dict)
        else str(spec.get("chart") or "").lower()
    )
    if chart_type and chart_type not in CHART_TYPES:
        raise DataError(_("Unknown chart type {type}", type=chart_type[:20]))
    totals = bool(spec.get("add_total_row"))
    filters = source.take_filters(filters)
    if group_by or spec.get("aggregates"):
        return _grouped(source, group_by, spec, filters, chart_type, totals)
    return _listed(source, spec, filters, totals)


def _listed(source: Source, spec: dict, filters: list, totals: bool) -> dict[str, Any]:
    fields = _as_list(spec.get("fields"), "fields") or ["name"]
    if len(fields) > MAX_COLUMNS:
        raise DataError(_("A report shows at most {count} columns", count=MAX_COLUMNS))
    selected = [source.resolve(raw, "fields") for raw in fields]
    ordering_columns, ordering = _list_ordering(source, spec.get("order_by"))
    queryset, aliases = source.rows(filters, [*selected, *ordering_columns])
    order = []
    for column, descending in ordering:
        expression = F(aliases[column.key])
        order.append(expression.desc(nulls_last=True) if descending else expression.asc())
    if source.table is not None:
        order += [F("parent").desc(), F("idx").asc()]
    elif not ordering:
        order = parse_order_by(source.columns, None)
    else:
        order.append(F("name").desc())  # a stable order
    cap = min(_row_cap(), settings.LOWCODE_MAX_PAGE_LENGTH)
    values = queryset.order_by(*order).values(*[aliases[c.key] for c in selected])[:cap]
    rows = [{c.key: to_json(row[aliases[c.key]]) for c in selected} for row in values]
    payload: dict[str, Any] = {"columns": [c.describe() for c in selected], "result": rows}
    if totals:
        numeric = [c for c in selected if c.numeric]
        sums = (
            queryset.order_by().aggregate(
                **{f"t{aliases[c.key]}": Sum(aliases[c.key]) for c in numeric}
            )
            if numeric
            else {}
        )
        payload["total_row"] = _total_row(
            [c.key for c in selected], {c.key: sums.get(f"t{aliases[c.key]}") for c in numeric}
        )
    return payload


def _list_ordering(source: Source, order_by: Any) -> tuple[list[ReportColumn], list]:
    if not order_by:
        return [], []
    if not isinstance(order_by, str) or len(order_by) > 500:
        raise DataError(_("Invalid order_by"))
    columns, ordering = [], []
    for part in order_by.split(","):
        words = part.split()
        if (
            not words
            or len(words) > 2
            or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
        ):
            raise DataError(_("Invalid order_by {clause}", clause=part[:80]))
        column = source.resolve(words[0], "order_by")
        if column.field.fieldtype not in fieldtypes.ORDERABLE_TYPES | {"Data", "Link", "Select"}:
            raise DataError(_("Cannot sort by {field}", field=column.key))
        columns.append(column)
        ordering.append((column, len(words) == 2 and words[1].lower() == "desc"))
    return columns, ordering


def _row_cap() -> int:
    return int(getattr(settings, "LOWCODE_REPORT_ROW_CAP", 100_000))


def _total_row(keys: list[str], sums: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(keys)
    for key, value in sums.items():
        row[key] = to_json(value) if value is not None else 0
    if keys and row[keys[0]] is None:
        row[keys[0]] = _("Total")
    return row


def _grouped(
    source: Source, group_by: list, spec: dict, filters: list, chart_type: str, totals: bool
) -> dict[str, Any]:
    groups = [source.resolve(raw, "group_by") for raw in group_by]
    measures: list[tuple[str, ReportColumn]] = []
    for item in _as_list(spec.get("aggregates"), "aggregates") or [
        {"function": "count", "field": "name"}
    ]:
        if not isinstance(item, dict):
            raise DataError(_("Each aggregate must be an object with function and field"))
        function = str(item.get("function", "")).lower()
        if function not in AGGREGATES:
            raise DataError(_("Unknown aggregate function {function}", function=function[:40]))
        column = source.resolve(item.get("field") or "name", "aggregates")
        if function in ("sum", "avg") and not column.numeric:
            raise DataError(
                _("Cannot {function} the field {field}", function=function, field=column.key)
            )
        measures.append((function, column))
    if source.table is not None:
        # Child rows repeat their document's values: a sum or average of the document's own
        # field over them would count each document once per row.
        doubled = [c for f, c in measures if c.kind != "child" and f in ("sum", "avg")]
        if doubled:
            raise DataError(
                _(
                    "{field} cannot be summed beside a child table's columns (once per row)",
                    field=doubled[0].key,
                )
            )
    queryset, aliases = source.rows(filters, [*groups, *(c for _f, c in measures)])
    keys = {f"k{i}": aliases[g.key] for i, g in enumerate(groups)}
    aggregates: dict[str, Any] = {}
    out_names: dict[str, str] = {}
    out_columns = [g.describe() for g in groups]
    for index, (function, column) in enumerate(measures):
        alias = f"{function}_{column.key.replace('.', '_')}"
        if alias in out_names.values():
            continue
        aggregates[f"a{index}"] = AGGREGATES[function](aliases[column.key])
        out_names[f"a{index}"] = alias
        label = FUNCTION_LABELS[function]
        out_columns.append(
            {
                "fieldname": alias,
                "label": label if function == "count" else f"{column.label}{LABEL_JOIN}{label}",
                "fieldtype": "Int"
                if function == "count"
                else ("Float" if function == "avg" else column.field.fieldtype),
            }
        )
    names = {f"k{i}": g.key for i, g in enumerate(groups)} | out_names
    ordering = _group_ordering(spec.get("order_by"), list(keys), names)
    cap = min(_row_cap(), settings.LOWCODE_MAX_PAGE_LENGTH)
    if keys:
        grouped: Any = (
            queryset.order_by()
            .values(*keys.values())
            .annotate(**aggregates)
            .order_by(*[_order_alias(o, keys) for o in ordering])[:cap]
        )
    else:  # measures without a group: one row over everything the user may read
        grouped = [queryset.order_by().aggregate(**aggregates)]
    by_alias = {alias: key for key, alias in keys.items()}
    rows = [
        {names[by_alias.get(name, name)]: to_json(value) for name, value in row.items()}
        for row in grouped
    ]
    payload: dict[str, Any] = {"columns": out_columns, "result": rows}
    if totals:
        overall = queryset.order_by().aggregate(**aggregates) if aggregates else {}
        payload["total_row"] = _total_row(
            [c["fieldname"] for c in out_columns],
            {out_names[k]: v for k, v in overall.items()},
        )
    if chart_type and groups and out_names:
        payload["chart"] = chart(groups, rows, out_columns[len(groups)], chart_type)
    return payload


def _order_alias(ordering: str, keys: dict[str, str]) -> str:
    descending = ordering.startswith("-")
    name = ordering.lstrip("-")
    name = keys.get(name, name)
    return f"-{name}" if descending else name


def _group_ordering(order_by: Any, keys: list[str], names: dict[str, str]) -> list[str]:
    """Allow ordering by a grouped field or an aggregate alias only."""
    if not order_by:
        return keys
    by_name = {name: key for key, name in names.items()}
    ordering = []
    for part in str(order_by).split(","):
        words = part.split()
        if (
            not words
            or len(words) > 2
            or (len(words) == 2 and words[1].lower() not in ("asc", "desc"))
        ):
            raise DataError(_("Invalid order_by {clause}", clause=part[:80]))
        key = by_name.get(words[0])
        if key is None:
            raise DataError(
                _(
                    "Report Builder sorts by grouped fields and aggregates only: {clause}",
                    clause=part[:80],
                )
            )
        ordering.append(f"-{key}" if len(words) == 2 and words[1].lower() == "desc" else key)
    return ordering


def _group_label(column: ReportColumn, value: Any, people: dict[str, str]) -> str:
    if value in (None, ""):
        return _("Not set")
    if column.field.fieldtype == "Select":
        return option_label(column.field, value)
    if _is_person(column):
        return people.get(str(value), str(value))
    return str(value)


def _is_person(column: ReportColumn) -> bool:
    return column.key == "owner" or (
        column.field.fieldtype == "Link" and column.field.options == "User"
    )


def chart(groups: list[ReportColumn], rows: list[dict], measure: dict, chart_type: str) -> dict:
    """Frappe's chart shape from grouped rows: the first measure, one series per value of
    the second group (bar, line) or one slice per group (pie)."""
    first, name = groups[0], measure["fieldname"]
    people = full_names({row[g.key] for g in groups if _is_person(g) for row in rows} - {None})

    def number(value: Any) -> Any:
        return round(value, 2) if isinstance(value, float) else (value or 0)

    if len(groups) == 1 or chart_type == "pie":
        labels = [
            LABEL_JOIN.join(_group_label(g, row[g.key], people) for g in groups) for row in rows
        ]
        datasets = [{"name": measure["label"], "values": [number(r[name]) for r in rows]}]
        return {"data": {"labels": labels, "datasets": datasets}, "type": chart_type}
    second = groups[1]
    outer: list[Any] = []
    inner: list[Any] = []
    cells: dict[tuple, Any] = {}
    for row in rows:
        a, b = row[first.key], row[second.key]
        if a not in outer:
            outer.append(a)
        if b not in inner:
            inner.append(b)
        cells[(a, b)] = number(row[name])
    datasets = [
        {"name": _group_label(second, b, people), "values": [cells.get((a, b), 0) for a in outer]}
        for b in inner
    ]
    labels = [_group_label(first, a, people) for a in outer]
    return {"data": {"labels": labels, "datasets": datasets}, "type": chart_type}
