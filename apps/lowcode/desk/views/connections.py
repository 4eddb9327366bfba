"""A document's connections page (/app/<slug>/<name>/connections): linked records by DocType.

Sections and their order come from ``lowcode.query.connections`` (the ``document_connections``
hook, then every other DocType linking here); each lists only what the user may read. Above
them, the cards apps add for the DocType (``desk_connection_cards``: a customer's receivables).
"""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import render
from django.urls import path

from lowcode.dataio.export import STANDARD_LABELS
from lowcode.desk.lib import nav
from lowcode.desk.lib.home import connection_cards
from lowcode.desk.lib.phones import is_phone_field, tel_href
from lowcode.desk.templatetags.desk import display
from lowcode.desk.views.common import desk_view, doctype_from_slug
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc
from lowcode.query import connections as connections_lib
from lowcode.workflow import engine

# Engine fields have no DocField: labels come from the data export's STANDARD_LABELS, types here.
STANDARD_TYPES = {"creation": "Datetime", "modified": "Datetime"}


def _label(meta, fieldname: str) -> str:
    field = meta.get_field(fieldname)
    if field is not None and field.label:
        return _(field.label)
    return _(STANDARD_LABELS.get(fieldname, fieldname))


def _display(meta, fieldname: str, value, state_field: str | None = None) -> str:
    """A value as the list shows it (the desk's ``display`` filter): a Check only when set,
    amounts with separators, percentages with %, options and workflow states translated."""
    if value in (None, ""):
        return ""
    if fieldname == state_field:
        return _(str(value))
    field = meta.get_field(fieldname)
    fieldtype = field.fieldtype if field is not None else STANDARD_TYPES.get(fieldname, "")
    if isinstance(value, Decimal):
        value = float(value)
    if fieldtype == "Datetime":
        value = str(value).replace("T", " ")
    return display(value, fieldtype)


def section_view(section: dict) -> dict:
    """A section as the template shows it: cards of title + labelled values (no wide tables)."""
    meta = get_meta(section["doctype"])
    title_field = meta.title_field if meta.title_field in section["fields"] else "name"
    shown = [f for f in section["fields"] if f not in ("name", title_field)]
    workflow = engine.get_workflow(section["doctype"])
    state_field = workflow.state_field if workflow is not None else None
    slug = nav.slug(section["doctype"])
    phones = {f for f in shown if is_phone_field(meta.get_field(f))}
    return {
        "key": section["key"],
        "doctype": section["doctype"],
        "label": _(section["label"])
        + (f"（{_(section['link_label'])}）" if section.get("link_label") else ""),
        "count": section["count"],
        "slug": slug,
        "link_field": section["link_field"],
        "rows": [
            {
                "url": f"/app/{slug}/{row['name']}",
                "title": row.get(title_field) or row["name"],
                "name": row["name"],
                # (label, value, tel: URI of a phone number: the 360 view dials with one tap)
                "values": [
                    (_label(meta, f), value, tel_href(value) if f in phones else "")
                    for f in shown
                    if (value := _display(meta, f, row.get(f), state_field))
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
            "cards": connection_cards(request, user, doc),
        },
    )


urlpatterns = [
    path("app/<str:slug>/<path:name>/connections", connections_page, name="desk-connections"),
]
