"""Safe conditions over a document, as in ``depends_on: "eval:doc.status=='Open'"``.

Frappe writes these in JavaScript; we accept the common subset (``==``,
``!=``, ``&&``, ``||``, ``!``, comparisons, ``in`` over literals) and
evaluate it with a whitelist of Python AST nodes: no calls, no attribute
access except ``doc.<field>``, ``user.<attr>`` and ``settings.<name>`` (the administrator's
Workflow Settings, which workflow conditions read), no subscripts of objects. ``today`` is the
site's current date, for conditions such as ``doc.end_date < today``.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import datetime as dt
import functools
import re
from typing import Any

_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Mod,
    ast.IfExp,
)
_ROOTS = frozenset({"doc", "user", "settings"})


class ExpressionError(ValueError):
    """The expression does not parse or uses something not allowed."""


def _to_python(source: str) -> str:
    text = source.strip()
    if text.startswith("eval:"):
        text = text[5:]
    text = text.replace("===", "==").replace("!==", "!=")
    text = re.sub(r"&&", " and ", text)
    text = re.sub(r"\|\|", " or ", text)
    text = re.sub(r"!(?!=)", " not ", text)
    text = re.sub(r"\btrue\b", "True", text)
    text = re.sub(r"\bfalse\b", "False", text)
    text = re.sub(r"\bnull\b|\bundefined\b", "None", text)
    return text.strip()  # a leading "!" became " not ", which Python reads as an indent


@functools.lru_cache(maxsize=2048)
def compile_condition(source: str):
    """Parse ``source`` once; raise ExpressionError if it is not allowed."""
    stripped = source.strip()
    if not stripped.startswith("eval:") and re.fullmatch(r"[a-z_][a-z0-9_]*", stripped):
        stripped = f"doc.{stripped}"  # Frappe's shorthand: a bare fieldname means "is set"
    try:
        tree = ast.parse(_to_python(stripped), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{source!r} does not parse: {exc.msg}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"{source!r} uses {type(node).__name__}, which is not allowed")
        if (
            isinstance(node, ast.Name)
            and node.id not in _ROOTS
            and node.id not in ("True", "False", "None", "today")
        ):
            raise ExpressionError(
                f"{source!r} names {node.id!r}; use doc.<field>, user.<attr>, settings.<name>"
                " or today"
            )
        if isinstance(node, ast.Attribute) and (
            not isinstance(node.value, ast.Name) or node.attr.startswith("_")
        ):
            raise ExpressionError(
                f"{source!r}: only doc.<field>, user.<attr> and settings.<name> may be read"
            )
    return compile(tree, "<condition>", "eval")


def _names_read(source: str, root: str) -> frozenset[str]:
    """Return the ``<root>.<name>`` attributes a condition reads; empty if it does not parse."""
    stripped = source.strip()
    try:
        compile_condition(source)
        tree = ast.parse(_to_python(stripped), mode="eval")
    except (ExpressionError, SyntaxError):
        return frozenset()
    return frozenset(
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == root
    )


def fields_read(source: str) -> frozenset[str]:
    """Return the document fields a condition reads (``doc.<field>``); empty if it does not parse."""
    stripped = source.strip()
    if not stripped:
        return frozenset()
    if not stripped.startswith("eval:") and re.fullmatch(r"[a-z_][a-z0-9_]*", stripped):
        return frozenset({stripped})
    return _names_read(source, "doc")


class _Fields:
    """Attribute view over a mapping; missing names read as None."""

    def __init__(self, data: dict[str, Any]):
        self._data = data

    def __getattr__(self, name: str) -> Any:
        return self._data.get(name)


def settings_read(source: str) -> frozenset[str]:
    """Return the settings a condition reads (``settings.<name>``); empty if it does not parse."""
    return _names_read(source, "settings") if "settings" in source else frozenset()


# The day date rules are judged for: a scheduled run acting "as of" a day sets it (``as_of``),
# so ``today`` in a condition and a controller's date check agree; otherwise the site's date.
_as_of: contextvars.ContextVar[dt.date | None] = contextvars.ContextVar("as_of", default=None)


@contextlib.contextmanager
def as_of(day: dt.date):
    """Judge ``today`` (conditions and ``expressions.today()``) as ``day`` inside the block."""
    token = _as_of.set(day)
    try:
        yield
    finally:
        _as_of.reset(token)


def today() -> dt.date:
    """The date conditions read as ``today``: the ``as_of`` day, else the site's local date."""
    from django.utils import timezone

    return _as_of.get() or timezone.localdate()


def evaluate(
    source: str,
    doc: dict[str, Any],
    user: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
) -> bool:
    """Return the truth of ``source`` for a document given as a dict."""
    code = compile_condition(source)
    try:
        scope = {
            "doc": _Fields(doc),
            "user": _Fields(user or {}),
            "settings": _Fields(settings or {}),
            "today": today(),
        }
        return bool(eval(code, {"__builtins__": {}}, scope))  # noqa: S307 - AST whitelisted above
    except (TypeError, ZeroDivisionError):
        return False


