"""Document mappings as declared: each app's ``document_mappings`` hook, read and checked.

The declaration (its format is in ``lowcode.documents.mapping``, which makes the documents)
is metadata: connections read it to show where a document came from, and ``kuaicrm check``
reports a malformed one (meta.E017–E019) against merged metadata. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lowcode.expressions import ExpressionError, compile_condition
from lowcode.hooks_loader import get_hooks, resolve
from lowcode.meta import registry
from lowcode.meta.doctype import CHILD_STANDARD_FIELDS, STANDARD_FIELDS

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
    """One declared mapping (its format: ``lowcode.documents.mapping``)."""

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
