"""Fixtures of the notify tests: real HTTP receivers on 127.0.0.1 and inline jobs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased: HTTP header names are case-insensitive
    body: bytes


@dataclass
class Receiver:
    """A running HTTP server that records requests and fails the first ``fail_first``.

    As a robot API it checks what the platform checks and answers its errcode: WeCom's
    ``key`` in the URL (``wecom_key``), DingTalk's ``timestamp`` + ``sign`` HMAC-SHA256 of
    the secret (``dingtalk_secret``).
    """

    server: ThreadingHTTPServer
    fail_first: int = 0
    reply: bytes = b'{"errcode": 0, "errmsg": "ok"}'
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    wecom_key: str | None = None
    dingtalk_secret: str | None = None

    def refusal(self, path: str) -> bytes | None:
        """The platform's error answer when the request is not authentic, else None."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        if self.wecom_key is not None and query.get("key") != [self.wecom_key]:
            return json.dumps({"errcode": 93000, "errmsg": "invalid webhook url"}).encode()
        if self.dingtalk_secret is not None:
            try:
                timestamp = int(query["timestamp"][0])
                sign = query["sign"][0]
            except (KeyError, ValueError):
                return json.dumps({"errcode": 310000, "errmsg": "sign not match"}).encode()
            secret = self.dingtalk_secret.encode()
            digest = hmac.new(
                secret, f"{timestamp}\n{self.dingtalk_secret}".encode(), hashlib.sha256
            )
            fresh = abs(time.time() * 1000 - timestamp) < 3_600_000  # DingTalk allows an hour
            if not fresh or not hmac.compare_digest(
                sign, base64.b64encode(digest.digest()).decode()
            ):
                return json.dumps({"errcode": 310000, "errmsg": "sign not match"}).encode()
        return None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"


def _handler(receiver_box: list) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            receiver: Receiver = receiver_box[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(
                    Received(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                failing = len(receiver.requests) <= receiver.fail_first
            refusal = receiver.refusal(self.path)
            status, text = (500, b"boom") if failing else (200, refusal or receiver.reply)
            self.send_response(status)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        do_POST = _record
        do_PUT = _record

        def log_message(self, format, *args):
            return

    return Handler


@pytest.fixture
def receiver():
    """``receiver(fail_first=K)`` starts a recording server on a free port of 127.0.0.1."""
    started: list[Receiver] = []

    def start(
        fail_first: int = 0,
        reply: bytes | None = None,
        wecom_key: str | None = None,
        dingtalk_secret: str | None = None,
    ) -> Receiver:
        box: list = []
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
        box.append(
            Receiver(server, fail_first, wecom_key=wecom_key, dingtalk_secret=dingtalk_secret)
        )
        if reply is not None:
            box[0].reply = reply
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(box[0])
        return box[0]

    yield start
    for item in started:
        item.server.shutdown()
        item.server.server_close()


@pytest.fixture
def inline(settings):
    """Jobs run inline after commit; retries wait a few milliseconds."""
    settings.LOWCODE_JOBS_INLINE = True
    settings.LOWCODE_WEBHOOK_INLINE_INTERVALS = (0.01, 0.02, 0.04)
