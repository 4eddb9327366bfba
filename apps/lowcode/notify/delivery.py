"""Outbound HTTP delivery shared by webhooks and group robots: signed, logged, retried.

A *target* names what to deliver to — ``{"kind": "webhook", "name": ...}`` or
``{"kind": "robot", "name": ...}`` — and is resolved at every attempt, so a
secret never travels through the queue and DingTalk's timestamp is fresh.
Every attempt writes one "Webhook Request Log". Retries back off: on RQ
through rq's ``Retry`` (scheduled by the worker), inline through a short,
bounded synchronous loop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model

REQUEST_LOG = "Webhook Request Log"
ALLOWED_SCHEMES = ("http", "https")
TIMEOUT_SECONDS = 10
RESPONSE_EXCERPT = 2000
# Back-off between attempts (seconds). RQ waits in its scheduler, so longer waits cost
# nothing; inline mode blocks the caller's process, so its waits stay short and few.
RQ_RETRY_INTERVALS: tuple[float, ...] = (10, 60, 300, 1800, 7200)
INLINE_RETRY_INTERVALS = (0.5, 1.0, 2.0)
# Inline delivery runs in the process that saved (right after its commit), so a dead
# receiver must not hold it for long: at most this many attempts, whatever the record says.
INLINE_MAX_ATTEMPTS = 3


class DeliveryError(Exception):
    """One attempt failed; RQ retries the job when it sees this."""


@dataclass
class Request:
    """What one attempt sends."""

    url: str
    method: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    status_code: int | None = None
    response: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.status_code is not None and 200 <= self.status_code < 300


def url_allowed(url: str) -> bool:
    """Return whether ``url`` is an absolute http(s) URL (no file:, ftp:, gopher: ...)."""
    parsed = urllib.parse.urlsplit(url or "")
    return parsed.scheme in ALLOWED_SCHEMES and bool(parsed.netloc)


def sign_body(secret: str, body: bytes) -> str:
    """Frappe's webhook signature: base64 of HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature (before URL-encoding): base64(HMAC-SHA256(secret, ts\\nsecret))."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()).decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead anywhere, including internal addresses; report it instead.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def send_request(request: Request) -> Outcome:
    """Send one HTTP request with a timeout; never raise for network or HTTP errors."""
    if not url_allowed(request.url):
        return Outcome(error=f"URL scheme not allowed: {request.url[:200]}")
    http_request = urllib.request.Request(  # noqa: S310 - scheme checked above
        request.url, data=request.body, method=request.method, headers=request.headers
    )
    try:
        with _OPENER.open(http_request, timeout=TIMEOUT_SECONDS) as response:
            text = response.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
            return Outcome(status_code=response.status, response=text)
    except urllib.error.HTTPError as exc:
        text = exc.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
        return Outcome(status_code=exc.code, response=text, error=f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Outcome(error=f"{type(exc).__name__}: {exc}"[:RESPONSE_EXCERPT])


def robot_error(response: str) -> str:
    """Return the robot API's error: WeCom and DingTalk answer HTTP 200 with a non-zero errcode."""
    try:
        answer = json.loads(response)
    except ValueError:
        return ""
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0):
        return f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:RESPONSE_EXCERPT]
    return ""


def build_request(target: dict, body: str) -> Request | None:
    """Resolve ``target`` into the request of one attempt; None when it is gone or disabled."""
    payload = body.encode()
    if target["kind"] == "webhook":
        webhook = get_model("Webhook").objects.filter(name=target["name"], enabled=1).first()
        if webhook is None:
            return None
        headers = {
            "Content-Type": "application/json",
            "X-KuaiCRM-Event": target.get("event", ""),
        }
        if webhook.webhook_secret:
            headers["X-Frappe-Webhook-Signature"] = sign_body(webhook.webhook_secret, payload)
        return Request(webhook.request_url, webhook.request_method or "POST", payload, headers)
    channel = get_model("Robot Channel").objects.filter(name=target["name"], enabled=1).first()
    if channel is None:
        return None
    url = channel.webhook_url
    if channel.platform == "dingtalk" and channel.secret:
        timestamp = int(time.time() * 1000)
        query = urllib.parse.urlencode(
            {"timestamp": timestamp, "sign": dingtalk_sign(channel.secret, timestamp)}
        )
        url = f"{url}{'&' if '?' in url else '?'}{query}"
    headers = {"Content-Type": "application/json", "X-KuaiCRM-Event": "robot_message"}
    return Request(url, "POST", payload, headers)


