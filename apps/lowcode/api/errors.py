"""Render errors as Frappe does: ``exc_type``, ``_server_messages`` and Frappe's HTTP codes."""

from __future__ import annotations

import json

from django.http import JsonResponse

from lowcode.exceptions import CSRFTokenError, FrappeError, TooManyRequestsError
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
