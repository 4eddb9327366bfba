"""A DocType made at run time is live on every server process at once, without a restart.

Two real gunicorn servers (separate processes, each with its own metadata and model caches)
serve one throw-away site — SQLite, or a fresh MariaDB database when the tests run on
MariaDB. Each change is made through server A and used at once through server B.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.lowcode.jobs.test_scheduler_processes import (
    REPO,
    Site,
    _mariadb_config,
    free_port,
    wait_for,
)

pytestmark = pytest.mark.slow

GUNICORN = Path(sys.executable).with_name("gunicorn")


class Server:
    """One gunicorn process serving the site on its own port."""

    def __init__(self, site: Site, log: Path):
        self.port = free_port()
        handle = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [
                str(GUNICORN),
                "lowcode.conf.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
            ],
            env=site.env(),
            cwd=REPO,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        self.token = ""
        wait_for(self._up, timeout=60, what=f"gunicorn on port {self.port}")

    def _up(self) -> bool:
        try:
            return self.call("GET", "/api/method/ping")[0] == 200
        except OSError:
            return False

    def call(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict]:
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=body, method=method
        )
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = Site(tmp_path_factory.mktemp("sites"))
    mariadb = settings.DATABASES["default"]["ENGINE"].endswith("mysql")
    if mariadb:
        db = _mariadb_config()
        site.run(
            "new-site",
            site.name,
            "--db-type",
            "mariadb",
            *("--db-name", db["db_name"], "--db-host", db["db_host"]),
            *("--db-port", str(db["db_port"]), "--db-user", db["db_user"]),
            *("--db-password", db["db_password"]),
        )
    else:
        site.run("new-site", site.name)
    yield site
    if mariadb:
        site.sql(f"DROP DATABASE `{site.config()['db_name']}`")


def test_a_doctype_made_on_one_process_is_used_on_another_at_once(site, tmp_path):
    output = site.run("api-key", "Administrator").stdout
    token = output.rsplit("token ", 1)[1].strip()
    a, b = Server(site, tmp_path / "a.log"), Server(site, tmp_path / "b.log")
    try:
        a.token = b.token = token
        # B has loaded its metadata before the DocType exists
        assert b.call("GET", "/api/resource/Book")[0] == 404

        status, body = a.call(
            "POST",
            "/api/resource/DocType",
            {
                "name": "Book",
                "fields": [
                    {"fieldname": "title", "fieldtype": "Data", "label": "Title", "reqd": 1},
                    {"fieldname": "pages", "fieldtype": "Int", "label": "Pages"},
                ],
                "permissions": [
                    {"role": "System Manager", "read": 1, "write": 1, "create": 1, "delete": 1}
                ],
            },
        )
        assert status == 200, body
        status, body = b.call("POST", "/api/resource/Book", {"title": "三体", "pages": 302})
        assert status == 200, body
        name = body["data"]["name"]
        assert b.call("GET", '/api/resource/Book?fields=["title","pages"]')[1]["data"] == [
            {"title": "三体", "pages": 302}
        ]
        assert b.call("GET", f"/api/resource/Book/{name}")[1]["data"]["pages"] == 302
        paths = b.call("GET", "/api/openapi.json")[1]["paths"]
        assert any("/api/resource/Book" in path for path in paths)

        # a field added through A is written and read through B
        rows = a.call("GET", "/api/resource/DocType/Book")[1]["data"]["fields"]
        status, body = a.call(
            "PUT",
            "/api/resource/DocType/Book",
            {
                "fields": [*rows, {"fieldname": "isbn", "fieldtype": "Data", "label": "ISBN"}],
            },
        )
        assert status == 200, body
        status, body = b.call("PUT", f"/api/resource/Book/{name}", {"isbn": "978-7-5366"})
        assert status == 200, body
        assert b.call("GET", f"/api/resource/Book/{name}")[1]["data"]["isbn"] == "978-7-5366"

        # a field renamed through A keeps its data, read through B under the new name
        rows = a.call("GET", "/api/resource/DocType/Book")[1]["data"]["fields"]
        for row in rows:
            if row["fieldname"] == "pages":
                row["fieldname"] = "page_count"
        status, body = a.call("PUT", "/api/resource/DocType/Book", {"fields": rows})
        assert status == 200, body
        got = b.call("GET", f"/api/resource/Book/{name}")[1]["data"]
        assert got["page_count"] == 302 and "pages" not in got

        # `kuaicrm migrate` neither drops nor touches the runtime table
        site.run("migrate")
        assert b.call("GET", f"/api/resource/Book/{name}")[1]["data"]["page_count"] == 302

        # deleted through A: gone on B
        assert a.call("DELETE", "/api/resource/DocType/Book")[0] == 202
        assert b.call("GET", "/api/resource/Book")[0] == 404
    finally:
        a.stop()
        b.stop()
