"""Helpers every desk view shares: login required, DocType from the URL, error pages."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.encoding import iri_to_uri

from lowcode.desk.lib import nav
from lowcode.exceptions import DoesNotExistError, FrappeError, PermissionError
from lowcode.i18n import _
from lowcode.meta import registry


def request_user(request: HttpRequest) -> str:
    """The user MetaFreshnessMiddleware resolved (session or token), or "Guest"."""
    return getattr(request, "frappe_user", "Guest")


def desk_view(function):
    """Send guests to the login page; render engine errors as a desk page."""

    @functools.wraps(function)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request_user(request)
        if user == "Guest":
            return HttpResponseRedirect("/login?" + urlencode({"next": request.get_full_path()}))
        try:
            return function(request, user, *args, **kwargs)
        except (DoesNotExistError, PermissionError, FrappeError) as exc:
            return error_page(request, exc)

    return wrapper


def error_page(request: HttpRequest, exc: FrappeError) -> HttpResponse:
    status = getattr(exc, "http_status", 400)
    if isinstance(exc, PermissionError | DoesNotExistError):
        # Forbidden and missing look the same, as in the API.
        status, message = 404, _("Not found, or you may not see it")
    else:
        message = str(exc)
    if request.headers.get("HX-Request"):
        response = HttpResponse(message, status=status)
        response["HX-Reswap"] = "none"
        response["HX-Trigger"] = _toast_trigger(message, "red")
        return response
    return render(request, "desk/error.html", {"message": message, "status": status}, status=status)


def _toast_trigger(message: str, colour: str) -> str:
    import json

    # ASCII JSON: a header with raw non-ASCII text would be MIME-encoded and unreadable to HTMX.
    return json.dumps({"desk:toast": {"message": message, "colour": colour}})


def toast(response: HttpResponse, message: str, colour: str = "green") -> HttpResponse:
    response["HX-Trigger"] = _toast_trigger(message, colour)
    return response


def go_to(request: HttpRequest, target: str) -> HttpResponse:
    """After a successful write: HTMX follows ``HX-Redirect``, a plain form post a 302."""
    if not request.headers.get("HX-Request"):
        return HttpResponseRedirect(target)
    response = HttpResponse(status=204)
    # URL-encoded: Django MIME-encodes a header holding non-ASCII text (=?utf-8?b?…?=), which
    # HTMX follows as a path and lands on a 404 for every record named in Chinese.
    response["HX-Redirect"] = iri_to_uri(target)
    return response


def doctype_from_slug(value: str) -> str:
    doctype = nav.doctype_for_slug(value)
    if doctype is None or registry.get_meta(doctype).istable:
        raise DoesNotExistError(_("DocType {doctype} not found", doctype=value))
    return doctype
