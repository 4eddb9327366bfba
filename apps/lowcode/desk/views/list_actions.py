"""A list action's dialog post (hooks ``desk_list_actions``; see lowcode.desk.lib.list_actions).

``POST /app/<slug>/_list_action/<key>`` calls the action's whitelisted method through the API's
own dispatch (``call_method``), as a form action's dialog does: the method's permission checks
decide; the desk refuses only an action it would not show (the same 404 as a missing page).
Success: a toast and the list re-read; refusal (a ValidationError, or a DataError for a
malformed argument): the dialog again with the user's input and the message.
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from lowcode.api.views import call_method
from lowcode.desk.lib import form_actions, list_actions
from lowcode.desk.views.common import desk_view, doctype_from_slug
from lowcode.exceptions import DataError, PermissionError, ValidationError
from lowcode.i18n import _


@desk_view
@require_POST
def run_list_action(request, user, slug, key):
    doctype = doctype_from_slug(slug)
    action = list_actions.find(user, doctype, key)
    if action is None:
        raise PermissionError(_("Not found, or you may not see it"))
    extras = form_actions.dialog_extras(user, action, {})
    posted = {f.fieldname: request.POST.get(f.fieldname, "") for f in action.fields}
    try:
        values = form_actions.parse_dialog(action, request.POST, extras)
        result = call_method(request, user, action.method, {**action.params, **values})
    except (ValidationError, DataError) as exc:
        # a refused input (a malformed month is the method's DataError) shows in the dialog
        by_field, other = form_actions.split_errors(action, exc)
        context = {
            "slug": slug,
            "a": action,
            "post_url": list_actions.post_url(doctype, action.key),
            "extras": extras,
            "dialog_values": posted,
            "dialog_errors": by_field,
            "dialog_alerts": other,
        }
        return render(request, "desk/form_action_form.html", context)
    message = form_actions.success_message(action, result)
    # The list behind the dialog is re-read (form_actions.js: desk:refresh reloads the page); the
    # message, kept in sessionStorage (no "stay"), shows on the reloaded list.
    response = HttpResponse(status=204)
    response["HX-Trigger"] = json.dumps(
        {"desk:flash": {"message": message, "colour": "green"}, "desk:refresh": {}}
    )
    return response


urlpatterns = [
    path("app/<str:slug>/_list_action/<str:key>", run_list_action, name="desk-list-action"),
]
