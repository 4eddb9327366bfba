"""Frappe's list query syntax → Django querysets, allow-listed against metadata.

Field names, operators and sort orders are checked against the DocType's
merged metadata and the user's readable permlevels; anything else is a
``DataError`` (HTTP 400). Values are always bound parameters: no SQL is
ever built from user strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F, FloatField, Lookup, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from lowcode.exceptions import DataError
from lowcode.i18n import _
from lowcode.meta import fieldtypes
from lowcode.meta.doctype import DocField, DocTypeMeta
from lowcode.permissions.core import permitted_levels
from lowcode.query.serialize import to_json
from lowcode.storage.validation import CoercionError, coerce

OPERATORS = frozenset(
    {
        "=",
        "!=",
        ">",
        "<",
        ">=",
        "<=",
        "like",
        "not like",
        "in",
        "not in",
        "is",
        "between",
        "timespan",
    }
)
# A like pattern is a search box's text, not a document: bound it so no pattern is costly.
MAX_LIKE_LENGTH = 200
MAX_LIKE_WILDCARDS = 8
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Far past any table, and the largest whole number every JSON client reads exactly; above
# 2**63 the database driver cannot even bind the OFFSET.
MAX_LIMIT_START = 2**53
NUMERIC_TYPES = fieldtypes.INT_TYPES | fieldtypes.DECIMAL_TYPES | fieldtypes.FLOAT_TYPES
# The engine's own columns have no DocField: these labels name them wherever a field is listed
# (the desk's filter builder and column picker, connections, data export headers).
STANDARD_LABELS = {
    "name": "ID",
    "owner": "Created By",
    "creation": "Created On",
    "modified": "Last Updated On",
    "modified_by": "Last Updated By",
    "docstatus": "Document Status",
    "idx": "Index",
}
STANDARD_TYPES = {
    "name": "Data",
    "owner": "Data",
    "modified_by": "Data",
    "creation": "Datetime",
    "modified": "Datetime",
    "docstatus": "Int",
    "idx": "Int",
    "parent": "Data",
    "parentfield": "Data",
    "parenttype": "Data",
}
# `tabLead`.`status` , `status`, tabLead.status, status
_FIELD_RE = re.compile(
    r"^\s*(?:`?tab(?P<table>[\w ]+?)`?\.)?`?(?P<field>[a-z_][a-z0-9_]*)`?\s*$", re.I
)
_ORDER_RE = re.compile(
    r"^\s*(?:`?tab(?P<table>[\w ]+?)`?\.)?`?(?P<field>[a-z_][a-z0-9_]*)`?(?:\s+(?P<dir>asc|desc))?\s*$",
    re.I,
)


@dataclass(frozen=True)
class Column:
    """A queryable column: standard, JSON-defined (a real column) or custom (in ``_custom``)."""

    fieldname: str
    field: DocField

    @property
    def is_custom(self) -> bool:
        return self.field.is_custom

    def expression(self):
        if not self.is_custom:
            return F(self.fieldname)
        value = KT(f"_custom__{self.fieldname}")
        # MariaDB unquotes JSON values to text; numbers must be cast to sort as numbers.
        if self.field.fieldtype in NUMERIC_TYPES:
            return Cast(value, FloatField())
        return value

    def text_expression(self):
        """The column as text (custom values unquoted from ``_custom``), for LIKE."""
        return KT(f"_custom__{self.fieldname}") if self.is_custom else F(self.fieldname)

    def lookup_target(self) -> str:
        return f"_custom__{self.fieldname}" if self.is_custom else self.fieldname


def bad(message: str) -> DataError:
    return DataError(message)


class ColumnSet:
    """The columns one user may read on one DocType."""

    def __init__(self, meta: DocTypeMeta, user: str):
        self.meta = meta
        levels = permitted_levels(user, meta.name, "read")
        self.columns: dict[str, Column] = {}
        for name in meta.standard_field_names:
            self.columns[name] = Column(
                name,
                DocField(
                    fieldname=name,
                    fieldtype=STANDARD_TYPES[name],
                    label=STANDARD_LABELS.get(name, ""),
                ),
            )
        for field in meta.data_fields:
            # A Password is never listed, filtered or sorted on (lowcode.storage.secrets).
            if field.permlevel in levels and field.fieldtype not in fieldtypes.SECRET_TYPES:
                self.columns[field.fieldname] = Column(field.fieldname, field)

    def get(self, raw: str, purpose: str) -> Column:
        match = _FIELD_RE.match(raw) if isinstance(raw, str) else None
        if not match or (match.group("table") and match.group("table") != self.meta.name):
            raise bad(
                _("Invalid field {field} in {purpose}", field=repr(raw)[:80], purpose=purpose)
            )
        column = self.columns.get(match.group("field"))
        if column is None:
            raise bad(
                _(
                    "Unknown field {field} for {doctype} in {purpose}",
                    field=match.group("field"),
                    doctype=self.meta.name,
                    purpose=purpose,
                )
            )
        return column


def check_text(value: Any, name: str) -> Any:
    """Return ``value`` unless some text in it (a key too) holds a lone UTF-16 surrogate.

    JSON's ``"\\ud800"`` decodes to a string that UTF-8 cannot encode, so the database
    driver (or the response) would fail on it: refuse it as a bad request, naming the part.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE_RE.search(item):
                raise bad(_("{param} contains an invalid character (a lone surrogate)", param=name))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return value


