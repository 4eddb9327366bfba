"""Password fields (System Settings' geocoding key): never sent to a browser, kept when the mask
or nothing comes back, recorded in Versions as changed but not what to."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.models import Version
from lowcode.storage.factory import get_model
from lowcode.storage.secrets import MASK

pytestmark = pytest.mark.django_db
NAME = "System Settings"
URL = f"/api/resource/{NAME}/{NAME}"
SECRET = "amap-web-key-5f1c9e"


@pytest.fixture
def keyed(site):
    values = {"geocoding_provider": "AMap", "geocoding_key": SECRET}
    if get_model(NAME).objects.filter(name=NAME).exists():
        do_save_doc("Administrator", NAME, NAME, values)
    else:
        do_insert_doc("Administrator", NAME, values)


def stored_key() -> str:
    return get_model(NAME).objects.get(name=NAME).geocoding_key


def test_the_api_answers_the_mask_and_lists_refuse_the_column(keyed, api):
    admin = api("Administrator")
    data = admin.get(URL).json()["data"]
    assert data["geocoding_key"] == MASK
    listed = admin.get(f"/api/resource/{NAME}", {"fields": '["name", "geocoding_key"]'})
    assert listed.status_code == 400 and SECRET not in listed.content.decode()
    # guessing it by filter is refused too
    probe = admin.get(f"/api/resource/{NAME}", {"filters": '[["geocoding_key", "like", "amap%"]]'})
    assert probe.status_code == 400


def test_the_mask_or_nothing_sent_back_keeps_the_key_a_new_one_replaces_it(keyed, api):
    admin = api("Administrator")
    data = admin.get(URL).json()["data"]
    assert admin.put(URL, {**data, "geocoding_timeout": 4}).status_code == 200
    assert stored_key() == SECRET
    assert admin.put(URL, {"geocoding_key": ""}).status_code == 200
    assert stored_key() == SECRET
    assert admin.put(URL, {"geocoding_key": "new-key"}).status_code == 200
    assert stored_key() == "new-key"
    # the Versions say the key changed, never what it was or became
    versions = Version.objects.filter(ref_doctype=NAME, docname=NAME)
    texts = " ".join(str(v.data) for v in versions)
    assert SECRET not in texts and "new-key" not in texts
    assert any(c[0] == "geocoding_key" for v in versions for c in v.data.get("changed", []))
