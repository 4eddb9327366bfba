"""Render errors as Frappe does: ``exc_type``, ``_server_messages`` and Frappe's HTTP codes."""

from __future__ import annotations

import json
import logging
import sys

from django.http import HttpRequest, HttpResponse, JsonResponse

from lowcode.exceptions import (
    CSRFTokenError,
    DoesNotExistError,
    FrappeError,
    PermissionError,
    ServiceUnavailableError,
    TooManyRequestsError,
)
from lowcode.i18n import _

logger = logging.getLogger(__name__)

# Seconds a client should wait before trying again while the database or Redis is down.
OUTAGE_RETRY_AFTER = 30
# MySQL/MariaDB client and server codes that mean "cannot reach or use the server now"
# (too many connections, shutting down, lock wait timeout, deadlock, cannot connect, gone
# away, lost connection), as opposed to errors in the SQL itself, which stay 500s.
MYSQL_OUTAGE_CODES = frozenset({1040, 1053, 1205, 1213, 2002, 2003, 2005, 2006, 2013, 2055})
# SQLite's OperationalError also reports bad SQL ("no such column"); only these are outages.
SQLITE_OUTAGE_MESSAGES = ("unable to open database", "database is locked", "disk i/o error")


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
    if isinstance(exc, TooManyRequestsError | ServiceUnavailableError):
        response["Retry-After"] = str(exc.retry_after)
    return response


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) means the database or Redis is unreachable now."""
    from django.db import InterfaceError, OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        if isinstance(current, RedisConnectionError | RedisTimeoutError | InterfaceError):
            return True
        if isinstance(current, OperationalError):
            code = current.args[0] if current.args else None
            if isinstance(code, int):
                return code in MYSQL_OUTAGE_CODES
            return str(current).lower().startswith(SQLITE_OUTAGE_MESSAGES)
        current, seen = current.__cause__ or current.__context__, seen + 1
    return False


def outage_message() -> str:
    return _("The service is temporarily unavailable (database or job queue); try again shortly")


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """Answer an outage with 503 + Retry-After: JSON for the API, a plain page for the desk.

    Nothing here touches the database: it is what may be down.
    """
    logger.warning("Service unavailable on %s: %r", request.path, exc)
    if request.path.startswith("/api/") or request.path.startswith("/private/files/"):
        return error_response(ServiceUnavailableError(outage_message(), OUTAGE_RETRY_AFTER))
    from django.template.loader import render_to_string

    if request.headers.get("HX-Request"):
        # An HTMX swap would put a whole page inside a panel; the desk shows a toast instead.
        response = HttpResponse(outage_message(), status=503)
        response["HX-Reswap"] = "none"
        response["HX-Trigger"] = json.dumps(
            {"desk:toast": {"message": outage_message(), "colour": "red"}}
        )
    else:
        page = render_to_string("desk/503.html", {"retry_after": OUTAGE_RETRY_AFTER})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an outage raised outside a view (a middleware's query) answers 503."""
    exc = sys.exc_info()[1]
    if exc is not None and is_outage(exc):
        return outage_response(request, exc)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)


def csrf_failure(request, reason: str = "") -> JsonResponse:
    """Answer a missing or wrong CSRF token on a cookie session with a clear 400."""
    return error_response(
        CSRFTokenError(
            _("Invalid or missing CSRF token; send it in the X-Frappe-CSRF-Token header")
        )
    )


def permission_denied(request, exception=None):
    """A refusal raised as Django's PermissionDenied (a plain form post while viewing the desk
    as someone): JSON under /api/, else the desk's 403 page naming the reason."""
    message = str(exception or "") or _("Not permitted")
    if request.path.startswith("/api/"):
        return error_response(PermissionError(message))
    from django.template import TemplateDoesNotExist, loader

    try:
        body = loader.render_to_string(
            "403.html",
            {"exception": message, "read_only": bool(getattr(request, "viewing_as", None))},
            request,
        )
    except TemplateDoesNotExist:  # the desk app provides it
        body = message
    return HttpResponse(body, status=403)


def page_not_found(request, exception=None):
    """Answer unknown URLs under /api/ in the API's JSON shape; others as Django does."""
    if request.path.startswith("/api/"):
        message = _("No API endpoint at {path}", path=request.path[:200])
        return error_response(DoesNotExistError(message))
    from django.views.defaults import page_not_found as default_page_not_found

    return default_page_not_found(request, exception)
