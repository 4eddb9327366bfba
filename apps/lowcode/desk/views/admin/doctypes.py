"""What the DocType form needs beyond the generic form (System Manager): a field name from a
label, a new child table from a dialog, delete after typing the name, and Export to app.

The form itself is the generic one (``/app/doctype/new``, ``/app/doctype/<name>``) with the
pickers of ``desk/lib/doctype_editor.py``; every write here is the engine's action.
"""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from lowcode.desk.lib import doctype_editor, nav
from lowcode.desk.views.common import desk_view, go_to, toast
from lowcode.documents import actions
from lowcode.exceptions import DataError, ValidationError
from lowcode.i18n import _

DOCTYPE = doctype_editor.DOCTYPE


@desk_view
@require_GET
def suggest_name(request, user):
    """A field name (``kind=field``, unique against ``taken``) or a DocType name for a label."""
    nav.require_system_manager(user)
    label = request.GET.get("label", "")
    if request.GET.get("kind") == "doctype":
        return JsonResponse({"value": doctype_editor.suggest_doctype_name(label)})
    taken = {n for n in request.GET.get("taken", "").split(",") if n}
    return JsonResponse({"value": doctype_editor.suggest_fieldname(label, taken)})


@desk_view
@require_POST
def new_child_table(request, user):
    """Create a child DocType from the "new child table" dialog; answer its name as JSON."""
    nav.require_system_manager(user)
    data = doctype_editor.child_definition(request.POST)
    try:
        doc = actions.do_insert_doc(user, DOCTYPE, data)
    except ValidationError as exc:
        return JsonResponse(
            {"message": str(exc), "errors": [e.message for e in exc.errors] or [str(exc)]},
            status=417,
        )
    return JsonResponse({"name": doc.name, "label": data["label"] or doc.name})


@desk_view
@require_POST
def delete_doctype(request, user, name):
    """Delete a DocType with its records, once its name was typed to confirm."""
    nav.require_system_manager(user)
    if request.POST.get("confirm", "").strip() != name:
        return toast(
            HttpResponse(status=204),
            _("Type the DocType name {name} to confirm", name=name),
            "red",
        )
    try:
        actions.do_delete_doc(user, DOCTYPE, name)
    except ValidationError as exc:
        return toast(HttpResponse(status=204), str(exc), "red")
    return go_to(request, f"/app/{nav.slug(DOCTYPE)}")


@desk_view
@require_POST
def export_doctype(request, user, name):
    """Export to app: write the DocType's JSON under an app's folder; show the path written."""
    from lowcode.documents import schema

    nav.require_system_manager(user)
    app = request.POST.get("app", "")
    try:
        written = schema.do_export_doctype(user, name, app)
    except (ValidationError, DataError) as exc:
        response = render(request, "desk/doctype_export_result.html", {"error": str(exc)})
        return toast(response, str(exc), "red")
    response = render(request, "desk/doctype_export_result.html", {"paths": written})
    return toast(response, _("Exported to {path}", path="、".join(written)))


urlpatterns = [
    path("app/doctype/_suggest", suggest_name, name="desk-doctype-suggest"),
    path("app/doctype/_child", new_child_table, name="desk-doctype-child"),
    path("app/doctype/<path:name>/confirm-delete", delete_doctype, name="desk-doctype-delete"),
    path("app/doctype/<path:name>/export-to-app", export_doctype, name="desk-doctype-export"),
]
