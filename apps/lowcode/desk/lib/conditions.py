"""The condition builder's post: rows written as the expression the field stores.

A builder posts ``<name>__mode`` (``rows`` or ``advanced``), ``<name>__join`` and, per row in
page order, ``<name>__field`` / ``__op`` / ``__value``; ``<name>`` itself carries the raw
expression. In rows mode the rows replace it, written by ``expressions.condition_from_rows``
(the one writer, so what the rows say is what the engine evaluates). A filters builder
(picker ``filters:<src>``) posts the same names without a join, and its rows are written as
stored filters JSON by ``query.filter_rows.filters_from_rows``. A field list (picker
``field_list:<src>``) posts its picked fields as ``<name>__fields``, stored as ``{"data": […]}``.
"""

from __future__ import annotations

import json

from lowcode.expressions import condition_from_rows
from lowcode.meta import pickers, registry
from lowcode.meta.doctype import DocTypeMeta
from lowcode.query.filter_rows import filters_from_rows

MODE = "__mode"


def _builder_field(meta: DocTypeMeta, name: str):
    """The field a builder named ``name`` edits (``field`` or ``table.<n>.field``), and the
    name prefix its source field has in the post."""
    table, _dot, rest = name.partition(".")
    if not rest:
        return meta.get_field(name), ""
    index, _dot, fieldname = rest.partition(".")
    table_field = meta.get_field(table)
    if (
        table_field is None
        or not table_field.is_table
        or not registry.exists(table_field.options or "")
    ):
        return None, ""
    return registry.get_meta(table_field.options or "").get_field(fieldname), f"{table}.{index}."


def _fieldtypes(doctype: str) -> dict[str, str]:
    if not doctype or not registry.exists(doctype):
        return {}
    return {f.fieldname: f.fieldtype for f in registry.get_meta(doctype).data_fields}


def compose_posted(meta: DocTypeMeta, post):
    """The post with every rows-mode condition written into its field (a copy if changed)."""
    names = [k[: -len(MODE)] for k in post if k.endswith(MODE) and post.get(k) == "rows"]
    if not names:
        return post
    post = post.copy()
    for name in names:
        field, prefix = _builder_field(meta, name)
        picker = pickers.picker_of(field) if field is not None else None
        if picker is None or picker.kind not in pickers.BUILT_KINDS:
            continue  # not a builder this DocType declares: the raw value stands
        doctype = post.get(prefix + picker.source) or post.get(picker.source) or ""
        write = {"filters": posted_filters, "field_list": posted_field_list}.get(
            picker.kind, posted_condition
        )
        post[name] = write(post, name, doctype)
    return post


def _posted_rows(post, name: str) -> list[dict]:
    return [
        {"field": f, "op": o, "value": v}
        for f, o, v in zip(
            post.getlist(f"{name}__field"),
            post.getlist(f"{name}__op"),
            post.getlist(f"{name}__value"),
            strict=False,
        )
    ]


def posted_field_list(post, name: str, doctype: str) -> str:
    """The ``{"data": [fields]}`` a field list named ``name`` posted (empty for none)."""
    if post.get(name + MODE) != "rows":
        return post.get(name, "")
    fields = pickers.split_keys(post.get(f"{name}__fields", ""))
    return json.dumps({"data": fields}, ensure_ascii=False) if fields else ""


def posted_filters(post, name: str, doctype: str) -> str:
    """The filters JSON a filters builder named ``name`` posted (empty for no rows)."""
    if post.get(name + MODE) != "rows":
        return post.get(name, "")
    written = filters_from_rows(_posted_rows(post, name), _fieldtypes(doctype))
    return json.dumps(written, ensure_ascii=False) if written else ""


def posted_condition(post, name: str, doctype: str, *, frappe_eval: bool = False) -> str:
    """The condition a builder named ``name`` posted: its rows written out in rows mode, else
    the raw text. ``frappe_eval`` writes ``eval:`` first, as Frappe's ``depends_on`` needs."""
    if post.get(name + MODE) != "rows":
        return post.get(name, "")
    written = condition_from_rows(
        _posted_rows(post, name), post.get(f"{name}__join", "and"), _fieldtypes(doctype)
    )
    return f"eval:{written}" if written and frappe_eval else written
