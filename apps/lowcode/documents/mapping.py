"""Document mapping: make the next document from the previous one (Frappe's ``get_mapped_doc``).

Apps declare mappings in ``hooks.py``::

    document_mappings = {
        "kuaicrm.make_quotation": {
            "source": "Opportunity", "target": "Quotation",
            "source_docstatus": [0, 1],          # default: [1] if the source is submittable, else any
            "condition": "doc.status != 'Lost'",  # optional, a safe expression on the source
            "condition_message": "…",            # optional: the refusal shown when it fails
            "field_map": {"customer": "customer", "name": "opportunity"},  # source → target
            "copy_same": 0,                      # 1: also copy same-named fields (not no_copy)
            "table_map": {"items": {"target": "items", "field_map": {"qty": "qty"},
                                    "copy_same": 0, "condition": "doc.qty > 0"}},
            "postprocess": "dotted.path",         # optional: f(source, target, user)
        },
    }

Each key is served as ``/api/method/<key>`` (``source_name``; ``insert=1`` saves the result
through ``do_insert_doc``) and through Frappe's ``frappe.model.mapper.make_mapped_doc``. The
user needs read on the source document and create on the target DocType. Only source fields
the user may read are copied, only into target fields they may write at creation; the insert
path then checks every Link as for any other input. The target field that receives the
source's ``name`` is the *link field*: connections show the pair both ways.

This module makes documents; the declarations themselves (``Mapping``, ``get_mapping``,
``mappings_into`` and the meta.E017–E019 checks) are metadata, in ``lowcode.meta.mappings``.
"""

from __future__ import annotations

from typing import Any

from lowcode.exceptions import (
    DataError,
    DoesNotExistError,
    PermissionError,
    ValidationError,
)
from lowcode.expressions import ExpressionError, evaluate
from lowcode.hooks_loader import resolve
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.mappings import SOURCE_STANDARD, Mapping, declared_specs, get_mapping
from lowcode.permissions.core import access_doc, has_doctype_permission, permitted_levels
from lowcode.storage.factory import get_model
from lowcode.storage.validation import resolve_default

FRAPPE_METHOD = "frappe.model.mapper.make_mapped_doc"
DOCSTATUS_LABELS = {0: "Draft", 1: "Submitted", 2: "Cancelled"}


# ------------------------------------------------------------------ checks on the source


def _source_values(doc) -> dict:
    from lowcode.storage.validation import values_of

    return values_of(doc, doc.meta)


def source_refusal(mapping: Mapping, source, user: str) -> str | None:
    """Why ``source`` may not be mapped now (a sentence in the user's language), or None."""
    from lowcode.documents.actions import _user_info

    if source.docstatus not in mapping.allowed_docstatus():
        return _(
            "Cannot make {target} from {source} {name}: it is {state}",
            target=_(mapping.target),
            source=_(mapping.source),
            name=source.name,
            state=_(DOCSTATUS_LABELS.get(source.docstatus, str(source.docstatus))),
        )
    if mapping.condition:
        try:
            holds = evaluate(mapping.condition, _source_values(source), _user_info(user))
        except ExpressionError:
            holds = False  # reported by the check meta.E019
        if not holds:
            if mapping.condition_message:
                return _(mapping.condition_message)
            return _(
                "Cannot make {target} from {source} {name}: it does not meet the conditions",
                target=_(mapping.target),
                source=_(mapping.source),
                name=source.name,
            )
    return None


# ------------------------------------------------------------------ building the target


def _copy_pairs(source_meta, target_meta, field_map: dict, copy_same: bool) -> list[tuple]:
    """(source fieldname, target field) pairs, explicit ones last so that they win."""
    pairs = []
    if copy_same:
        for f in target_meta.data_fields:
            if f.raw.get("no_copy") or f.fieldname in field_map.values():
                continue
            if source_meta.get_field(f.fieldname) is not None:
                pairs.append((f.fieldname, f))
    for source_name, target_name in field_map.items():
        target = target_meta.get_field(target_name)
        if target is not None and (target.holds_value or target.is_table):
            pairs.append((source_name, target))
    return pairs


def _readable(meta, fieldname: str, levels: frozenset[int]) -> bool:
    if fieldname in SOURCE_STANDARD:
        return True
    f = meta.get_field(fieldname)
    return f is not None and f.permlevel in levels and not f.is_table


def _state_field(doctype: str) -> str | None:
    from lowcode.workflow import engine

    workflow = engine.get_workflow(doctype)
    return workflow.state_field if workflow is not None else None


def _new_row(child_meta, user: str):
    row = get_model(child_meta.name)()
    for f in child_meta.data_fields:
        default = resolve_default(f, user)
        if default is not None:
            row.set(f.fieldname, default)
    return row


def _row_holds(condition: str, row, info: dict) -> bool:
    try:
        return evaluate(condition, _source_values(row), info)
    except ExpressionError:
        return False  # reported by the check meta.E019