# ---------------------------------------------------------------- conditions as rows
# The desk's condition builder: rows (field, operator, value) joined by AND or OR write the
# same expression this module evaluates; an expression the rows cannot say exactly opens as
# raw text ("advanced"). A round trip must give back the very expression, so reading rows
# from an expression is checked by writing them again and comparing the parsed trees.

ROW_OPERATORS = (
    "==",
    "!=",
    ">",
    "<",
    ">=",
    "<=",
    "in",
    "not in",
    "contains",
    "is set",
    "is not set",
)
NUMBER_TYPES = frozenset({"Int", "Float", "Currency", "Percent", "Check", "Rating"})
_COMPARE = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Gt: ">",
    ast.Lt: "<",
    ast.GtE: ">=",
    ast.LtE: "<=",
}


def _number(text: str) -> int | float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and re.fullmatch(r"-?\d+", text.strip()) else number


def _literal(value: str, fieldtype: str | None) -> str:
    """A row's value as a literal: a number for number fields (or unknown fields that look
    like one), text otherwise."""
    text = str(value).strip()
    number = _number(text) if fieldtype in NUMBER_TYPES or fieldtype is None else None
    return repr(number) if number is not None else repr(text)


def condition_from_rows(
    rows: list[dict], join: str = "and", fieldtypes: dict[str, str] | None = None
) -> str:
    """Write rows ``{field, op, value}`` as one condition; rows without a field are skipped."""
    types = fieldtypes or {}
    parts = []
    for row in rows:
        field, op = str(row.get("field") or "").strip(), str(row.get("op") or "==")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", field) or op not in ROW_OPERATORS:
            continue
        value, ftype = str(row.get("value") or ""), types.get(field)
        if op == "is set":
            parts.append(f"doc.{field}")
        elif op == "is not set":
            parts.append(f"not doc.{field}")
        elif op == "contains":
            parts.append(f"{value.strip()!r} in doc.{field}")
        elif op in ("in", "not in"):
            items = [_literal(v, ftype) for v in value.split(",") if v.strip()]
            parts.append(f"doc.{field} {op} [{', '.join(items)}]")
        else:
            parts.append(f"doc.{field} {op} {_literal(value, ftype)}")
    return f" {'or' if join == 'or' else 'and'} ".join(parts)


def _doc_field(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "doc"
    ):
        return node.attr
    return None


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and type(node.value) in (str, int, float):
        return str(node.value)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return f"-{node.operand.value!s}"
    return None


def _row(node: ast.AST) -> dict | None:
    if (field := _doc_field(node)) is not None:
        return {"field": field, "op": "is set", "value": ""}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        if (field := _doc_field(node.operand)) is not None:
            return {"field": field, "op": "is not set", "value": ""}
        return None
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        return None
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if isinstance(op, ast.In) and (field := _doc_field(right)) is not None:
        text = _text(left)
        return {"field": field, "op": "contains", "value": text} if text is not None else None
    field = _doc_field(left)
    if field is None:
        return None
    if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.List, ast.Tuple)):
        items = [_text(e) for e in right.elts]
        if any(i is None or "," in i for i in items):
            return None
        name = "in" if isinstance(op, ast.In) else "not in"
        return {"field": field, "op": name, "value": ", ".join(str(i) for i in items)}
    text = _text(right)
    if type(op) not in _COMPARE or text is None:
        return None
    return {"field": field, "op": _COMPARE[type(op)], "value": text}


def _tree(source: str) -> str:
    stripped = source.strip()
    if not stripped.startswith("eval:") and re.fullmatch(r"[a-z_][a-z0-9_]*", stripped):
        stripped = f"doc.{stripped}"
    return ast.dump(ast.parse(_to_python(stripped), mode="eval"))


def rows_from_condition(
    source: str, fieldtypes: dict[str, str] | None = None
) -> tuple[str, list[dict]] | None:
    """Read a condition as (join, rows), or None when rows cannot say it exactly."""
    if not source or not source.strip():
        return "and", []
    try:
        compile_condition(source)
        stripped = source.strip()
        if not stripped.startswith("eval:") and re.fullmatch(r"[a-z_][a-z0-9_]*", stripped):
            stripped = f"doc.{stripped}"
        body = ast.parse(_to_python(stripped), mode="eval").body
    except (ExpressionError, SyntaxError):
        return None
    join, nodes = "and", [body]
    if isinstance(body, ast.BoolOp):
        join, nodes = ("or" if isinstance(body.op, ast.Or) else "and"), body.values
    rows = [_row(node) for node in nodes]
    if any(row is None for row in rows):
        return None
    found = [row for row in rows if row is not None]
    if _tree(condition_from_rows(found, join, fieldtypes)) != _tree(source):
        return None  # the rows would write something else (a text where a number was)
    return join, found
