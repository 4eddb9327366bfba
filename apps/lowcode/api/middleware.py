"""Request plumbing: size limit, language, token auth, per-request caches."""

from __future__ import annotations

import base64
import binascii
import json

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils import translation

from lowcode import context
from lowcode.api.errors import error_response, is_outage, outage_response
from lowcode.exceptions import AuthenticationError, PermissionError, RequestTooLargeError
from lowcode.i18n import _
from lowcode.meta import registry


class RequestSizeMiddleware:
    """Refuse bodies larger than the site's limit before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = (
            settings.LOWCODE_MAX_UPLOAD_BYTES + 64 * 1024  # room for the multipart envelope
            if request.path == "/api/method/upload_file"
            else settings.LOWCODE_MAX_BODY_BYTES
        )
        if length > limit:
            return error_response(
                RequestTooLargeError(
                    _("Request body too large: at most {limit} bytes", limit=limit)
                )
            )
        return self.get_response(request)


class ServiceOutageMiddleware:
    """Answer 503 + Retry-After, never Django's HTML 500, when the database or Redis is down.

    This catches what a view raises; what a middleware raises (the session read, the
    metadata generation check) reaches ``handler500`` = ``errors.server_error``, which
    answers the same way. Connections are opened per request, so the site recovers on its
    own once the service is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            return outage_response(request, exception)
        return None


LANGUAGE_COOKIE = "lang"


class LanguageMiddleware:
    """zh-CN unless the request asks for English (``_lang=en`` or Accept-Language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The desk is Chinese first: a browser's Accept-Language (often en-US on office PCs)
        # does not switch it; the user's choice (the ``lang`` cookie, set by the language
        # switch) does. API clients keep Frappe's behaviour and may ask with the header.
        wanted = (
            request.GET.get("_lang")
            or request.headers.get("X-Language")
            or request.COOKIES.get(LANGUAGE_COOKIE)
            or (
                request.headers.get("Accept-Language", "")
                if request.path.startswith("/api/")
                else ""
            )
        )
        language = "en" if wanted.lower().startswith("en") else "zh-hans"
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", "en" if language == "en" else "zh-CN")
        return response


def _token_credentials(header: str) -> tuple[str, str] | None:
    scheme, _sep, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "token":
        key, sep, secret = value.strip().partition(":")
        return (key, secret) if sep else ("", "")
    if scheme == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ("", "")
        key, sep, secret = decoded.partition(":")
        return (key, secret) if sep else ("", "")
    return None


class TokenAuthMiddleware:
    """``Authorization: token <key>:<secret>`` (or Basic) authenticates the request.

    Token requests carry no cookie session, so CSRF does not apply to them.
    A bad or revoked token is refused outright, never downgraded to Guest.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization")
        if header:
            credentials = _token_credentials(header)
            if credentials is not None:
                from lowcode.users import user_for_token

                user = user_for_token(*credentials) if all(credentials) else None
                if user is None:
                    return error_response(AuthenticationError(_("Invalid or revoked API key")))
                request.user = user
                request.token_auth = True
                request._dont_enforce_csrf_checks = True
        return self.get_response(request)


class MetaFreshnessMiddleware:
    """Start each request with fresh per-request caches and current customisations."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context.reset()
        registry.refresh()
        user = getattr(request, "user", None) or AnonymousUser()
        request.frappe_user = user.username if user.is_authenticated else "Guest"
        return self.get_response(request)


def _is_page_request(request) -> bool:
    """Whether the browser navigates (a plain form post) rather than HTMX or a script's fetch."""
    return not request.headers.get("HX-Request") and "text/html" in request.headers.get(
        "Accept", ""
    )


class ViewAsMiddleware:
    """A System Manager viewing the desk as someone reads as them and writes nothing.

    After MetaFreshnessMiddleware (which resolves the session's user): ``frappe_user``
    becomes the viewed user, ``real_user`` keeps the System Manager. Any request that could
    write (every method but GET/HEAD/OPTIONS) is refused, API and desk alike, except ending
    the view and logging out. Token requests carry no session, so they never view as.
    """

    SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        real = request.frappe_user
        if real == "Guest" or getattr(request, "token_auth", False) or not session:
            return self.get_response(request)
        from lowcode.admin import view_as

        target = view_as.viewed_user(real, session)
        if target is None:
            return self.get_response(request)
        request.real_user, request.viewing_as, request.frappe_user = real, target, target
        if request.method == "POST" and request.path in view_as.LOGOUT_PATHS:
            # Logging out ends the view too; the audit trail says so.
            view_as.do_end_view_as(real, session, request.META.get("REMOTE_ADDR", ""))
            request.frappe_user = real
        if request.method not in self.SAFE_METHODS and request.path not in view_as.ALLOWED_WRITES:
            message = _(
                "You are viewing the desk as {user}: nothing can be changed until you stop",
                user=target,
            )
            if not request.path.startswith("/api/") and _is_page_request(request):
                # A desk form posted by the browser itself (no HTMX, no fetch): a 403 page
                # that says why, with the banner's "stop viewing" (handler403).
                raise DjangoPermissionDenied(message)
            response = error_response(PermissionError(message))
            # The desk's HTMX shows the refusal as a red toast and swaps nothing.
            response["HX-Reswap"] = "none"
            response["HX-Trigger"] = json.dumps(
                {"desk:toast": {"message": message, "colour": "red"}}
            )
            return response
        return self.get_response(request)
