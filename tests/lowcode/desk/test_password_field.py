"""A Password field on a desk form (System Settings' geocoding key) is never drawn with its value."""

from __future__ import annotations

import re

import pytest

from lowcode.storage.factory import get_model
from tests.lowcode.documents.test_secrets import NAME, SECRET, keyed  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_the_desk_form_never_draws_the_key_and_an_empty_input_keeps_it(keyed, desk):  # noqa: F811
    client = desk("Administrator")
    page = client.get("/app/system-settings").content.decode()
    assert SECRET not in page
    assert 'type="password"' in page and "已保存（留空则不变）" in page
    # the form posted back as it was drawn (the key's input empty) keeps the key
    modified = re.search(r'name="modified" value="([^"]+)"', page).group(1)
    saved = client.post(
        "/app/system-settings",
        {
            "modified": modified,
            "geocoding_provider": "AMap",
            "geocoding_key": "",
            "geocoding_timeout": "5",
            "server_script_cpu_seconds": "2",
            "server_script_memory_mb": "256",
        },
    )
    assert saved.status_code in (200, 204), saved.content[:300]
    row = get_model(NAME).objects.get(name=NAME)
    assert (row.geocoding_key, float(row.geocoding_timeout)) == (SECRET, 5.0)
