"""System Settings: the server-script switch is turned in the desk (System Manager only), audited
as Versions, and applies at the next request; site_config.json's key stays a hard override."""

from __future__ import annotations

import json
import re

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.models import Version
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db
PAGE = "/app/system-settings"
NAME = "System Settings"


@pytest.fixture
def probe(users, settings):
    """An API script ``probe`` that answers 42 whenever server scripts run."""
    settings.SITE_CONFIG = {
        k: v for k, v in settings.SITE_CONFIG.items() if not k.startswith("server_script")
    }
    do_insert_doc(
        "Administrator",
        "Server Script",
        {
            "name": "probe",
            "script_type": "API",
            "api_method": "probe",
            "script": "frappe.response['message'] = 42",
        },
    )


def _switch(client, on: bool, **extra):
    page = client.get(PAGE).content.decode()
    modified = re.search(r'name="modified" value="([^"]+)"', page).group(1)
    return client.post(
        PAGE,
        {
            "modified": modified,
            "enable_server_scripts": "1" if on else "0",
            "server_script_cpu_seconds": "2",
            "server_script_memory_mb": "256",
            **extra,
        },
    )


def test_only_a_system_manager_sees_or_changes_system_settings(desk, api):
    assert desk("rep").get(PAGE).status_code == 404
    assert desk("rep").post(PAGE, {"enable_server_scripts": "1"}).status_code == 404
    assert desk("sysman").get(PAGE).status_code == 200
    response = api("rep").put(f"/api/resource/{NAME}/{NAME}", {"enable_server_scripts": 1})
    assert response.status_code in (403, 404)
    assert not get_model(NAME).objects.get(name=NAME).enable_server_scripts


def test_the_switch_turns_server_scripts_off_and_on_at_the_next_request(desk, api, probe):
    admin, rep = desk("sysman"), api("rep")
    # a new site runs no server scripts
    assert rep.post("/api/method/probe").status_code == 403

    # when a System Manager turns the switch on in the screen
    assert _switch(admin, True).status_code == 204
    # then the next request (any worker: the generation moved on) runs the script
    assert rep.post("/api/method/probe").json()["message"] == 42

    # when it is turned off again, the next request refuses it
    assert _switch(admin, False).status_code == 204
    refused = rep.post("/api/method/probe")
    assert refused.status_code == 403
    assert "系统设置" in json.dumps(refused.json(), ensure_ascii=False)  # says where to turn it on

    # and on again: it runs
    assert _switch(admin, True).status_code == 204
    assert rep.post("/api/method/probe").json()["message"] == 42

    # every change is audited with who made it, and the screen lists them
    changes = [
        (v.owner, v.data["changed"])
        for v in Version.objects.filter(ref_doctype=NAME, docname=NAME).order_by("creation", "id")
        if v.data.get("changed")
    ]
    # (the first is the record made on the first visit, holding the defaults)
    assert [c[0] for c in changes[1:]] == ["sysman", "sysman", "sysman"]
    assert [c[1] for c in changes[1:]] == [
        [["enable_server_scripts", 0, 1]],
        [["enable_server_scripts", 1, 0]],
        [["enable_server_scripts", 0, 1]],
    ]
    history = admin.get(PAGE).content.decode()
    assert history.count('data-label="修改人">sysman<') == 3


def test_site_config_is_a_hard_override(desk, api, probe, settings):
    settings.SITE_CONFIG = {**settings.SITE_CONFIG, "server_script_enabled": False}
    admin = desk("sysman")

    assert _switch(admin, True).status_code == 204

    assert api("rep").post("/api/method/probe").status_code == 403
    page = admin.get(PAGE).content.decode()
    assert 'id="override-enable_server_scripts"' in page
    assert "server_script_enabled = False" in page


def test_invalid_limits_are_refused_next_to_their_field(desk, probe):
    admin = desk("sysman")

    response = _switch(admin, True, server_script_memory_mb="8")

    page = response.content.decode()
    assert response.status_code == 200
    assert "服务器脚本内存（MB）不能小于 64" in page
    assert 'id="ss-server_script_memory_mb-err"' in page
    assert not get_model(NAME).objects.get(name=NAME).enable_server_scripts


def test_the_api_description_is_opened_to_visitors_from_the_screen(desk, client, users):
    admin = desk("sysman")
    assert client.get("/api/openapi.json").status_code in (401, 403)

    page = admin.get(PAGE).content.decode()
    modified = re.search(r'name="modified" value="([^"]+)"', page).group(1)
    response = admin.post(
        PAGE,
        {
            "modified": modified,
            "enable_server_scripts": "0",
            "server_script_cpu_seconds": "2",
            "server_script_memory_mb": "256",
            "public_openapi": "1",
        },
    )

    assert response.status_code == 204
    assert client.get("/api/openapi.json").status_code == 200
    assert 'id="h-ss-api_section"' in admin.get(PAGE).content.decode()
