"""Fixtures of the notify tests: real HTTP receivers on 127.0.0.1 and inline jobs."""

from __future__ import annotations

import threading
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
    """A running HTTP server that records requests and fails the first ``fail_first``."""

    server: ThreadingHTTPServer
    fail_first: int = 0
    reply: bytes = b'{"errcode": 0, "errmsg": "ok"}'
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

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
            status, text = (500, b"boom") if failing else (200, receiver.reply)
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

    def start(fail_first: int = 0, reply: bytes | None = None) -> Receiver:
        box: list = []
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
        box.append(Receiver(server, fail_first))
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
