"""A record's summary card: what a rep reads first on a phone, before editing anything.

The fields are those the DocType marks ``in_preview`` (Frappe's flag), in form order, that the
reader may see; Link values show their titles (link_titles), users their names, phones dial.
A DocType with no owner-type field among them (a Link to User) gets the record's owner by name,
so "whose is this" is always answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from lowcode.i18n import _
from lowcode.meta.doctype import DocField, DocTypeMeta
from lowcode.permissions.core import full_names

USER = "User"


@dataclass(frozen=True)
class Owner:
    """The record's owner, shown by name (a DocField stand-in for the card's template)."""

    name: str
    full_name: str

    @property
    def label(self) -> str:
        return _("Owner")


def preview_fields(meta: DocTypeMeta, levels: frozenset[int], skip: set[str]) -> list[DocField]:
    """The ``in_preview`` fields the reader's permlevels show, in form order."""
    return [
        f
        for f in meta.data_fields
        if f.in_preview and not f.hidden and f.permlevel in levels and f.fieldname not in skip
    ]


def owner_row(fields: list[DocField], doc) -> Owner | None:
    """The record's owner by name, unless an owner-type field (a Link to User) is shown."""
    if (
        doc is None
        or not doc.owner
        or any(f.fieldtype == "Link" and f.options == USER for f in fields)
    ):
        return None
    return Owner(doc.owner, full_names([doc.owner]).get(doc.owner) or doc.owner)
