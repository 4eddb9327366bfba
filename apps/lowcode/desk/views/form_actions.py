"""A form action's dialog post (hooks ``desk_form_actions``; see lowcode.desk.lib.form_actions).

``POST /app/<slug>/<name>/run/<key>`` calls the action's whitelisted method through the API's
own dispatch (``call_method``), so the method's permission checks are the only ones that
decide; the desk refuses only an action it would not show (the same 404 as a missing record).
Success: a toast that survives the redirect and ``HX-Redirect`` to the record the result names;
when that is the page the user is on (a stage change), the form is re-read in place instead
(``desk:refresh``, form_actions.js): no full page load. Refusal: the dialog again, the user's input kept, each message next to
the field it names.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from lowcode.api.views import call_method
from lowcode.desk.lib import form_actions
from lowcode.desk.views.common import desk_view, doctype_from_slug, go_to
from lowcode.exceptions import PermissionError, ValidationError
from lowcode.i18n import _
from lowcode.permissions.core import access_doc
from lowcode.query import reads


def _dialog(request, slug, doc, action, values, exc: ValidationError, extras) -> HttpResponse:
    by_field, other = form_actions.split_errors(action, exc)
    context = {
        "slug": slug,
        "doc": doc,
        "a": action,
        "extras": extras,
        "dialog_values": values,
        "dialog_errors": by_field,
        "dialog_alerts": other,
    }
    # No toast: the dialog, on top of everything, shows each message where it belongs.
    return render(request, "desk/form_action_form.html", context)


@desk_view
@require_POST
def run_action(request, user, slug, name, key):
    doctype = doctype_from_slug(slug)
    doc = access_doc(user, doctype, name, "read")
    doc_values = reads.doc_to_dict(user, doc)
    action = form_actions.find(user, doctype, doc, doc_values, key)
    if action is None:
        raise PermissionError(_("Not found, or you may not see it"))
    extras = form_actions.dialog_extras(user, action, doc_values)
    posted = {
        **form_actions.initial_values(action, user, doc),
        **{
            f.fieldname: request.POST.get(f.fieldname, "")
            for f in action.fields
            if f.fieldname in request.POST
        },
    }
    try:
        values = form_actions.parse_dialog(action, request.POST, extras)
        result = call_method(
            request, user, action.method, form_actions.method_params(action, doc.name, values)
        )
    except ValidationError as exc:
        return _dialog(request, slug, doc, action, posted, exc, extras)
    message = form_actions.success_message(action, result, user, doc.doctype)
    target = form_actions.target_url(action, slug, doc.name, result)
    if _on_page(request, target):
        response = HttpResponse(status=204)
        response["HX-Trigger"] = json.dumps(
            {
                "desk:flash": {"message": message, "colour": "green", "stay": True},
                "desk:refresh": {},
            }
        )
        return response
    response = go_to(request, target)
    # HTMX fires this before following HX-Redirect: form_actions.js keeps the message and
    # shows it on the page the user lands on. ASCII JSON, as every HX-Trigger header.
    response["HX-Trigger"] = json.dumps({"desk:flash": {"message": message, "colour": "green"}})
    return response


def _on_page(request, target: str) -> bool:
    """Whether an HTMX post came from the page ``target`` names (HTMX sends HX-Current-URL)."""
    current = request.headers.get("HX-Current-URL", "")
    return bool(current) and unquote(urlsplit(current).path) == unquote(urlsplit(target).path)


urlpatterns = [
    path("app/<str:slug>/<path:name>/run/<str:key>", run_action, name="desk-form-action"),
]
