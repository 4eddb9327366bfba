"""A document's connections page (/app/<slug>/<name>/connections): linked records by DocType.

Sections and their order come from ``lowcode.query.connections`` (the ``document_connections``
hook, then every other DocType linking here); each lists only what the user may read.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from lowcode.desk.lib import nav
from lowcode.desk.views.common import desk_view, doctype_from_slug
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc
from lowcode.query import connections as connections_lib

STANDARD_LABELS = {"name": "ID", "modified": "Last Updated On"}


def _label(meta, fieldname: str) -> str:
    field = meta.get_field(fieldname)
    if field is not None and field.label:
        return _(field.label)
    return _(STANDARD_LABELS.get(fieldname, fieldname))


def _display(meta, fieldname: str, value) -> str:
    field = meta.get_field(fieldname)
    if value in (None, ""):
        return ""
    if field is not None and field.fieldtype == "Select":
        return _(str(value))
    if fieldname == "modified" or (field is not None and field.fieldtype == "Datetime"):
        return str(value)[:16].replace("T", " ")
    return str(value)


def section_view(section: dict) -> dict:
    """A section as the template shows it: cards of title + labelled values (no wide tables)."""
    meta = get_meta(section["doctype"])
    title_field = meta.title_field if meta.title_field in section["fields"] else "name"
    shown = [f for f in section["fields"] if f not in ("name", title_field)]
    slug = nav.slug(section["doctype"])
    return {
        "key": section["key"],
        "label": section["label"],
        "count": section["count"],
        "slug": slug,
        "link_field": section["link_field"],
        "rows": [
            {
                "url": f"/app/{slug}/{row['name']}",
                "title": row.get(title_field) or row["name"],
                "name": row["name"],
                "values": [
                    (_label(meta, f), _display(meta, f, row.get(f)))
                    for f in shown
                    if row.get(f) not in (None, "")
                ],
            }
            for row in section["rows"]
        ],
    }


@desk_view
def connections_page(request, user, slug, name):
    doctype = doctype_from_slug(slug)
    meta = get_meta(doctype)
    doc = access_doc(user, doctype, name, "read")
    sections = [section_view(s) for s in connections_lib.connections(user, doctype, name)]
    return render(
        request,
        "desk/connections.html",
        {
            "active_nav": doctype,
            "doctype": doctype,
            "slug": slug,
            "doc": doc,
            "title": doc.get_title() if meta.title_field else doc.name,
            "sections": sections,
        },
    )


urlpatterns = [
    path("app/<str:slug>/<path:name>/connections", connections_page, name="desk-connections"),
]
