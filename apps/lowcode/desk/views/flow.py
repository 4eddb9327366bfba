"""After a call (lib/calls.py): the sheet with the follow-up form for the record that was called.

``GET /app/_call_follow_up?doctype=Lead&name=…&at=2026-12-07T09:05`` (or ``slug=lead``) answers
the new form of the follow-up DocType the apps declare, prefilled, for ``static/desk/flow.js``
to show in a sheet; 204 when nothing is declared for that DocType or the user may not create
it. Saving is the ordinary insert (``/app/<slug>/new``), which then returns to the record.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from lowcode.desk.lib import calls, link_titles, nav
from lowcode.desk.lib import form as form_lib
from lowcode.desk.views.common import desk_view, doctype_from_slug
from lowcode.desk.views.form import _context, _defaults
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc, has_doctype_permission
from lowcode.query import reads


@desk_view
def call_follow_up(request, user):
    slug = request.GET.get("slug", "")
    doctype = request.GET.get("doctype") or (doctype_from_slug(slug) if slug else "")
    name = request.GET.get("name", "")
    spec = calls.for_doctype(doctype) if doctype else None
    if spec is None or not name or not has_doctype_permission(user, spec.doctype, "create"):
        return HttpResponse(status=204)
    doc = access_doc(user, doctype, name, "read")
    meta = get_meta(spec.doctype)
    values = {
        **_defaults(meta, user),
        **form_lib.extension_defaults(user, meta),
        **calls.initial_values(spec, reads.doc_to_dict(user, doc), request.GET.get("at", "")),
    }
    context = _context(request, user, spec.doctype, nav.slug(spec.doctype), values)
    context.update(
        called_title=link_titles.titles(user, doctype, [doc.name]).get(doc.name) or doc.name,
        return_url=f"/app/{nav.slug(doctype)}/{doc.name}",
    )
    return render(request, "desk/flow_sheet.html", context)


urlpatterns = [path("app/_call_follow_up", call_follow_up, name="desk-call-follow-up")]
