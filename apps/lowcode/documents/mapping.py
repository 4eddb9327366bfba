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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lowcode.documents.validation import resolve_default
from lowcode.exceptions import (
    DataError,
    DoesNotExistError,
    PermissionError,
    ValidationError,
)
from lowcode.expressions import ExpressionError, compile_condition, evaluate
from lowcode.hooks_loader import get_hooks, resolve
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.doctype import CHILD_STANDARD_FIELDS, STANDARD_FIELDS
from lowcode.permissions.core import access_doc, has_doctype_permission, permitted_levels
from lowcode.storage.factory import get_model

FRAPPE_METHOD = "frappe.model.mapper.make_mapped_doc"
DOCSTATUS_LABELS = {0: "Draft", 1: "Submitted", 2: "Cancelled"}
# Source fields every document has besides its DocType's own.
SOURCE_STANDARD = frozenset(STANDARD_FIELDS)


@dataclass(frozen=True)
class TableMap:
    source: str
    target: str
    field_map: dict = field(default_factory=dict)
    copy_same: bool = False
    condition: str = ""


@dataclass(frozen=True)
class Mapping:
    """One declared mapping (see the module docstring)."""

    key: str
    source: str
    target: str
    source_docstatus: tuple[int, ...] | None = None
    condition: str = ""
    condition_message: str = ""
    field_map: dict = field(default_factory=dict)
    copy_same: bool = False
    table_map: tuple[TableMap, ...] = ()
    postprocess: str = ""

    @property
    def link_field(self) -> str | None:
        """The target field that keeps the source's name (connections follow it)."""
        return self.field_map.get("name") or None

    def allowed_docstatus(self) -> tuple[int, ...]:
        if self.source_docstatus is not None:
            return self.source_docstatus
        meta = registry.get_meta(self.source)
        return (1,) if meta.is_submittable else (0, 1, 2)


def _mapping(key: str, spec: dict) -> Mapping:
    docstatus = spec.get("source_docstatus")
    tables = spec.get("table_map") or {}
    return Mapping(
        key=key,
        source=str(spec.get("source") or ""),
        target=str(spec.get("target") or ""),
        source_docstatus=tuple(int(s) for s in docstatus) if docstatus is not None else None,
        condition=str(spec.get("condition") or ""),
        condition_message=str(spec.get("condition_message") or ""),
        field_map=dict(spec.get("field_map") or {}),
        copy_same=bool(int(spec.get("copy_same") or 0)),
        table_map=tuple(
            TableMap(
                source=str(source),
                target=str((table or {}).get("target") or source),
                field_map=dict((table or {}).get("field_map") or {}),
                copy_same=bool(int((table or {}).get("copy_same") or 0)),
                condition=str((table or {}).get("condition") or ""),
            )
            for source, table in tables.items()
        ),
        postprocess=str(spec.get("postprocess") or ""),
    )


def declared_specs() -> dict[str, dict]:
    """The raw ``document_mappings`` of every app, by key."""
    return get_hooks("document_mappings") or {}


def declared() -> dict[str, Mapping]:
    return {key: _mapping(key, spec) for key, spec in declared_specs().items()}


def get_mapping(key: str) -> Mapping | None:
    spec = declared_specs().get(key)
    return _mapping(key, spec) if isinstance(spec, dict) else None


def mappings_into(doctype: str) -> list[Mapping]:
    """Mappings whose target is ``doctype`` (the documents it can be made from)."""
    return [m for m in declared().values() if m.target == doctype]


# ------------------------------------------------------------------ checks on the source


def _source_values(doc) -> dict:
    from lowcode.documents.validation import values_of

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


# ------------------------------------------------------------------ checks (kuaicrm check)


