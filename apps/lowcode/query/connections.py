"""A document's connections (Frappe's form dashboard): the records of other DocTypes linking to it.

Sections come from metadata: every non-table DocType with a Link field to the document's
DocType. The ``document_connections`` hook ({doctype: [section, …]}) orders them, names
them and picks their columns; a section is a DocType name or a dict ``{"doctype", "key",
"label", "fields", "link_field"}``. A declared DocType that does not exist (yet) is skipped,
so an app may declare sections a later release adds; linking DocTypes not declared follow,
by name; a DocType linking here through several Link fields (a contract's ``amended_from``
and ``renewed_from``) gets one section per field. A document made by a document mapping
(``lowcode.meta.mappings``) also shows where it came from: a section of the mapping's
source DocType holding the record its link field names (a quotation's opportunity), before
the others. Each section lists only what the user may read (``reads.get_list``: scope,
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
    # "in": records whose link_field names this document; "out": the record this document's
    # own link_field names (a mapping's source).
    direction: str = "in"
    # Set when the DocType links here through more than one field: which one this section follows.
    link_label: str = ""


def _link_fields(doctype: str, target: str) -> list[str]:
    return [
        f.fieldname
        for f in registry.get_meta(doctype).data_fields
        if f.fieldtype == "Link" and f.options == target
    ]


def _link_field(doctype: str, target: str) -> str | None:
    found = _link_fields(doctype, target)
    return found[0] if found else None


def _source_sections(doctype: str) -> list[Section]:
    """The mapping sources this DocType's documents are made from, by their link fields."""
    from lowcode.meta.mappings import mappings_into

    found: dict[str, Section] = {}
    for mapping in mappings_into(doctype):
        link = mapping.link_field
        meta = registry.get_meta(doctype)
        field_ = meta.get_field(link or "")
        if not link or field_ is None or link in found or not registry.exists(mapping.source):
            continue
        found[link] = Section(
            key=f"{snake_name(mapping.source)}_source",
            doctype=mapping.source,
            link_field=link,
            label=field_.label or mapping.source,
            direction="out",
        )
    return list(found.values())


def declared(doctype: str) -> list:
    return list((get_hooks("document_connections") or {}).get(doctype, []))


def sections(doctype: str) -> list[Section]:
    """The connection sections of ``doctype``: its mapping sources, declared ones, the other
    linkers."""
    found: list[Section] = _source_sections(doctype)
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
        if registry.get_meta(name).istable:
            continue
        links = _link_fields(name, doctype)
        if name in seen:  # a declared section names one link field; the others follow
            declared_link = next(s.link_field for s in found if s.doctype == name)
            links = [link for link in links if link != declared_link]
        # Name the field when it is not obvious: several links, or a DocType linking to itself
        # (a revision's amended_from, a renewal's renewed_from).
        named = len(links) > 1 or name in seen or name == doctype
        meta = registry.get_meta(name)
        for position, link in enumerate(links):
            first = position == 0 and name not in seen
            found.append(
                Section(
                    key=snake_name(name) if first else f"{snake_name(name)}_{link}",
                    doctype=name,
                    link_field=link,
                    label=name,
                    link_label=(meta.get_field(link).label or link) if named else "",  # type: ignore[union-attr]
                )
            )
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
    doc = access_doc(user, doctype, name, "read")  # a forbidden one: the same 404 as missing
    result: list[dict[str, Any]] = []
    for section in sections(doctype):
        if not has_doctype_permission(user, section.doctype, "read"):
            continue
        if section.direction == "out":
            source = doc.get(section.link_field)
            if source in (None, ""):
                continue
            filters = [["name", "=", source]]
        else:
            filters = [[section.link_field, "=", name]]
        fields = _columns(section, user)
        result.append(
            {
                "key": section.key,
                "doctype": section.doctype,
                "label": section.label,
                "link_field": section.link_field,
                "link_label": section.link_label,
                "direction": section.direction,
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
