"""Choice sources declared on a field: ``"picker": "doctype"`` and friends.

An administrator picks a DocType, field, role, user or workflow state from a list shown in
Chinese while the key is stored. The DocType JSON says where a field's choices come from;
one endpoint serves them (``lowcode.desk.pick``), the desk renders one searchable picker,
and the save path refuses a value that is not among them (``query.choices``).

  doctype               every non-child DocType (run-time ones included)
  field:<src>           the fields of the DocType named in field <src>
  role                  every Role
  user                  every enabled user
  workflow_state:<src>  the states of the workflows of the DocType named in <src>
  workflow_action:<src> the actions (transitions) of the workflows of the DocType named in <src>
  option:<src>          the options of the Select field named in field <src> (suggestions)
  condition:<src>       a condition over the DocType named in <src>, built from rows
  filters:<src>         stored filters (``[[field, op, value]]``) over the DocType named in
                        <src>, built from rows (``query.filter_rows``)
  field_list:<src>      a JSON ``{"data": [fields]}`` naming fields of the DocType named in
                        <src> (a webhook's request structure), picked several at once

``<src>`` is a field of the same DocType or, for a child table, of its parent. Checks:

  picker.E001  unknown picker kind, a kind that needs a source without one, or a picker on a
               field that cannot hold a key (a table, a check box, a number)
  picker.E002  the source names a field that neither the DocType nor (for a child table)
               every parent DocType has
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from lowcode.meta.doctype import DocField, DocTypeMeta

KINDS = (
    "doctype",
    "field",
    "role",
    "user",
    "workflow_state",
    "workflow_action",
    "option",
    "condition",
    "filters",
    "field_list",
)
NEEDS_SOURCE = frozenset(
    {"field", "workflow_state", "workflow_action", "option", "condition", "filters", "field_list"}
)
# Kinds that build a value from rows rather than offer a list (the pick endpoint refuses them).
BUILT_KINDS = frozenset({"condition", "filters", "field_list"})
# A key is text: the field types that store one.
KEY_TYPES = frozenset({"Data", "Link", "Small Text", "Text", "Long Text", "Code", "Select"})
CONDITION_TYPES = frozenset({"Small Text", "Text", "Long Text", "Code", "Data"})
FILTER_TYPES = frozenset({"JSON", "Small Text", "Text", "Long Text", "Code"})


@dataclasses.dataclass(frozen=True)
class Picker:
    """A parsed declaration: the kind, and the field naming its source (if any)."""

    kind: str
    source: str = ""
    multiple: bool = False  # JSON ``"picker_multiple": 1``: comma-separated keys

    @property
    def validated(self) -> bool:
        """Whether a saved value must be one of the choices (options only suggest)."""
        return self.kind in (
            "doctype",
            "field",
            "role",
            "user",
            "workflow_state",
            "workflow_action",
        )


def parse(declaration: str | None, multiple: bool = False) -> Picker | None:
    """Read ``"kind"`` or ``"kind:source"``; None for no picker (or an empty one)."""
    if not declaration:
        return None
    kind, _sep, source = str(declaration).partition(":")
    return Picker(kind.strip(), source.strip(), multiple)


def picker_of(field: DocField) -> Picker | None:
    """The field's picker, from its JSON ``picker`` (and ``picker_multiple``) keys."""
    if not field.raw:
        return None
    return parse(field.raw.get("picker"), bool(field.raw.get("picker_multiple")))


def split_keys(value: str) -> list[str]:
    """The keys of a multiple picker's value (comma or line separated)."""
    return [p.strip() for p in str(value).replace("\n", ",").split(",") if p.strip()]


def picker_fields(meta: DocTypeMeta) -> list[tuple[DocField, Picker]]:
    """Every field of ``meta`` that declares a known picker (kept on the merged meta: every
    save asks, and a meta is rebuilt whenever its definition changes)."""
    found = meta.__dict__.get("_picker_fields")
    if found is None:
        found = []
        for field in meta.fields:
            picker = picker_of(field)
            if picker is not None and picker.kind in KINDS:
                found.append((field, picker))
        meta.__dict__["_picker_fields"] = found
    return found


