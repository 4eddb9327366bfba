"""Static files go out brotli- or gzip-compressed once collected, as `make run` collects them."""

from __future__ import annotations

import gzip

import brotli
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

ECHARTS = "/assets/vendor/echarts/echarts.common.min.js"


def fetch(path: str, encodings: str) -> tuple[str | None, bytes]:
    # A new Client builds a new middleware chain, so WhiteNoise reads this test's STATIC_ROOT.
    response = Client().get(path, HTTP_ACCEPT_ENCODING=encodings)
    assert response.status_code == 200, path
    return response.get("Content-Encoding"), b"".join(response.streaming_content)


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "assets"
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_collected_static_files_are_served_compressed(collected):
    original = (django_settings.NODE_MODULES / "echarts/dist/echarts.common.min.js").read_bytes()

    encoding, body = fetch(ECHARTS, "gzip, deflate, br")
    assert encoding == "br"
    assert len(body) < len(original) / 3
    assert brotli.decompress(body) == original

    encoding, body = fetch(ECHARTS, "gzip, deflate")
    assert encoding == "gzip"
    assert gzip.decompress(body) == original

    encoding, body = fetch(ECHARTS, "")
    assert encoding is None
    assert body == original
    # the desk's own files too
    assert fetch("/assets/desk/desk.js", "br")[0] == "br"


def test_a_file_not_collected_yet_is_still_served(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "never-collected"

    encoding, body = fetch("/assets/desk/desk.js", "gzip, br")

    assert encoding is None and b"serviceWorker" in body


def test_only_the_npm_files_the_desk_loads_are_collected(collected):
    vendor = sorted(p.name for p in (collected / "vendor").rglob("*") if p.is_file())
    assert "echarts.min.js" not in vendor and not [n for n in vendor if n.endswith(".map")]
    assert {"htmx.min.js", "Sortable.min.js", "echarts.common.min.js"} <= set(vendor)
