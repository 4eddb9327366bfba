"""The database or Redis down: 503 + Retry-After in the API's JSON shape, a Chinese desk page.

The failures are real: a database connection opened on a path (SQLite) or a port (MariaDB)
where no database is, and a Redis cache on a closed port. Nothing of ours is patched.
"""

from __future__ import annotations

import json
import socket

import pytest
from django.db import connections
from django.db.utils import load_backend
from django.test import Client

from tests.conftest import PASSWORD


def closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DatabaseDown:
    """Within the block, this thread's default connection points where no database is."""

    def __enter__(self):
        self.original = connections["default"]
        settings_dict = dict(self.original.settings_dict)
        if self.original.vendor == "sqlite":
            settings_dict["NAME"] = "/nonexistent-kuaicrm-dir/db.sqlite3"
        else:
            settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        backend = load_backend(settings_dict["ENGINE"])
        connections["default"] = backend.DatabaseWrapper(settings_dict, "default")
        return self

    def __exit__(self, *exc_info):
        connections["default"].close()
        connections["default"] = self.original


def assert_outage_json(response) -> dict:
    assert response.status_code == 503, response.content.decode()[:300]
    assert response["Content-Type"].startswith("application/json")
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["exc_type"] == "ServiceUnavailableError"
    assert body["message"] == "服务暂时不可用（数据库或任务队列无法连接），请稍后重试"
    (server_message,) = json.loads(body["_server_messages"])
    assert json.loads(server_message)["message"] == body["message"]
    return body


@pytest.mark.django_db(transaction=True)
def test_api_answers_503_json_while_the_database_is_down_and_recovers(api):
    admin = api("Administrator")
    # Django's test client re-raises what reached handler500; a real server answers instead.
    admin.client = Client(raise_request_exception=False)

    with DatabaseDown():
        response = admin.get("/api/resource/Department")
    assert_outage_json(response)

    # then: the database is back and the same process answers again, no restart
    assert admin.get("/api/resource/Department").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_desk_shows_a_chinese_page_while_the_database_is_down(site):
    client = Client(raise_request_exception=False)
    assert client.login(username="Administrator", password=PASSWORD)

    with DatabaseDown():
        response = client.get("/app")

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "服务暂时不可用" in page
    assert "Server Error" not in page
    assert client.get("/app").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_api_answers_503_json_when_redis_is_down(site, settings):
    # given: the site's shared cache (login rate limits) on a Redis that is not there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }

    response = Client().post("/api/method/login", {"usr": "Administrator", "pwd": PASSWORD})

    assert_outage_json(response)


@pytest.mark.django_db
def test_bad_sql_is_not_reported_as_an_outage():
    """SQLite reports a missing table as OperationalError too; that is a bug, not an outage."""
    from django.db import DatabaseError

    from lowcode.api.errors import is_outage

    with pytest.raises(DatabaseError) as raised, connections["default"].cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_kuaicrm")
    assert not is_outage(raised.value)
