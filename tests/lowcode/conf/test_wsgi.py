"""The web's own database connections: what a long-running web worker keeps in memory."""

from __future__ import annotations

import io
import sys
import threading

import pytest
from django.db import connection, connections


def serve_and_read_page_cache(path: str) -> tuple[str, int]:
    """In a new thread (as a gunicorn thread is), serve ``path`` and read its page cache."""
    from lowcode.conf.wsgi import application

    result: dict = {}

    def run() -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        try:
            body = b"".join(
                application(environ, lambda status, headers: result.update(status=status))
            )
            result["body"] = body
            with connections["default"].cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                result["cache_size"] = cursor.fetchone()[0]
        finally:
            connections["default"].close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    return result["status"], result["cache_size"]


@pytest.mark.django_db(transaction=True)
def test_a_web_thread_s_sqlite_connection_keeps_a_small_page_cache(settings):
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite page cache")
    status, web_cache = serve_and_read_page_cache("/api/")

    assert status.startswith("200")
    # not the site's sqlite_cache_mb (64 MB) that imports and the rule engine use
    assert web_cache == -settings.LOWCODE_SQLITE_WEB_CACHE_MB * 1024
