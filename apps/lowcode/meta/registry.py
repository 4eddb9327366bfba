"""Merged metadata: JSON definitions + Custom Fields + Property Setters + Custom DocPerms.

DocTypes made at run time (``tabDocType`` rows, ``meta/runtime.py``) join the JSON ones in
``base_definitions``, reloaded with everything else when the generation changes.

Customisations live in the database. Each process caches merged metadata
under a generation number stored in the database; a customisation bumps the
number, and every process sees the bump on its next request (one indexed
read per request), so changes are live everywhere without a restart.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.db import DatabaseError

from lowcode.meta.doctype import (
    DOCFIELD_KEYS,
    PERM_VERBS,
    DocPerm,
    DocTypeMeta,
    docfield_from_dict,
)
from lowcode.meta.loader import base_definitions as json_definitions
from lowcode.meta.runtime import load_definitions as load_runtime_definitions

# Properties an admin may change through a Property Setter.
FIELD_PROPERTIES = {
    "label": str,
    "options": str,
    "reqd": int,
    "hidden": int,
    "read_only": int,
    "default": str,
    "in_list_view": int,
    "in_standard_filter": int,
    "permlevel": int,
    "description": str,
    "depends_on": str,
    "mandatory_depends_on": str,
    "read_only_depends_on": str,
    "unique": int,
    "bold": int,
    "length": int,
    "set_only_once": int,
    "non_negative": int,
    "allow_on_submit": int,
}
DOCTYPE_PROPERTIES = {
    "title_field": str,
    "search_fields": str,
    "sort_field": str,
    "sort_order": str,
    "track_changes": int,
    "label": str,
    "description": str,
    # Frappe's Customize Form order: a JSON list of fieldnames (see _sort_fields).
    "field_order": str,
}

# Custom DocPerm columns whose Frappe name would shadow a Python or Django name.
PERM_COLUMNS = {"delete": "allow_delete", "import": "allow_import"}
_lock = threading.Lock()
_config_cache: dict[tuple, Any] = {}
T = TypeVar("T")
_cache: dict[str, DocTypeMeta] = {}
_cache_generation = -1
# JSON DocTypes plus runtime ones, loaded on first use after each generation change.
_definitions: dict[str, DocTypeMeta] | None = None


class DoesNotExist(LookupError):
    """No DocType of that name."""


def current_generation() -> int:
    """Read the customisation generation from the database (0 before migration)."""
    MetaGeneration = apps.get_model("lowcode", "MetaGeneration")
    try:
        row = MetaGeneration.objects.filter(pk=1).values_list("generation", flat=True).first()
    except DatabaseError:
        return 0
    return row or 0


def refresh() -> None:
    """Drop this process's caches if another process changed customisations or configuration."""
    global _cache_generation
    generation = current_generation()
    if generation != _cache_generation:
        clear_local_cache()
        _cache_generation = generation


def bump_generation() -> None:
    """Mark customisations as changed for every process (call inside the write's transaction)."""
    from django.db.models import F

    MetaGeneration = apps.get_model("lowcode", "MetaGeneration")
    updated = MetaGeneration.objects.filter(pk=1).update(generation=F("generation") + 1)
    if not updated:
        MetaGeneration.objects.create(pk=1, generation=1)
    clear_local_cache()


def clear_local_cache() -> None:
    global _definitions
    with _lock:
        _cache.clear()
        _config_cache.clear()
        _definitions = None


def base_definitions() -> dict[str, DocTypeMeta]:
    """Every DocType without customisations: the apps' JSON and those made at run time.

    A JSON DocType wins over a runtime one of the same name (check meta.W002 reports it).
    """
    global _definitions
    found = _definitions
    if found is None:
        json_defs = json_definitions()
        runtime = load_runtime_definitions() if "DocType" in json_defs else {}
        found = {**{n: m for n, m in runtime.items() if n not in json_defs}, **json_defs}
        with _lock:
            _definitions = found
    return found


def is_runtime(doctype: str) -> bool:
    """Whether ``doctype`` was made at run time (a ``tabDocType`` row), not by an app's JSON."""
    from lowcode.meta.runtime import RUNTIME_APP

    meta = base_definitions().get(doctype)
    return meta is not None and meta.app == RUNTIME_APP


def runtime_label(doctype: str) -> str | None:
    """The label an administrator gave a DocType made at run time (服务工单), if it is loaded.

    ``i18n._`` asks for a name no translation row knows. Only definitions already loaded are
    read, so translating never queries the database nor re-enters the loading.
    """
    from lowcode.meta.runtime import RUNTIME_APP

    found = _definitions
    meta = found.get(doctype) if found else None
    if meta is None or meta.app != RUNTIME_APP:
        return None
    return meta.raw.get("label") or None


def config_cached(key: tuple, compute: Callable[[], T]) -> T:
    """Cache configuration (workflows, rules, webhooks…) per process until the generation changes.

    Configuration DocTypes call ``bump_generation`` when saved or deleted, so every process
    drops these entries on its next request, exactly as it does merged metadata; saves then
    read no configuration from the database at all. Cached values must be treated as read-only.
    """
    try:
        return _config_cache[key]
    except KeyError:
        value = compute()
        with _lock:
            _config_cache[key] = value
        return value


