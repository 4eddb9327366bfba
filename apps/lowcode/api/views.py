"""REST v1 in Frappe's contract: parse, call the library or an action, render.

``/api/resource/<DocType>[/<name>]`` and ``/api/method/<dotted.name>``;
answers ``{"data": …}`` and ``{"message": …}``; errors per ``errors.py``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from lowcode.api.errors import error_response
from lowcode.documents import actions
from lowcode.exceptions import AuthenticationError, DataError, FrappeError, RequestTooLargeError
from lowcode.hooks_loader import get_hooks, resolve
from lowcode.i18n import _
from lowcode.meta.registry import DoesNotExist
from lowcode.query import reads
from lowcode.query.builder import check_text

MAX_JSON_DEPTH = 20


def ok(payload: Any, key: str = "data", status: int = 200) -> JsonResponse:
    return JsonResponse(
        {key: payload}, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )


def with_messages(response: JsonResponse, doc) -> JsonResponse:
    """Add Frappe's ``_server_messages`` when a hook left warnings on the document.

    Hooks append plain strings to ``doc.__dict__["server_messages"]`` (a saved-with-warning
    outcome, e.g. a possible duplicate); Frappe's shape is a JSON list of JSON objects.
    """
    messages = doc.__dict__.get("server_messages") or []
    if not messages:
        return response
    body = json.loads(response.content)
    body["_server_messages"] = json.dumps(
        [json.dumps({"message": m, "indicator": "orange"}, ensure_ascii=False) for m in messages],
        ensure_ascii=False,
    )
    return JsonResponse(
        body, status=response.status_code, json_dumps_params={"ensure_ascii": False}
    )


def _depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    stack, deepest = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def request_params(request: HttpRequest) -> dict[str, Any]:
    """Merge query string, form fields and a JSON body, as Frappe's form_dict does."""
    params: dict[str, Any] = {
        key: request.GET.get(key) for key in request.GET if not key.startswith("_")
    }
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        content_type = request.content_type or ""
        if content_type.startswith("multipart/"):
            # Uploads stream to disk; reading request.body would load them into memory.
            params.update({key: request.POST.get(key) for key in request.POST})
            return params
        try:
            body = request.body
        except RequestDataTooBig:
            raise RequestTooLargeError(_("Request body too large")) from None
        if "json" in content_type or (body[:1] in (b"{", b"[") and "form" not in content_type):
            if body.strip():
                try:
                    data = json.loads(body)
                except (ValueError, UnicodeDecodeError):
                    raise DataError(_("Request body is not valid JSON")) from None
                except RecursionError:  # thousands of brackets exhaust the decoder's stack
                    raise DataError(_("Request body is nested too deeply")) from None
                if not isinstance(data, dict):
                    raise DataError(_("Request body must be a JSON object"))
                if _depth(data) > MAX_JSON_DEPTH:
                    raise DataError(_("Request body is nested too deeply"))
                params.update(check_text(data, _("Request body")))
        else:
            params.update({key: request.POST.get(key) for key in request.POST})
    return params


def _document_payload(params: dict) -> dict:
    """Frappe accepts the document as the body or as a JSON string in ``data``."""
    data = params.get("data", params)
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            raise DataError(_("data must be a JSON object")) from None
        check_text(data, "data")
    if not isinstance(data, dict):
        raise DataError(_("data must be a JSON object"))
    return data


def handle_errors(view):
    """Turn engine errors into Frappe-shaped responses; roll back on any of them."""

    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except FrappeError as exc:
            return error_response(exc)
        except DoesNotExist as exc:
            from lowcode.exceptions import DoesNotExistError

            return error_response(
                DoesNotExistError(_("DocType {doctype} not found", doctype=str(exc)))
            )

    wrapper.__name__ = view.__name__
    return wrapper


def require_login(request: HttpRequest) -> str:
    user: str = getattr(request, "frappe_user", "Guest")
    if user == "Guest":
        raise AuthenticationError(_("Not logged in"))
    return user


@handle_errors
def resource_list(request: HttpRequest, doctype: str):
    user = require_login(request)
    if request.method == "GET":
        params = request_params(request)
        as_dict = str(params.get("as_dict", "1")).lower() not in ("0", "false")
        rows = reads.get_list(
            user,
            doctype,
            fields=params.get("fields"),
            filters=params.get("filters"),
            or_filters=params.get("or_filters"),
            order_by=params.get("order_by"),
            limit_start=params.get("limit_start"),
            limit=params.get("limit_page_length", params.get("limit")),
            as_list=not as_dict,
        )
        return ok(rows)
    if request.method == "POST":
        data = _document_payload(request_params(request))
        doc = actions.do_insert_doc(user, doctype, data)
        return with_messages(ok(reads.doc_to_dict(user, doc)), doc)
    return error_response(DataError(_("Method {method} not allowed", method=request.method)))


@handle_errors
def resource_doc(request: HttpRequest, doctype: str, name: str):
    user = require_login(request)
    if request.method == "GET":
        return ok(reads.get_doc(user, doctype, name))
    if request.method == "PUT":
        data = _document_payload(request_params(request))
        doc = actions.do_update_doc(user, doctype, name, data)
        return with_messages(ok(reads.doc_to_dict(user, doc)), doc)
    if request.method == "DELETE":
        actions.do_delete_doc(user, doctype, name)
        return ok("ok", key="message", status=202)
    return error_response(DataError(_("Method {method} not allowed", method=request.method)))


