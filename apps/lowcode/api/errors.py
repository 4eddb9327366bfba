"""Render errors as Frappe does: ``exc_type``, ``_server_messages`` and Frappe's HTTP codes."""

from __future__ import annotations

import json

from django.http import JsonResponse

from lowcode.exceptions import (
    CSRFTokenError,
    DoesNotExistError,
    FrappeError,
    TooManyRequestsError,
)
from lowcode.i18n import _


def error_response(exc: FrappeError) -> JsonResponse:
    message = exc.message or _(exc.exc_type)
    server_message = json.dumps(
        {"message": message, "title": _("Message"), "indicator": "red", "raise_exception": 1},
        ensure_ascii=False,
    )
    body: dict[str, object] = {
        "exc_type": exc.exc_type,
        "exception": f"frappe.exceptions.{exc.exc_type}: {message}",
        "_server_messages": json.dumps([server_message], ensure_ascii=False),
        "message": message,
    }
    if exc.errors:
        body["errors"] = [e.to_dict() for e in exc.errors]
    response = JsonResponse(body, status=exc.http_status, json_dumps_params={"ensure_ascii": False})
    if isinstance(exc, TooManyRequestsError):
        response["Retry-After"] = str(exc.retry_after)
    return response


def csrf_failure(request, reason: str = "") -> JsonResponse:
    """Answer a missing or wrong CSRF token on a cookie session with a clear 400."""
    return error_response(
        CSRFTokenError(
            _("Invalid or missing CSRF token; send it in the X-Frappe-CSRF-Token header")
        )
    )


def page_not_found(request, exception=None):
    """Answer unknown URLs under /api/ in the API's JSON shape; others as Django does."""
    if request.path.startswith("/api/"):
        message = _("No API endpoint at {path}", path=request.path[:200])
        return error_response(DoesNotExistError(message))
    from django.views.defaults import page_not_found as default_page_not_found

    return default_page_not_found(request, exception)
