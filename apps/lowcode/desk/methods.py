"""Whitelisted methods the desk's widgets call (wired in ``desk/hooks.py``)."""

from __future__ import annotations

import json

from lowcode.exceptions import DataError
from lowcode.i18n import _
from lowcode.meta import pickers, registry
from lowcode.permissions.core import has_doctype_permission
from lowcode.query import choices


def pick(
    request,
    user: str,
    kind: str = "",
    doctype: str = "",
    fieldname: str = "",
    q: str = "",
    **_ignored,
) -> list[dict]:
    """Choices of one kind as ``[{value, label}]``, labels in the user's language.

    ``doctype`` is the DocType whose fields, workflow states or options are asked for;
    DocTypes and fields are only those the user may read.
    """
    if kind not in pickers.KINDS or kind in pickers.BUILT_KINDS:
        raise DataError(
            _(
                "Unknown kind {kind}: use one of {kinds}",
                kind=kind,
                kinds=", ".join(k for k in pickers.KINDS if k not in pickers.BUILT_KINDS),
            )
        )
    return choices.search(choices.choices(user, kind, doctype, fieldname), q)


def condition(
    request,
    user: str,
    doctype: str = "",
    expression: str | None = None,
    rows: str = "",
    join: str = "and",
    **_ignored,
) -> dict | None:
    """Turn the condition builder's rows into the expression, or an expression into rows.

    With ``expression``: ``{join, rows}``, or None when rows cannot say it exactly. With
    ``rows`` (JSON): ``{expression}``. Field types of ``doctype`` decide number or text.
    """
    from lowcode.desk.templatetags.pickers import condition_rows
    from lowcode.expressions import condition_from_rows

    doctype, types = _field_types(user, doctype)
    if expression is not None:
        state = condition_rows(expression, doctype)
        return None if state["advanced"] else {"join": state["join"], "rows": state["rows"]}
    return {"expression": condition_from_rows(_rows_param(rows), join, types)}


def filter_rows(
    request,
    user: str,
    doctype: str = "",
    filters: str | None = None,
    rows: str = "",
    **_ignored,
) -> dict | None:
    """Turn the filters builder's rows into filters JSON, or filters JSON into rows.

    With ``filters``: ``{rows}``, or None when rows cannot say them exactly. With ``rows``
    (JSON): ``{filters}`` as the text the advanced box shows (empty for no rows).
    """
    from lowcode.desk.templatetags.pickers import filter_rows as rows_of
    from lowcode.query.filter_rows import filters_from_rows

    doctype, types = _field_types(user, doctype)
    if filters is not None:
        state = rows_of(filters, doctype)
        return None if state["advanced"] else {"rows": state["rows"]}
    parsed = _rows_param(rows)
    written = filters_from_rows(parsed, types)
    return {"filters": json.dumps(written, ensure_ascii=False, indent=1) if written else ""}


def _field_types(user: str, doctype: str) -> tuple[str, dict[str, str]]:
    """``doctype`` and its fields' types when the user may read it, else ("", {})."""
    if doctype and registry.exists(doctype) and has_doctype_permission(user, doctype, "read"):
        return doctype, {f.fieldname: f.fieldtype for f in registry.get_meta(doctype).data_fields}
    return "", {}


def _rows_param(rows: str) -> list[dict]:
    try:
        parsed = json.loads(rows or "[]")
    except ValueError:
        raise DataError(_("rows must be a JSON list")) from None
    if not isinstance(parsed, list) or not all(isinstance(r, dict) for r in parsed):
        raise DataError(_("rows must be a JSON list"))
    return parsed
