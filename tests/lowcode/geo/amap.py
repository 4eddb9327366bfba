"""A real local HTTP server speaking AMap's reverse-geocoding web API (``/v3/geocode/regeo``).

It answers as restapi.amap.com does: status "1" with ``regeocode.formatted_address`` for the
key it was given, status "0" with AMap's reason otherwise. ``mode`` makes it misbehave:
``"error"`` (DAILY_QUERY_OVER_LIMIT), ``"http500"``, ``"not-json"`` or ``"hang"`` (no answer
until the test ends, so the client's timeout is what ends the wait). Every request's query is
kept in ``requests`` for the test to read.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

KEY = "test-amap-key-0123456789"
ADDRESS = "江苏省苏州市苏州工业园区星湖街328号"


class AMapStub:
    def __init__(self) -> None:
        self.mode = "ok"
        self.address = ADDRESS
        self.requests: list[dict[str, str]] = []
        self.release = threading.Event()
        self.url = ""


@contextmanager
def amap_server():
    """Serve AMapStub on 127.0.0.1 (a free port) for the duration of the block."""
    stub = AMapStub()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output clean
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            stub.requests.append({"path": parts.path, **query})
            if stub.mode == "hang":
                stub.release.wait(30)
                return
            if stub.mode == "http500":
                self.send_error(500)
                return
            if parts.path != "/v3/geocode/regeo":
                self.send_error(404)
                return
            if stub.mode == "not-json":
                body = b"<html>gateway</html>"
            elif query.get("key") != KEY:
                body = _json({"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"})
            elif stub.mode == "error":
                body = _json({"status": "0", "info": "DAILY_QUERY_OVER_LIMIT", "infocode": "10003"})
            else:
                body = _json(
                    {
                        "status": "1",
                        "info": "OK",
                        "infocode": "10000",
                        "regeocode": {
                            "formatted_address": stub.address,
                            "addressComponent": {"city": "苏州市", "district": "苏州工业园区"},
                        },
                    }
                )
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield stub
    finally:
        stub.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def _json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def configure(url: str, key: str = KEY, timeout: float = 2.0) -> None:
    """Turn geocoding on in System Settings (as a System Manager saves it)."""
    from lowcode.documents.actions import do_insert_doc, do_save_doc
    from lowcode.meta import registry
    from lowcode.storage.factory import get_model

    values = {
        "geocoding_provider": "AMap",
        "geocoding_key": key,
        "geocoding_url": url,
        "geocoding_timeout": timeout,
    }
    name = "System Settings"
    if get_model(name).objects.filter(name=name).exists():
        do_save_doc("Administrator", name, name, values)
    else:
        do_insert_doc("Administrator", name, values)
    registry.clear_local_cache()