def problems() -> list[tuple[str, str, str, str]]:
    """Every malformed mapping as (id, message, hint, obj); run by ``lowcode.meta.checks``.

    meta.E017 unknown source or target DocType; meta.E018 a mapped field or table missing on
    either side; meta.E019 a condition that does not parse, a bad source_docstatus or a
    postprocess that does not import.
    """
    found: list[tuple[str, str, str, str]] = []
    for key, spec in sorted(declared_specs().items()):
        obj = f"document_mappings {key}"
        if not isinstance(spec, dict):
            found.append(
                ("meta.E017", f"Mapping '{key}' is not a dict.", "Declare source, target and field_map.", obj)
            )  # fmt: skip
            continue
        m = _mapping(key, spec)
        missing = [
            d
            for d in (m.source, m.target)
            if not registry.exists(d) or registry.get_meta(d).istable
        ]
        if missing:
            found.append(
                ("meta.E017", f"Mapping '{key}' names unknown DocType(s) {', '.join(repr(d) for d in missing)}.",
                 "Name installed, non-child DocTypes as source and target.", obj)
            )  # fmt: skip
            continue
        source_meta, target_meta = registry.get_meta(m.source), registry.get_meta(m.target)
        found += _field_problems(key, obj, source_meta, target_meta, m.field_map)
        for table in m.table_map:
            s_table, t_table = (
                source_meta.get_field(table.source),
                target_meta.get_field(table.target),
            )
            if s_table is None or not s_table.is_table or t_table is None or not t_table.is_table:
                found.append(
                    ("meta.E018", f"Mapping '{key}' maps table '{table.source}' of '{m.source}' to '{table.target}' of '{m.target}', which are not both Table fields.",
                     "Name a Table field of each DocType.", obj)
                )  # fmt: skip
                continue
            found += _field_problems(
                key, obj, registry.get_meta(s_table.options or ""),
                registry.get_meta(t_table.options or ""), table.field_map,
            )  # fmt: skip
            found += _condition_problems(key, obj, table.condition)
        found += _condition_problems(key, obj, m.condition)
        if m.source_docstatus is not None and not set(m.source_docstatus) <= {0, 1, 2}:
            found.append(
                ("meta.E019", f"Mapping '{key}' allows unknown source docstatus {list(m.source_docstatus)}.",
                 "Use 0 (draft), 1 (submitted) and/or 2 (cancelled).", obj)
            )  # fmt: skip
        if m.postprocess:
            try:
                resolve(m.postprocess)
            except ImportError as exc:
                found.append(
                    ("meta.E019", f"Mapping '{key}' postprocess '{m.postprocess}' does not import: {exc}",
                     "Give the dotted path of a function f(source, target, user).", obj)
                )  # fmt: skip
    return found


def _field_problems(key: str, obj: str, source_meta, target_meta, field_map: dict) -> list:
    found = []
    # A row also knows its parent document (a plan's installment maps to the plan's name).
    standard = SOURCE_STANDARD | (
        frozenset(CHILD_STANDARD_FIELDS) if source_meta.istable else set()
    )
    for source_field, target_field in field_map.items():
        if source_field not in standard and source_meta.get_field(source_field) is None:
            found.append(
                ("meta.E018", f"Mapping '{key}' reads unknown field '{source_field}' of '{source_meta.name}'.",
                 "Name a field of the source DocType (or name, owner).", obj)
            )  # fmt: skip
        target = target_meta.get_field(str(target_field))
        if target is None or not target.holds_value:
            found.append(
                ("meta.E018", f"Mapping '{key}' writes unknown field '{target_field}' of '{target_meta.name}'.",
                 "Name a data field of the target DocType.", obj)
            )  # fmt: skip
    return found


def _condition_problems(key: str, obj: str, condition: str) -> list:
    if not condition:
        return []
    try:
        compile_condition(condition)
    except ExpressionError as exc:
        return [
            ("meta.E019", f"Mapping '{key}' has a condition that does not parse: {exc}",
             "Write a safe expression over doc and user, e.g. doc.status != 'Lost'.", obj)
        ]  # fmt: skip
    return []
