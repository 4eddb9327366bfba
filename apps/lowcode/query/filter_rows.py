"""Stored Frappe filters (``[[field, op, value], …]``) as rows an administrator edits.

A Dashboard Chart's or Number Card's ``filters_json`` is built from rows (field, operator,
value) in the desk; the rows write the same filters the API takes, and filters the rows
cannot say exactly (``between``, ``timespan``, a like pattern that is not "contains", a
child table's field) open as raw JSON instead ("advanced"). Every filter is ANDed, as in
Frappe, so there is no AND/OR choice.
"""

from __future__ import annotations

import re
from typing import Any

from lowcode.exceptions import DataError
from lowcode.expressions import NUMBER_TYPES
from lowcode.query.builder import normalise_filters

# The row's operator → the stored operator; contains / does not contain are like %value%.
ROW_OPERATORS = (
    "=",
    "!=",
    ">",
    "<",
    ">=",
    "<=",
    "contains",
    "not contains",
    "in",
    "not in",
    "is set",
    "is not set",
)
_LIKE = {"contains": "like", "not contains": "not like"}
_IS = {"is set": "set", "is not set": "not set"}
_SCALAR = frozenset({"=", "!=", ">", "<", ">=", "<="})
_FIELDNAME = re.compile(r"[a-z_][a-z0-9_]*")
_WILDCARDS = re.compile(r"[%_]")


def _typed(text: str, fieldtype: str | None) -> Any:
    """A row's value as stored: a number for a number field when it reads as one."""
    text = str(text).strip()
    if fieldtype not in NUMBER_TYPES:
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if re.fullmatch(r"-?\d+", text) else number


def filters_from_rows(rows: list[dict], fieldtypes: dict[str, str]) -> list[list[Any]]:
    """Write rows ``{field, op, value}`` as filters; rows without a field are skipped."""
    written: list[list[Any]] = []
    for row in rows:
        field, op = str(row.get("field") or "").strip(), str(row.get("op") or "=")
        if not _FIELDNAME.fullmatch(field) or op not in ROW_OPERATORS:
            continue
        value, ftype = str(row.get("value") or ""), fieldtypes.get(field)
        if op in _IS:
            written.append([field, "is", _IS[op]])
        elif op in _LIKE:
            written.append([field, _LIKE[op], f"%{value.strip()}%"])
        elif op in ("in", "not in"):
            written.append([field, op, [_typed(v, ftype) for v in value.split(",") if v.strip()]])
        else:
            written.append([field, op, _typed(value, ftype)])
    return written


def _row(field: str, op: str, value: Any) -> dict | None:
    op = str(op).strip().lower()
    if not _FIELDNAME.fullmatch(str(field)):
        return None
    if op in _SCALAR and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return {"field": field, "op": op, "value": str(value)}
    if op == "is" and value in ("set", "not set"):
        return {"field": field, "op": f"is {value}", "value": ""}
    if op in ("like", "not like") and isinstance(value, str):
        inner = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "%" else None
        if inner is None or _WILDCARDS.search(inner):
            return None
        return {
            "field": field,
            "op": "contains" if op == "like" else "not contains",
            "value": inner,
        }
    if op in ("in", "not in"):
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(
            isinstance(v, (str, int, float)) and "," not in str(v) for v in items
        ):
            return None
        return {"field": field, "op": op, "value": ", ".join(str(v).strip() for v in items)}
    return None


def rows_from_filters(raw: Any, doctype: str) -> list[dict] | None:
    """The rows that say stored filters (any of Frappe's shapes), or None when they cannot."""
    if raw in (None, "", [], {}):
        return []
    try:
        items = normalise_filters(raw, doctype, "filters_json")
    except DataError:
        return None
    rows = [_row(field, op, value) for field, op, value in items]
    return None if any(r is None for r in rows) else [r for r in rows if r is not None]