def doctype_names() -> list[str]:
    return sorted(base_definitions())


def exists(doctype: str) -> bool:
    return doctype in base_definitions()


def get_meta(doctype: str) -> DocTypeMeta:
    """Return the merged metadata of ``doctype`` or raise DoesNotExist."""
    cached = _cache.get(doctype)
    if cached is not None:
        return cached
    base = base_definitions().get(doctype)
    if base is None:
        raise DoesNotExist(doctype)
    merged = _merge(base)
    with _lock:
        _cache[doctype] = merged
    return merged


def _merge(base: DocTypeMeta) -> DocTypeMeta:
    if not base.allow_customize:
        return base
    meta = copy.deepcopy(base)
    fields = list(meta.fields)
    for custom in _custom_fields(meta.name):
        position = next(
            (i + 1 for i, f in enumerate(fields) if f.fieldname == custom.raw.get("insert_after")),
            len(fields),
        )
        fields.insert(position, custom)
    by_name = {f.fieldname: f for f in fields}
    for setter in _property_setters(meta.name):
        _apply_property(meta, by_name, setter)
    if meta.raw.get("field_order"):
        fields = _sort_fields(fields, meta.raw["field_order"])
    for idx, f in enumerate(fields, start=1):
        f.idx = idx
    perms = _custom_docperms(meta.name)
    return dataclasses.replace(meta, fields=fields, permissions=perms or meta.permissions)


def _custom_field_keys() -> list[str]:
    """The Custom Field columns that are DocField properties (its JSON decides, not a copy)."""
    custom_field = base_definitions()["Custom Field"]
    return [f.fieldname for f in custom_field.data_fields if f.fieldname in DOCFIELD_KEYS]


def _custom_fields(doctype: str) -> list:
    CustomField = apps.get_model("lowcode", "CustomField")
    rows = CustomField.objects.filter(dt=doctype).order_by("idx", "creation")
    result = []
    for row in rows:
        raw = {key: getattr(row, key) for key in _custom_field_keys()}
        result.append(docfield_from_dict(raw, is_custom=True))
    return result


def _property_setters(doctype: str) -> list:
    PropertySetter = apps.get_model("lowcode", "PropertySetter")
    return list(PropertySetter.objects.filter(doc_type=doctype).order_by("creation"))


def _apply_property(meta: DocTypeMeta, by_name: dict, setter) -> None:
    prop, value = setter.property, setter.value
    if setter.field_name:
        target = by_name.get(setter.field_name)
        cast = FIELD_PROPERTIES.get(prop)
        if target is None or cast is None:
            return  # reported by the check meta.E016
        converted = _cast(cast, value)
        setattr(
            target, prop, bool(converted) if isinstance(getattr(target, prop), bool) else converted
        )
        target.raw = {**target.raw, prop: converted}
    else:
        cast = DOCTYPE_PROPERTIES.get(prop)
        if cast is None:
            return
        converted = _cast(cast, value)
        if prop == "search_fields":
            meta.search_fields = [s.strip() for s in str(converted).split(",") if s.strip()]
        elif prop == "track_changes":
            meta.track_changes = bool(converted)
        elif prop == "sort_order":
            meta.sort_order = str(converted).lower()
        elif prop == "field_order":
            converted = parse_field_order(converted)
        elif hasattr(meta, prop):
            setattr(meta, prop, converted or None)
        meta.raw = {**meta.raw, prop: converted}


def parse_field_order(value: str | None) -> list[str] | None:
    """A field_order setter's value (a JSON list of fieldnames), or None when malformed."""
    try:
        order = json.loads(value or "")
    except ValueError:
        return None
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
        return None
    return order


def _sort_fields(fields: list, order: list[str]) -> list:
    """Put fields in ``order``; a field it does not name (added since the order was saved,
    in the JSON or as a Custom Field) keeps following the field it followed before."""
    position = {name: i for i, name in enumerate(order)}
    result = sorted(
        (f for f in fields if f.fieldname in position), key=lambda f: position[f.fieldname]
    )
    for i, field in enumerate(fields):
        if field.fieldname in position:
            continue
        before = fields[i - 1].fieldname if i else None
        at = next((j + 1 for j, f in enumerate(result) if f.fieldname == before), 0)
        result.insert(at, field)
    return result


def _cast(cast: type, value: str | None):
    if cast is int:
        try:
            return int(value or 0)
        except ValueError:
            return 0
    return value if value not in ("",) else None


def _custom_docperms(doctype: str) -> list[DocPerm]:
    CustomDocPerm = apps.get_model("lowcode", "CustomDocPerm")
    rows = CustomDocPerm.objects.filter(parent_doctype=doctype).order_by("idx", "creation")
    return [
        DocPerm.from_dict(
            {
                "role": r.role,
                "permlevel": r.permlevel,
                "scope": r.scope,
                **{v: getattr(r, PERM_COLUMNS.get(v, v)) for v in PERM_VERBS},
            }
        )
        for r in rows
    ]
