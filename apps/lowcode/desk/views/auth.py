"""Log in, log out and the language switch."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lowcode.api.methods import login as api_login
from lowcode.api.middleware import LANGUAGE_COOKIE
from lowcode.desk.views.common import request_user
from lowcode.exceptions import AuthenticationError, TooManyRequestsError

ONE_YEAR = 365 * 24 * 3600


def _safe_next(request: HttpRequest, target: str | None, default: str = "/app") -> str:
    if (
        target
        and url_has_allowed_host_and_scheme(target, {request.get_host()})
        and target.startswith("/")
    ):
        return target
    return default


def login_page(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.GET.get("next") or request.POST.get("next"))
    if request.method == "GET":
        if request_user(request) != "Guest":
            return HttpResponseRedirect(next_url)
        return render(request, "desk/login.html", {"next": next_url})
    usr = request.POST.get("usr", "")
    try:
        api_login(request, "Guest", usr=usr, pwd=request.POST.get("pwd", ""))
    except (AuthenticationError, TooManyRequestsError) as exc:
        context = {"next": next_url, "usr": usr, "error": str(exc)}
        return render(request, "desk/login.html", context, status=exc.http_status)
    return HttpResponseRedirect(next_url)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import logout

    logout(request)
    return HttpResponseRedirect("/login")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Remember the user's language in a cookie (the LanguageMiddleware reads it)."""
    lang = "en" if request.POST.get("lang") == "en" else "zh"
    response = HttpResponseRedirect(_safe_next(request, request.POST.get("next")))
    response.set_cookie(
        LANGUAGE_COOKIE, lang, max_age=ONE_YEAR, samesite="Lax", secure=settings.LOWCODE_HTTPS
    )
    return response