def _max_attempts(target: dict) -> int:
    doctype = "Webhook" if target["kind"] == "webhook" else "Robot Channel"
    value = (
        get_model(doctype)
        .objects.filter(name=target["name"])
        .values_list("max_attempts", flat=True)
    )
    return max(1, min(int(value.first() or 1), 10))


def _intervals(inline: bool) -> tuple[float, ...]:
    name = "LOWCODE_WEBHOOK_INLINE_INTERVALS" if inline else "LOWCODE_WEBHOOK_RETRY_INTERVALS"
    return tuple(getattr(settings, name, INLINE_RETRY_INTERVALS if inline else RQ_RETRY_INTERVALS))


def _interval(intervals: tuple[float, ...], attempt: int) -> float:
    return float(intervals[min(attempt - 1, len(intervals) - 1)]) if intervals else 0.0


def attempt_delivery(
    target: dict, body: str, attempt: int, max_attempts: int, reference: dict, *, inline: bool
) -> bool:
    """Make one attempt and log it; return whether it succeeded."""
    request = build_request(target, body)
    if request is None:
        return True  # disabled or deleted since the event: nothing left to deliver
    outcome = send_request(request)
    if target["kind"] == "robot" and outcome.ok:
        outcome.error = robot_error(outcome.response)
    last = attempt >= max_attempts
    status = "Success" if outcome.ok else ("Failed" if last else "Retrying")
    next_retry = None
    if status == "Retrying":
        wait = _interval(_intervals(inline), attempt)
        next_retry = timezone.now() + timedelta(seconds=wait)
    do_insert_doc(
        "Administrator",
        REQUEST_LOG,
        {
            "webhook": target["name"] if target["kind"] == "webhook" else None,
            "robot_channel": target["name"] if target["kind"] == "robot" else None,
            "reference_doctype": reference.get("doctype"),
            "reference_name": reference.get("name"),
            # The query string may carry DingTalk's signature; the base URL is enough to audit.
            "url": request.url.split("?", 1)[0][:500],
            "request_body": body,
            "status": status,
            "status_code": outcome.status_code,
            "response": outcome.response,
            "attempt": attempt,
            "error": outcome.error or None,
            "next_retry": next_retry,
        },
        ignore_permissions=True,
    )
    return outcome.ok


def deliver(target: dict, body: str, reference: dict | None = None) -> None:
    """Deliver ``body`` to ``target`` (a job): inline with a bounded loop, or on RQ with Retry."""
    reference = reference or {}
    max_attempts = _max_attempts(target)
    if settings.LOWCODE_JOBS_INLINE:
        intervals = _intervals(inline=True)
        cap = getattr(settings, "LOWCODE_WEBHOOK_INLINE_MAX_ATTEMPTS", INLINE_MAX_ATTEMPTS)
        max_attempts = min(max_attempts, int(cap))
        for attempt in range(1, max_attempts + 1):
            if attempt_delivery(target, body, attempt, max_attempts, reference, inline=True):
                return
            if attempt < max_attempts:
                time.sleep(_interval(intervals, attempt))
        return
    import django_rq
    from rq import Retry

    from lowcode.jobs import run_job

    kwargs = {"target": target, "body": body, "reference": reference, "max_attempts": max_attempts}
    retry = (
        Retry(
            max=max_attempts - 1,
            interval=[int(s) for s in _intervals(inline=False)][: max_attempts - 1],
        )
        if max_attempts > 1
        else None
    )
    django_rq.get_queue("default").enqueue(
        run_job, "lowcode.notify.delivery.run_rq_attempt", kwargs, retry=retry
    )


def run_rq_attempt(target: dict, body: str, reference: dict, max_attempts: int) -> None:
    """One attempt as an RQ job; raising makes rq schedule the next one."""
    from rq import get_current_job

    job = get_current_job()
    # rq decrements retries_left before each re-run, so it tells which attempt this is.
    if job is None or job.retries_left is None:
        attempt = 1
    else:
        attempt = max(1, max_attempts - job.retries_left)
    if not attempt_delivery(target, body, attempt, max_attempts, reference, inline=False):
        raise DeliveryError(json.dumps(target))
