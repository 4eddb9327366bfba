"""A document's connections (Frappe's form dashboard): the records of other DocTypes linking to it.

Sections come from metadata: every non-table DocType with a Link field to the document's
DocType. The ``document_connections`` hook ({doctype: [section, …]}) orders them, names
them and picks their columns; a section is a DocType name or a dict ``{"doctype", "key",
"label", "fields", "link_field"}``. A declared DocType that does not exist (yet) is skipped,
so an app may declare sections a later release adds; linking DocTypes not declared follow,
by name. Each section lists only what the user may read (``reads.get_list``: scope,
permission hooks, permlevels), newest first, and counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lowcode.hooks_loader import get_hooks
from lowcode.meta import registry
from lowcode.meta.doctype import snake_name
from lowcode.permissions.core import access_doc, has_doctype_permission
from lowcode.query import reads
from lowcode.query.builder import ColumnSet

ROWS_PER_SECTION = 20


@dataclass
class Section:
    key: str
    doctype: str
    link_field: str
    label: str = ""
    fields: list[str] = field(default_factory=list)


def _link_field(doctype: str, target: str) -> str | None:
    for f in registry.get_meta(doctype).data_fields:
        if f.fieldtype == "Link" and f.options == target:
            return f.fieldname
    return None


def declared(doctype: str) -> list:
    return list((get_hooks("document_connections") or {}).get(doctype, []))


def sections(doctype: str) -> list[Section]:
    """The connection sections of ``doctype``: declared ones first, then the other linkers."""
    found: list[Section] = []
    seen: set[str] = set()
    for raw in declared(doctype):
        spec = {"doctype": raw} if isinstance(raw, str) else dict(raw)
        name = spec["doctype"]
        if not registry.exists(name) or registry.get_meta(name).istable:
            continue
        link = spec.get("link_field") or _link_field(name, doctype)
        if not link:
            continue
        seen.add(name)
        found.append(
            Section(
                key=spec.get("key") or snake_name(name),
                doctype=name,
                link_field=link,
                label=spec.get("label") or name,
                fields=list(spec.get("fields") or []),
            )
        )
    for name in sorted(registry.doctype_names()):
        if name in seen or registry.get_meta(name).istable:
            continue
        link = _link_field(name, doctype)
        if link:
            found.append(Section(key=snake_name(name), doctype=name, link_field=link, label=name))
    return found


def _columns(section: Section, user: str) -> list[str]:
    meta = registry.get_meta(section.doctype)
    readable = ColumnSet(meta, user).columns
    wanted = section.fields or [
        *([meta.title_field] if meta.title_field else []),
        *meta.list_view_fields(),
    ]
    columns = ["name", *(f for f in wanted if f != "name"), "modified"]
    return [c for c in dict.fromkeys(columns) if c in readable]


def connections(user: str, doctype: str, name: str, limit: int = ROWS_PER_SECTION) -> list[dict]:
    """The sections the user may read, each ``{key, doctype, label, link_field, fields,
    rows, count}``; a DocType the user may not read at all is left out."""
    access_doc(user, doctype, name, "read")  # a forbidden document: the same 404 as missing
    result: list[dict[str, Any]] = []
    for section in sections(doctype):
        if not has_doctype_permission(user, section.doctype, "read"):
            continue
        filters = [[section.link_field, "=", name]]
        fields = _columns(section, user)
        result.append(
            {
                "key": section.key,
                "doctype": section.doctype,
                "label": section.label,
                "link_field": section.link_field,
                "fields": fields,
                "rows": reads.get_list(
                    user,
                    section.doctype,
                    fields=fields,
                    filters=filters,
                    order_by="modified desc",
                    limit=limit,
                ),
                "count": reads.get_count(user, section.doctype, filters),
            }
        )
    return result