def map_doc(user: str, key: str, source_name: str):
    """The unsaved target document made from ``source_name`` by mapping ``key``.

    Read on the source and create on the target are checked first; a source in the wrong
    state or failing the mapping's condition raises a ValidationError saying why.
    """
    from lowcode.documents.actions import _user_info

    mapping = get_mapping(key)
    if mapping is None:
        raise DoesNotExistError(_("Method {method} not found", method=key))
    if not has_doctype_permission(user, mapping.target, "create"):
        raise PermissionError(_("No permission to create {doctype}", doctype=_(mapping.target)))
    source = access_doc(user, mapping.source, str(source_name or ""), "read")
    refusal = source_refusal(mapping, source, user)
    if refusal:
        raise ValidationError(refusal)
    source_meta, target_meta = registry.get_meta(mapping.source), registry.get_meta(mapping.target)
    readable = permitted_levels(user, mapping.source, "read")
    writable = permitted_levels(user, mapping.target, "write") | permitted_levels(
        user, mapping.target, "create"
    )
    skip = {_state_field(mapping.target)}  # a new document starts in its workflow's first state
    target = get_model(mapping.target)()
    target.acting_user = user
    target.owner, target.docstatus = user, 0
    for f in target_meta.data_fields:
        default = resolve_default(f, user)
        if default is not None:
            target.set(f.fieldname, default)
    for source_field, f in _copy_pairs(
        source_meta, target_meta, mapping.field_map, mapping.copy_same
    ):
        if f.is_table or f.fieldname in skip or f.permlevel not in writable:
            continue
        if not _readable(source_meta, source_field, readable):
            continue
        value = source.get(source_field)
        if value not in (None, ""):
            target.set(f.fieldname, value)
    info = _user_info(user)
    for table in mapping.table_map:
        target_table = target_meta.get_field(table.target)
        source_table = source_meta.get_field(table.source)
        if target_table is None or source_table is None or target_table.permlevel not in writable:
            continue
        if source_table.permlevel not in readable:
            continue
        child_source = registry.get_meta(source_table.options or "")
        child_target = registry.get_meta(target_table.options or "")
        rows: list[Any] = []
        for source_row in source.get_children(table.source):
            if table.condition and not _row_holds(table.condition, source_row, info):
                continue
            row = _new_row(child_target, user)
            for source_field, f in _copy_pairs(
                child_source, child_target, table.field_map, table.copy_same
            ):
                value = source_row.get(source_field)
                if not f.is_table and value not in (None, ""):
                    row.set(f.fieldname, value)
            row.idx = len(rows) + 1
            rows.append(row)
        target.set_children(table.target, rows)
    if mapping.postprocess:
        resolve(mapping.postprocess)(source, target, user)
    return target


def as_dict(user: str, target) -> dict:
    """The unsaved target as the API shows a document (``__islocal`` as Frappe marks it)."""
    from lowcode.query.reads import doc_to_dict

    data = doc_to_dict(user, target)
    data.update(name=None, __islocal=1)  # named when inserted
    for rows in (v for v in data.values() if isinstance(v, list)):
        for row in rows:
            row.update(name=None, __islocal=1)
    return data


def do_make_mapped_doc(user: str, key: str, source_name: str, *, insert: bool = False) -> dict:
    """The mapped target as a dict; with ``insert``, saved through ``do_insert_doc`` first."""
    from lowcode.documents.actions import do_insert_doc
    from lowcode.query.reads import doc_to_dict

    target = map_doc(user, key, source_name)
    data = as_dict(user, target)
    if not insert:
        return data
    return doc_to_dict(user, do_insert_doc(user, target.doctype, data))


# ------------------------------------------------------------------ /api/method


def _truthy(value: Any) -> bool:
    return str(value or "").strip().lower() in ("1", "true", "yes")


def _serve(key: str):
    def method(request, user, source_name: Any = "", insert: Any = 0, **_ignored) -> dict:
        if _truthy(insert) and request.method == "GET":
            raise DataError(_("{method} must be called with POST", method=key))
        return do_make_mapped_doc(user, key, str(source_name or ""), insert=_truthy(insert))

    method.__name__ = key
    return method


def method_for(name: str):
    """``method_fallbacks`` hook: a declared mapping key is served as ``/api/method/<key>``."""
    return _serve(name) if name in declared_specs() else None


def make_mapped_doc(request, user, method: Any = "", source_name: Any = "", **params) -> dict:
    """Frappe's ``frappe.model.mapper.make_mapped_doc(method, source_name)``; ``method`` must be a
    declared mapping (never any other method)."""
    key = str(method or "")
    if key not in declared_specs():
        raise DoesNotExistError(_("Method {method} not found", method=key))
    return _serve(key)(request, user, source_name=source_name, **params)