def listed_fields(value: Any) -> list[str] | None:
    """The fields a ``field_list`` value names (``{"data": [...]}``, stored or as JSON text);
    [] for none, None when it says something else (kept as raw JSON)."""
    if value in (None, "", {}):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if (
        isinstance(value, dict)
        and set(value) == {"data"}
        and isinstance(value["data"], list)
        and all(isinstance(f, str) for f in value["data"])
    ):
        return list(value["data"])
    return None


def source_value(picker: Picker, values: dict, parent_values: dict | None) -> str:
    """The source field's value: the row's own field first, else its parent's."""
    if picker.source in values:
        return str(values.get(picker.source) or "")
    return str((parent_values or {}).get(picker.source) or "")


def check_metas(metas: dict[str, DocTypeMeta]) -> list[tuple[str, str, str, str]]:
    """Every malformed picker as (id, message, hint, object), all at once."""
    parents: dict[str, list[DocTypeMeta]] = {}
    for meta in metas.values():
        for field in meta.fields:
            if field.is_table and field.options:
                parents.setdefault(field.options, []).append(meta)
    problems = []
    for meta in metas.values():
        for field in meta.fields:
            problems += _check_field(meta, field, parents.get(meta.name, []))
    return problems


def _check_field(meta: DocTypeMeta, field: DocField, parents: Iterable[DocTypeMeta]) -> list:
    declared = field.raw.get("picker") if field.raw else None
    if not declared:
        return []
    obj = f"{meta.name}.{field.fieldname}"
    picker = parse(declared) or Picker("")
    if picker.kind not in KINDS:
        return [
            (
                "picker.E001",
                f"Field {obj} declares unknown picker kind {picker.kind!r}.",
                f"Use one of: {', '.join(KINDS)}.",
                obj,
            )
        ]
    allowed = {
        "condition": CONDITION_TYPES,
        "filters": FILTER_TYPES,
        "field_list": FILTER_TYPES,
    }.get(picker.kind, KEY_TYPES)
    if field.fieldtype not in allowed:
        return [
            (
                "picker.E001",
                f"Field {obj} is a {field.fieldtype}, which cannot hold a {picker.kind} key.",
                f"Declare the picker on a field of type {', '.join(sorted(allowed))}.",
                obj,
            )
        ]
    if picker.kind in NEEDS_SOURCE and not picker.source:
        return [
            (
                "picker.E001",
                f"Field {obj}'s picker {picker.kind!r} names no source field.",
                f'Write "{picker.kind}:<field holding the DocType>".',
                obj,
            )
        ]
    if picker.kind not in NEEDS_SOURCE and picker.source:
        return [
            (
                "picker.E001",
                f"Field {obj}'s picker {picker.kind!r} takes no source ({picker.source!r}).",
                f'Write "{picker.kind}".',
                obj,
            )
        ]
    if not picker.source or meta.get_field(picker.source) is not None:
        return []
    parents = list(parents)
    missing = [p.name for p in parents if p.get_field(picker.source) is None]
    if meta.istable and parents and not missing:
        return []
    where = ", ".join(missing) if missing else meta.name
    return [
        (
            "picker.E002",
            f"Field {obj}'s picker reads field {picker.source!r}, which {where} lacks.",
            "Name a field of this DocType or, for a child table, of every parent DocType.",
            obj,
        )
    ]


def run_checks(app_configs=None, databases=None, **kwargs) -> list:
    """Django check over merged metadata (custom fields may declare pickers too)."""
    from django.core.checks import Error
    from django.db import DatabaseError

    from lowcode.meta import registry

    if not databases:
        return []
    try:
        metas = {name: registry.get_meta(name) for name in registry.doctype_names()}
    except DatabaseError:
        return []  # not migrated yet
    return [
        Error(message, hint=hint, obj=obj, id=cid) for cid, message, hint, obj in check_metas(metas)
    ]