def _no_response(request: HttpRequest) -> HttpResponse:
    raise AssertionError("only process_view is used")  # pragma: no cover


@handle_errors
def serve_file(request: HttpRequest, path: str, private: bool = False):
    """Serve an attachment; private ones only to users who may read it (else 404)."""
    from lowcode.files import PRIVATE_PREFIX, PUBLIC_PREFIX, file_response, readable_file_path

    user = getattr(request, "frappe_user", "Guest")
    if private:
        require_login(request)
    url = (PRIVATE_PREFIX if private else PUBLIC_PREFIX) + path
    stored_path, file_doc = readable_file_path(user, url)
    return file_response(stored_path, file_doc.get("file_name") or path, private=private)


def _fallback_method(method_name: str):
    """Ask the ``method_fallbacks`` hooks (dotted paths of ``f(name) -> callable | None``).

    Serves methods defined as data (API server scripts); the first callable found wins and
    is called like a whitelisted method, ``allow_guest`` attribute included.
    """
    for path in get_hooks("method_fallbacks") or []:
        function = resolve(path)(method_name)
        if function is not None:
            return function
    return None


def resolve_method(method_name: str):
    """The callable served as ``/api/method/<method_name>``, or None."""
    methods = get_hooks("whitelisted_methods") or {}
    path = methods.get(method_name)
    return resolve(path) if path is not None else _fallback_method(method_name)


def call_method(request: HttpRequest, user: str, method_name: str, params: dict[str, Any]) -> Any:
    """Call a whitelisted method as ``user`` in one transaction.

    The one dispatch for ``/api/method/`` and the desk's form actions: the same lookup, the
    guest and POST-only rules, and bad arguments answered as a DataError naming the method.
    CSRF is the caller's business (the API checks it below, the desk's middleware does).
    """
    function = resolve_method(method_name)
    if function is None:
        from lowcode.exceptions import DoesNotExistError

        raise DoesNotExistError(_("Method {method} not found", method=method_name))
    if user == "Guest" and not getattr(function, "allow_guest", False):
        raise AuthenticationError(_("Not logged in"))
    params = dict(params)
    params.pop("cmd", None)
    if "user" in params:
        # Frappe methods take a ``user`` argument (generate_keys(user)); ours receive the
        # caller as ``user``, so the client's value arrives as ``user_name``.
        params.setdefault("user_name", params.pop("user"))
    if getattr(function, "writes", False) and request.method == "GET":
        raise DataError(_("{method} must be called with POST", method=method_name))
    try:
        if getattr(function, "own_transaction", False):
            # One action that opens its own transaction; a DocType's schema change must not
            # run inside an open one (MariaDB would commit it half-way).
            return function(request, user, **params)
        with transaction.atomic():
            return function(request, user, **params)
    except TypeError as exc:
        if "argument" not in str(exc):
            raise
        raise DataError(
            _(
                "Bad arguments for {method}: {error}",
                method=method_name,
                error=str(exc).split(")", 1)[-1].strip(),
            )
        ) from None


def _csrf_token_valid(request: HttpRequest) -> bool:
    """Whether the request carries the session's CSRF token (any method, GET included).

    Django checks the token only on unsafe methods; its own check (cookie, masking, header) is
    reused rather than copied. It is private, hence untyped in django-stubs; tests in
    tests/lowcode/scripts/test_api_scripts.py fail if an upgrade changes it.
    """
    from django.middleware.csrf import CsrfViewMiddleware, RejectRequest

    try:
        CsrfViewMiddleware(_no_response)._check_token(request)  # type: ignore[attr-defined]
    except RejectRequest:
        return False
    return True


@csrf_exempt
@handle_errors
def method(request: HttpRequest, method_name: str):
    """Call a whitelisted method; CSRF applies to cookie-session writes except login."""
    from django.middleware.csrf import CsrfViewMiddleware

    function = resolve_method(method_name)
    if function is None:
        from lowcode.exceptions import DoesNotExistError

        raise DoesNotExistError(_("Method {method} not found", method=method_name))
    public = getattr(function, "allow_guest", False)
    # A guest-allowed method still runs as the cookie's user when one is logged in, so the
    # cookie session's writes are checked like any other; only login is exempt (it starts
    # the session, and Frappe clients post it before they hold a token).
    session_user = getattr(request, "frappe_user", "Guest") != "Guest"
    if (
        request.method not in ("GET", "HEAD", "OPTIONS")
        and (not public or (session_user and not getattr(function, "csrf_exempt", False)))
        and not getattr(request, "token_auth", False)
    ):
        # Check against a non-exempt callback: ``method`` itself is csrf_exempt, and
        # process_view would wave every request through.
        rejected = CsrfViewMiddleware(_no_response).process_view(request, _no_response, (), {})
        if rejected is not None:
            return rejected
    user = getattr(request, "frappe_user", "Guest")
    if user == "Guest" and not public:
        raise AuthenticationError(_("Not logged in"))  # before reading a guest's body
    if (
        public
        and session_user
        and request.method in ("GET", "HEAD", "OPTIONS")
        and not getattr(request, "token_auth", False)
        and not _csrf_token_valid(request)
    ):
        # A link or an image on another site makes the browser GET this with its cookie:
        # without the page's token, a guest-allowed method (an API script) runs as Guest.
        user = "Guest"
    result = call_method(request, user, method_name, request_params(request))
    if isinstance(result, HttpResponseBase):  # JSON, or a file such as a report export
        return result
    return ok(result, key="message")
