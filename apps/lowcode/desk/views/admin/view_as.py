"""View the desk as a chosen user (System Manager, read-only): start and end."""

from __future__ import annotations

from urllib.parse import quote

from django.urls import path
from django.views.decorators.http import require_POST

from lowcode.admin import view_as
from lowcode.desk.views.common import desk_view, go_to
from lowcode.exceptions import PermissionError
from lowcode.i18n import _


def _ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@desk_view
@require_POST
def start(request, user):
    """Start viewing as ``user`` (a POST from the user's page); the home page follows."""
    view_as.do_start_view_as(user, request.POST.get("user", ""), request.session, _ip(request))
    return go_to(request, "/app")


@require_POST
def end(request):
    """One tap ends the view: back to the user's page as the System Manager."""
    real = getattr(request, "real_user", None)
    if real is None:
        # Not viewing as anyone (already ended, e.g. in another tab): nothing to stop.
        return go_to(request, "/app")
    if request.frappe_user == "Guest":
        raise PermissionError(_("Not logged in"))
    target = view_as.do_end_view_as(real, request.session, _ip(request))
    return go_to(request, f"/app/users/{quote(target or '')}" if target else "/app")


urlpatterns = [
    path("app/view-as", start, name="desk-view-as"),
    path("app/view-as/end", end, name="desk-view-as-end"),
]
