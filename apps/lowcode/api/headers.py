"""Response hardening: no framing by other sites, HSTS when the site is served over HTTPS."""

from __future__ import annotations

from django.conf import settings

HSTS_SECONDS = 365 * 24 * 3600


class SecurityHeadersMiddleware:
    """Forbid framing of every page (clickjacking) and pin HTTPS when the site uses it.

    ``X-Frame-Options`` for older browsers, CSP ``frame-ancestors`` for current ones; the desk
    frames nothing of its own, so DENY costs nothing. HSTS is sent only when the site config
    says the site is served over HTTPS (``https`` or an ``https://`` ``host_name``): behind a
    TLS-terminating proxy Django sees plain HTTP, so ``request.is_secure()`` cannot decide.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        # A view that sets its own policy keeps it as it is (served files: ``sandbox``);
        # X-Frame-Options still forbids framing them.
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if settings.LOWCODE_HTTPS:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={HSTS_SECONDS}; includeSubDomains"
            )
        return response