def parse_json_param(value: Any, name: str) -> Any:
    """Accept a JSON string or an already-decoded value for a list parameter."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # deep nesting exhausts the decoder's stack
            raise bad(_("{param} must be JSON", param=name)) from None
    return check_text(value, name)


def normalise_filters(raw: Any, doctype: str, param: str) -> list[tuple[str, str, Any]]:
    """Frappe accepts dict, list of [field, op, value], or [doctype, field, op, value]."""
    raw = parse_json_param(raw, param)
    if raw is None:
        return []
    items: list[tuple[str, str, Any]] = []
    if isinstance(raw, dict):
        for field, value in raw.items():
            if (
                isinstance(value, list)
                and len(value) == 2
                and isinstance(value[0], str)
                and value[0].lower() in OPERATORS
            ):
                items.append((field, value[0], value[1]))
            else:
                items.append((field, "=", value))
        return items
    if not isinstance(raw, list):
        raise bad(_("{param} must be a list or an object", param=param))
    for item in raw:
        if not isinstance(item, list) or len(item) not in (2, 3, 4):
            raise bad(
                _("Each filter must be [field, operator, value]: {item}", item=repr(item)[:80])
            )
        if len(item) == 4:
            if item[0] != doctype:
                raise bad(
                    _("Filters on other DocTypes are not supported: {item}", item=repr(item)[:80])
                )
            item = item[1:]
        if len(item) == 2:
            item = [item[0], "=", item[1]]
        items.append((item[0], item[1], item[2]))
    return items


def _coerce(column: Column, value: Any) -> Any:
    if value is None:
        return None
    field = column.field
    if field.fieldtype in ("Check",):
        value = (
            1
            if value in (1, True, "1", "true")
            else 0
            if value in (0, False, "0", "false")
            else value
        )
    try:
        typed = coerce(field, value)
    except CoercionError:
        raise bad(
            _("Invalid value {value} for {field}", value=repr(value)[:60], field=column.fieldname)
        ) from None
    if column.is_custom:
        # Compare with the stored form: custom values are stored as ``to_json`` gives them.
        return (
            typed if isinstance(typed, (int, float, bool, str)) or typed is None else to_json(typed)
        )
    return typed


class Like(Lookup):
    """``column LIKE pattern``: Frappe's wildcards (``%``, ``_``, ``\\`` escapes) in the database.

    The database's own LIKE never backtracks the way a translated regular expression does
    (SQLite's REGEXP is Python's ``re`` called per row: ``%a%a%a%a%c`` over a 120-character
    value took 2.7 s, x17 per extra ``%a``). Case: SQLite's LIKE ignores ASCII case only,
    MariaDB's follows the column's ``_ci`` collation. Used as an expression, not registered.
    """

    lookup_name = "frappe_like"
    prepare_rhs = False
    fold_case = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # MariaDB escapes with a backslash by default; SQLite has no escape unless told.
        escape = " ESCAPE '\\'" if connection.vendor == "sqlite" else ""
        if self.fold_case and connection.vendor == "mysql":
            lhs, rhs = f"LOWER({lhs})", f"LOWER({rhs})"
        return f"{lhs} LIKE {rhs}{escape}", [*lhs_params, *rhs_params]


class CustomLike(Like):
    """LIKE on a custom field: MariaDB's JSON text compares with a binary collation, so fold
    the case there as its real columns' ``_ci`` collation does (SQLite's LIKE already does)."""

    fold_case = True


def like_pattern(column: Column, value: Any) -> str:
    """Check a like value against the size rules; return it as the database should see it."""
    if not isinstance(value, str):
        raise bad(_("like needs a text value for {field}", field=column.fieldname))
    if len(value) > MAX_LIKE_LENGTH:
        raise bad(
            _(
                "like pattern for {field} is too long: {length} characters, at most {max}",
                field=column.fieldname,
                length=len(value),
                max=MAX_LIKE_LENGTH,
            )
        )
    wildcards = value.count("%") + value.count("_")  # escaped ones too: simple and strict
    if wildcards > MAX_LIKE_WILDCARDS:
        raise bad(
            _(
                "like pattern for {field} has {count} wildcards (% and _), at most {max}",
                field=column.fieldname,
                count=wildcards,
                max=MAX_LIKE_WILDCARDS,
            )
        )
    # A final lone backslash would escape nothing: match it literally, as MariaDB does.
    if (len(value) - len(value.rstrip("\\"))) % 2 == 1:
        value += "\\"
    return value


def condition(column: Column, operator: str, value: Any) -> Q:
    """Return the Q of one filter; values are bound parameters."""
    op = str(operator).strip().lower()
    if op not in OPERATORS:
        raise bad(_("Unknown filter operator {op}", op=repr(operator)[:40]))
    target = column.lookup_target()
    ftype = column.field.fieldtype
    orderable = ftype in fieldtypes.ORDERABLE_TYPES or ftype in ("Data",)
    if op in ("=", "!="):
        typed = _coerce(column, value)
        q = Q(**{f"{target}__isnull": True}) if typed is None else Q(**{target: typed})
        return ~q if op == "!=" else q
    if op in (">", "<", ">=", "<="):
        if not orderable:
            raise bad(
                _("Field {field} cannot be compared with {op}", field=column.fieldname, op=op)
            )
        lookup = {">": "gt", "<": "lt", ">=": "gte", "<=": "lte"}[op]
        return Q(**{f"{target}__{lookup}": _coerce(column, value)})
    if op in ("like", "not like"):
        like = CustomLike if column.is_custom else Like
        q = Q(like(column.text_expression(), like_pattern(column, value)))
        # Frappe's "not like" keeps empty (NULL) values, as ``ifnull(col, '') not like`` does.
        return ~q | Q(**{f"{target}__isnull": True}) if op == "not like" else q
    if op in ("in", "not in"):
        values = value.split(",") if isinstance(value, str) else value
        if not isinstance(values, (list, tuple)) or len(values) > 1000:
            raise bad(
                _("in needs a list of at most 1000 values for {field}", field=column.fieldname)
            )
        typed = [_coerce(column, v) for v in values]
        q = Q(**{f"{target}__in": [v for v in typed if v is not None]})
        if None in typed:
            q |= Q(**{f"{target}__isnull": True})
        return ~q if op == "not in" else q
    if op == "is":
        if value not in ("set", "not set"):
            raise bad(_("is needs 'set' or 'not set' for {field}", field=column.fieldname))
        empty = Q(**{f"{target}__isnull": True})
        if (
            ftype in fieldtypes.SHORT_TEXT_TYPES | fieldtypes.LONG_TEXT_TYPES
            and not column.is_custom
        ):
            empty |= Q(**{target: ""})
        return ~empty if value == "set" else empty
    if op == "between":
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise bad(_("between needs [from, to] for {field}", field=column.fieldname))
        low, high = (_coerce(column, v) for v in value)
        if ftype == "Datetime" and isinstance(value[1], str) and len(value[1].strip()) == 10:
            return Q(**{f"{target}__date__gte": low.date(), f"{target}__date__lte": high.date()})
        return Q(**{f"{target}__gte": low, f"{target}__lte": high})
    raise bad(_("Operator {op} is not supported here", op=op))


def build_filter(columns: ColumnSet, filters: Any, or_filters: Any) -> Q:
    doctype = columns.meta.name
    q = Q()
    for field, op, value in normalise_filters(filters, doctype, "filters"):
        q &= condition(columns.get(field, "filters"), op, value)
    any_of = Q()
    for field, op, value in normalise_filters(or_filters, doctype, "or_filters"):
        any_of |= condition(columns.get(field, "or_filters"), op, value)
    return q & any_of if any_of else q


def parse_order_by(columns: ColumnSet, order_by: str | None) -> list:
    meta = columns.meta
    if not order_by:
        order_by = f"{meta.sort_field} {meta.sort_order}"
    if not isinstance(order_by, str) or len(order_by) > 500:
        raise bad(_("Invalid order_by"))
    ordering = []
    for part in order_by.split(","):
        match = _ORDER_RE.match(part)
        if not match or (match.group("table") and match.group("table") != meta.name):
            raise bad(_("Invalid order_by {clause}", clause=repr(part)[:80]))
        column = columns.get(match.group("field"), "order_by")
        if column.field.fieldtype not in fieldtypes.ORDERABLE_TYPES | {"Data"}:
            raise bad(_("Cannot sort by {field}", field=column.fieldname))
        expression = column.expression()
        descending = (match.group("dir") or "asc").lower() == "desc"
        ordering.append(expression.desc() if descending else expression.asc())
    if not any(part.strip().split()[0].strip("`") in ("name",) for part in order_by.split(",")):
        ordering.append(F("name").desc())  # a stable order for paging
    return ordering


def parse_fields(columns: ColumnSet, fields: Any) -> list[Column]:
    fields = parse_json_param(fields, "fields")
    if fields is None:
        fields = ["name"]
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",")]
    if not isinstance(fields, list) or len(fields) > 200:
        raise bad(_("fields must be a list of field names"))
    result: list[Column] = []
    for raw in fields:
        if raw in ("*", "`*`") or (
            isinstance(raw, str) and re.fullmatch(r"`?tab[\w ]+`?\.\*", raw)
        ):
            result.extend(columns.columns.values())
            continue
        result.append(columns.get(raw, "fields"))
    unique: dict[str, Column] = {c.fieldname: c for c in result}
    return list(unique.values())


def page_bounds(limit_start: Any, limit: Any) -> tuple[int, int]:
    try:
        start = int(limit_start or 0)
        length = int(limit if limit not in (None, "") else 20)
    except (TypeError, ValueError, OverflowError):  # OverflowError: JSON's Infinity
        raise bad(_("limit_start and limit_page_length must be whole numbers")) from None
    if start < 0 or length < 0:
        raise bad(_("limit_start and limit_page_length must not be negative"))
    if start > MAX_LIMIT_START or length > MAX_LIMIT_START:
        raise bad(_("limit_start and limit_page_length must be at most {max}", max=MAX_LIMIT_START))
    if length == 0:
        length = settings.LOWCODE_MAX_PAGE_LENGTH
    return start, min(length, settings.LOWCODE_MAX_PAGE_LENGTH)
