"""The server-script switch in System Settings reaches a second, already warm server process."""

from __future__ import annotations

import pytest

from tests.lowcode.meta.test_customisation import Server, call, new_site_with_admin_token

SETTINGS = "/api/resource/System Settings"


@pytest.mark.slow
def test_switch_turned_in_one_process_applies_in_another(tmp_path):
    # given a fresh site (no server_script_enabled in its site_config), an API key
    site = "switch"
    env, token = new_site_with_admin_token(tmp_path, site)
    servers = []
    try:
        servers = [Server(env, site, tmp_path / f"server{i}.log") for i in range(2)]
        for server in servers:
            server.wait_ready()
        a, b = servers
        # and an API script, refused by B (warm) while the switch is off
        status, body = call(
            a,
            token,
            "POST",
            "/api/resource/Server Script",
            {
                "name": "probe",
                "script_type": "API",
                "api_method": "probe",
                "script": "frappe.response['message'] = 42",
            },
        )
        assert status == 200, body
        assert call(b, token, "POST", "/api/method/probe")[0] == 403

        # when the switch is turned on through A
        status, body = call(a, token, "POST", SETTINGS, {"enable_server_scripts": 1})
        assert status == 200 and body["data"]["name"] == "System Settings", body
        # then B runs the script on its next request, without a restart
        assert call(b, token, "POST", "/api/method/probe") == (200, {"message": 42})

        # when it is turned off through A, B refuses it at once
        status, body = call(
            a, token, "PUT", f"{SETTINGS}/System Settings", {"enable_server_scripts": 0}
        )
        assert status == 200, body
        assert call(b, token, "POST", "/api/method/probe")[0] == 403

        # and on again: B runs it
        status, body = call(
            a, token, "PUT", f"{SETTINGS}/System Settings", {"enable_server_scripts": 1}
        )
        assert status == 200, body
        assert call(b, token, "POST", "/api/method/probe") == (200, {"message": 42})
    finally:
        for server in servers:
            server.stop()
