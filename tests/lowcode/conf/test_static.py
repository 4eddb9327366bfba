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


def test_a_file_edited_after_collectstatic_is_served_from_its_source(settings, tmp_path):
    # given: a static file collected (and compressed), then edited
    source = tmp_path / "src"
    (source / "perf").mkdir(parents=True)
    script = source / "perf" / "edited.js"
    script.write_text("const before = 1;\n" * 200)
    settings.STATICFILES_DIRS = [str(source)]
    settings.STATIC_ROOT = tmp_path / "assets"
    call_command("collectstatic", interactive=False, verbosity=0)
    assert fetch("/assets/perf/edited.js", "br")[0] == "br"
    script.write_text("const after = 2;\n" * 200)

    # when
    encoding, body = fetch("/assets/perf/edited.js", "br")

    # then: the edit is what the browser gets (uncompressed until the next collectstatic)
    assert encoding is None and body.startswith(b"const after = 2;")
