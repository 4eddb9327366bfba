"""Admin customisations (Custom Field, Property Setter, Custom DocPerm) are live at once,
in this process and in every other one."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from lowcode.storage.factory import get_model

REPO = Path(__file__).resolve().parents[3]
KUAICRM = str(Path(sys.executable).parent / "kuaicrm")
CUSTOM_FIELDS = "/api/resource/" + quote("Custom Field")
PROPERTY_SETTERS = "/api/resource/" + quote("Property Setter")
CUSTOM_DOCPERMS = "/api/resource/" + quote("Custom DocPerm")
LEADS = "/api/resource/Lead"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def admin(api):
    return api("sysman")


def add_custom_field(client, **values) -> dict:
    response = client.post(CUSTOM_FIELDS, {"dt": "Lead", "fieldtype": "Data", **values})
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def set_property(client, field_name: str | None, prop: str, value: str) -> dict:
    data = {"doc_type": "Lead", "property": prop, "value": value}
    if field_name:
        data["field_name"] = field_name
    response = client.post(PROPERTY_SETTERS, data)
    assert response.status_code == 200, response.json()
    return response.json()["data"]


def lead_meta(client) -> dict:
    response = client.get("/api/method/lowcode.api.get_meta", {"doctype": "Lead"})
    assert response.status_code == 200, response.json()
    return response.json()["message"]


def meta_field(client, fieldname: str) -> dict | None:
    return next((f for f in lead_meta(client)["fields"] if f["fieldname"] == fieldname), None)


def lead_names(client, **params) -> list[str]:
    response = client.get(LEADS, {"fields": ["lead_name"], **params})
    assert response.status_code == 200, response.json()
    return [row["lead_name"] for row in response.json()["data"]]


def errors_of(response) -> dict[str, dict]:
    return {e["field"]: e for e in response.json()["errors"]}


# --------------------------------------------------------------------------- Custom Field


def test_custom_field_appears_in_meta_at_once(admin):
    # given metadata already read (and cached) by this process
    assert meta_field(admin, "wechat_id") is None
    # when
    created = add_custom_field(
        admin, fieldname="wechat_id", label="WeChat", insert_after="mobile_no"
    )
    # then
    assert created["name"] == "Lead-wechat_id"
    fields = [f["fieldname"] for f in lead_meta(admin)["fields"]]
    assert fields[fields.index("mobile_no") + 1] == "wechat_id"
    field = meta_field(admin, "wechat_id")
    assert (field["label"], field["fieldtype"], field["is_custom_field"]) == ("WeChat", "Data", 1)


def test_custom_field_written_and_read_through_the_api(api, admin):
    add_custom_field(admin, fieldname="wechat_id", label="WeChat")
    rep = api("rep")
    lead = rep.post(LEADS, {"lead_name": "张三", "wechat_id": "zhang-3"}).json()["data"]
    assert lead["wechat_id"] == "zhang-3"
    assert rep.get(f"{LEADS}/{lead['name']}").json()["data"]["wechat_id"] == "zhang-3"
    saved = rep.put(f"{LEADS}/{lead['name']}", {"wechat_id": "zhang-three"})
    assert saved.json()["data"]["wechat_id"] == "zhang-three"
    assert lead_names(rep, filters=[["wechat_id", "=", "zhang-three"]]) == ["张三"]


def test_required_custom_field_enforced(admin):
    add_custom_field(admin, fieldname="contract_no", label="Contract No", reqd=1)
    missing = admin.post(LEADS, {"lead_name": "张三"}, **EN)
    assert missing.status_code == 417
    assert errors_of(missing)["contract_no"] == {
        "field": "contract_no",
        "rule": "reqd",
        "message": "Contract No is required",
    }
    assert not get_model("Lead").objects.exists()
    assert admin.post(LEADS, {"lead_name": "张三", "contract_no": "HT-1"}).status_code == 200


def test_select_custom_field_options_enforced(admin):
    add_custom_field(admin, fieldname="tier", label="Tier", fieldtype="Select", options="A\nB\nC")
    wrong = admin.post(LEADS, {"lead_name": "张三", "tier": "Z"}, **EN)
    assert wrong.status_code == 417
    assert errors_of(wrong)["tier"]["rule"] == "options"
    assert "A / B / C" in errors_of(wrong)["tier"]["message"]
    assert admin.post(LEADS, {"lead_name": "张三", "tier": "B"}).json()["data"]["tier"] == "B"


def test_typed_custom_fields_round_trip(admin):
    add_custom_field(admin, fieldname="deal_value", label="Deal Value", fieldtype="Currency")
    add_custom_field(admin, fieldname="visit_date", label="Visit Date", fieldtype="Date")
    add_custom_field(admin, fieldname="vip", label="VIP", fieldtype="Check")
    response = admin.post(
        LEADS, {"lead_name": "张三", "deal_value": "1234.5", "visit_date": "2026-03-01", "vip": 1}
    )
    assert response.status_code == 200, response.json()
    lead = admin.get(f"{LEADS}/{response.json()['data']['name']}").json()["data"]
    assert (float(lead["deal_value"]), lead["visit_date"], lead["vip"]) == (1234.5, "2026-03-01", 1)
    wrong = admin.post(LEADS, {"lead_name": "李四", "deal_value": "lots"}, **EN)
    assert errors_of(wrong)["deal_value"]["rule"] == "number"
    # and filters compare them by value
    admin.post(LEADS, {"lead_name": "王五", "deal_value": 99, "visit_date": "2026-04-15"})
    assert lead_names(admin, filters=[["deal_value", "=", "1234.50"]]) == ["张三"]
    assert lead_names(admin, filters=[["deal_value", ">", 100]]) == ["张三"]
    assert lead_names(admin, filters=[["visit_date", ">", "2026-03-31"]]) == ["王五"]
    assert lead_names(admin, filters=[["vip", "=", 1]]) == ["张三"]
    assert lead_names(admin, order_by="deal_value desc", filters=[["deal_value", "is", "set"]]) == [
        "张三",
        "王五",
    ]


def test_filters_and_order_by_on_custom_fields(admin):
    # given leads with a custom Int and a custom Data field
    add_custom_field(admin, fieldname="headcount", label="Headcount", fieldtype="Int")
    add_custom_field(admin, fieldname="wechat_id", label="WeChat")
    for name, headcount, wechat in (("甲", 5, "abc-1"), ("乙", 10, "xyz-2"), ("丙", 30, "abc-3")):
        response = admin.post(
            LEADS, {"lead_name": name, "headcount": headcount, "wechat_id": wechat}
        )
        assert response.status_code == 200, response.json()
    # then every operator and both sort orders treat the custom field like a column
    assert lead_names(admin, filters=[["headcount", "=", 10]]) == ["乙"]
    assert sorted(lead_names(admin, filters=[["headcount", ">", 9]])) == ["丙", "乙"]
    assert sorted(lead_names(admin, filters=[["headcount", "in", [5, 30]]])) == ["丙", "甲"]
    assert sorted(lead_names(admin, filters={"wechat_id": ["like", "%abc%"]})) == ["丙", "甲"]
    assert lead_names(admin, order_by="headcount asc") == ["甲", "乙", "丙"]
    assert lead_names(admin, order_by="headcount desc") == ["丙", "乙", "甲"]
    count = admin.get(
        "/api/method/frappe.client.get_count",
        {"doctype": "Lead", "filters": [["headcount", ">=", 10]]},
    )
    assert count.json()["message"] == 2


def test_custom_field_in_openapi(admin):
    add_custom_field(admin, fieldname="headcount", label="Headcount", fieldtype="Int", reqd=1)
    response = admin.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()["components"]["schemas"]["Lead"]
    assert schema["properties"]["headcount"]["x-custom-field"] is True
    assert schema["properties"]["headcount"]["type"] == ["integer", "null"]
    assert "headcount" in schema["x-required-on-create"]


def test_deleted_custom_field_is_gone_at_once(admin):
    add_custom_field(admin, fieldname="wechat_id", label="WeChat")
    assert meta_field(admin, "wechat_id") is not None
    assert admin.delete(f"{CUSTOM_FIELDS}/Lead-wechat_id").status_code == 202
    assert meta_field(admin, "wechat_id") is None
    response = admin.post(LEADS, {"lead_name": "张三", "wechat_id": "x"})
    assert response.status_code == 400
    assert "wechat_id" in response.json()["message"]


@pytest.mark.parametrize(
    ("values", "field", "mentions"),
    [
        ({"fieldname": "Bad Name"}, "fieldname", "Bad Name"),
        ({"fieldname": "wechat-id"}, "fieldname", "wechat-id"),
        ({"fieldname": "lead_name"}, "fieldname", "lead_name"),
        ({"fieldname": "owner"}, "fieldname", "owner"),
        ({"fieldname": "stage", "fieldtype": "Link", "options": "Stage"}, "options", "Stage"),
        ({"fieldname": "wechat_id", "fieldtype": "Telegraph"}, "fieldtype", "Field Type"),
        ({"fieldname": "level", "dt": "Role"}, "dt", "Role"),
        ({"fieldname": "level", "dt": "Spaceship"}, "dt", "Spaceship"),
    ],
)
def test_invalid_custom_field_rejected(admin, values, field, mentions):
    # given metadata already read
    before = lead_meta(admin)["fields"]
    # when
    response = admin.post(CUSTOM_FIELDS, {"dt": "Lead", "fieldtype": "Data", **values}, **EN)
    # then
    assert response.status_code == 417, response.json()
    error = errors_of(response)[field]
    assert mentions in error["message"]
    assert not get_model("Custom Field").objects.exists()
    assert lead_meta(admin)["fields"] == before


def test_custom_field_needs_system_manager(api):
    response = api("manager").post(
        CUSTOM_FIELDS, {"dt": "Lead", "fieldname": "x", "fieldtype": "Data"}
    )
    assert response.status_code == 403
    assert not get_model("Custom Field").objects.exists()


# --------------------------------------------------------------------------- Property Setter


def test_property_setter_makes_standard_field_required(admin):
    assert admin.post(LEADS, {"lead_name": "张三"}).status_code == 200
    set_property(admin, "company_name", "reqd", "1")
    assert meta_field(admin, "company_name")["reqd"] == 1
    response = admin.post(LEADS, {"lead_name": "李四"}, **EN)
    assert response.status_code == 417
    assert errors_of(response)["company_name"] == {
        "field": "company_name",
        "rule": "reqd",
        "message": "Company Name is required",
    }


def test_property_setter_changes_select_options(admin):
    set_property(admin, "source", "options", "\nWebsite\nWeChat")
    assert admin.post(LEADS, {"lead_name": "张三", "source": "WeChat"}).status_code == 200
    response = admin.post(LEADS, {"lead_name": "李四", "source": "Exhibition"}, **EN)
    assert response.status_code == 417
    assert errors_of(response)["source"]["rule"] == "options"
    assert "WeChat" in errors_of(response)["source"]["message"]


def test_property_setter_hides_and_relabels(admin):
    set_property(admin, "designation", "hidden", "1")
    set_property(admin, "company_name", "label", "Organisation")
    set_property(admin, "company_name", "reqd", "1")
    assert meta_field(admin, "designation")["hidden"] == 1
    assert meta_field(admin, "company_name")["label"] == "Organisation"
    # the new label is what validation messages show
    response = admin.post(LEADS, {"lead_name": "张三"}, **EN)
    assert errors_of(response)["company_name"]["message"] == "Organisation is required"


def test_property_setter_on_the_doctype(admin):
    set_property(admin, None, "sort_field", "lead_name")
    set_property(admin, None, "sort_order", "asc")
    for name in ("乙", "甲", "丙"):
        admin.post(LEADS, {"lead_name": name})
    meta = lead_meta(admin)
    assert (meta["sort_field"], meta["sort_order"]) == ("lead_name", "ASC")
    assert lead_names(admin) == sorted(["乙", "甲", "丙"])


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (
            {
                "doc_type": "Lead",
                "field_name": "lead_name",
                "property": "fieldtype",
                "value": "Int",
            },
            "property",
        ),
        (
            {"doc_type": "Lead", "field_name": "warp", "property": "reqd", "value": "1"},
            "field_name",
        ),
        (
            {"doc_type": "Role", "field_name": "role_name", "property": "reqd", "value": "0"},
            "doc_type",
        ),
        (
            {"doc_type": "Lead", "field_name": "customer", "property": "options", "value": "Stage"},
            "value",
        ),
    ],
)
def test_invalid_property_setter_rejected(admin, values, field):
    response = admin.post(PROPERTY_SETTERS, values, **EN)
    assert response.status_code == 417, response.json()
    assert field in errors_of(response)
    assert not get_model("Property Setter").objects.exists()


# --------------------------------------------------------------------------- Custom DocPerm


def test_custom_docperm_replaces_json_permissions(api, admin):
    # given the JSON rules: Sales User may create, Sales Manager sees its department only
    rep, south_manager = api("rep"), api("south_manager")
    lead = api("manager").post(LEADS, {"lead_name": "张三"}).json()["data"]
    assert south_manager.get(f"{LEADS}/{lead['name']}").status_code == 404
    assert rep.post(LEADS, {"lead_name": "李四"}).status_code == 200
    # when an admin stores one rule for Lead: Sales Manager, all data
    response = admin.post(
        CUSTOM_DOCPERMS,
        {
            "parent_doctype": "Lead",
            "role": "Sales Manager",
            "scope": "all",
            "read": 1,
            "write": 1,
            "create": 1,
        },
    )
    assert response.status_code == 200, response.json()
    # then the stored rules replace the JSON ones (even System Manager's)
    perms = lead_meta(api("Administrator"))["permissions"]
    assert [(p["role"], p["scope"], p["read"], p["delete"]) for p in perms] == [
        ("Sales Manager", "all", 1, 0)
    ]
    assert south_manager.get(f"{LEADS}/{lead['name']}").status_code == 200
    assert rep.post(LEADS, {"lead_name": "王五"}).status_code == 403
    assert rep.get(LEADS).status_code == 403
    assert south_manager.delete(f"{LEADS}/{lead['name']}").status_code == 403
    assert admin.get(LEADS).status_code == 403


# --------------------------------------------------------------------------- several processes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _site_env(sites_dir: Path, site: str) -> dict:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "KUAICRM_SITE")
    }
    env.update(
        KUAICRM_SITES_DIR=str(sites_dir),
        KUAICRM_SITE=site,
        KUAICRM_ADMIN_PASSWORD="Multi-proc-2026!",
        PYTHONUNBUFFERED="1",
    )
    return env


class Server:
    """One ``kuaicrm start`` process (gunicorn) on its own port."""

    def __init__(self, env: dict, site: str, log: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [KUAICRM, "--site", site, "start", "--port", str(self.port), "--workers", "1"],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server on {self.port} exited with {self.process.returncode}")
            url = f"{self.base}/api/method/ping"
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local
                    if response.status == 200:
                        return
            except OSError:  # refused or reset while gunicorn starts
                time.sleep(0.2)
        raise AssertionError(f"server on {self.port} not ready in {timeout}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn's master stops its workers on SIGTERM
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                # The server runs in its own session: end its whole group, workers included.
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


def call(server: Server, token: str, method: str, path: str, data=None, params=None):
    """Return (status, JSON body) of one HTTP request."""
    url = server.base + quote(path) + (f"?{urlencode(params)}" if params else "")
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(  # noqa: S310 - local server
        url,
        data=body,
        method=method,
        headers={
            "Authorization": f"token {token}",
            "Content-Type": "application/json",
            "Accept-Language": "en",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local server
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def new_site_with_admin_token(tmp_path: Path, site: str) -> tuple[dict, str]:
    """A fresh site made by the real CLI, and an Administrator API token for it."""
    env = _site_env(tmp_path / "sites", site)
    subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [KUAICRM, "new-site", site], cwd=REPO, env=env, check=True, capture_output=True, timeout=300
    )
    issued = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [KUAICRM, "--site", site, "api-key", "Administrator"],
        cwd=REPO,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    keys = dict(line.split("=", 1) for line in issued.splitlines() if line.startswith("api_"))
    return env, f"{keys['api_key']}:{keys['api_secret']}"


@pytest.mark.slow
def test_custom_field_is_live_in_another_running_process(tmp_path):
    """Add a field through server A; server B, already warm, accepts it at once."""
    # given a fresh site and an API key
    site = "multi"
    env, token = new_site_with_admin_token(tmp_path, site)
    servers = []
    try:
        # and two servers, separate processes
        servers = [Server(env, site, tmp_path / f"server{i}.log") for i in range(2)]
        for server in servers:
            server.wait_ready()
        a, b = servers
        # and B has read Lead's metadata and written with it (warm caches)
        status, meta = call(
            b, token, "GET", "/api/method/lowcode.api.get_meta", params={"doctype": "Lead"}
        )
        assert status == 200
        assert "budget_code" not in {f["fieldname"] for f in meta["message"]["fields"]}
        status, body = call(
            b, token, "POST", "/api/resource/Lead", {"lead_name": "热身", "budget_code": "X"}
        )
        assert status == 400, body  # unknown field before the customisation
        # when the field is added through A
        status, body = call(
            a,
            token,
            "POST",
            "/api/resource/Custom Field",
            {
                "dt": "Lead",
                "fieldname": "budget_code",
                "fieldtype": "Data",
                "label": "Budget Code",
                "reqd": 1,
            },
        )
        assert status == 200, body
        # then B accepts, requires, filters and describes it at once, without a restart
        status, body = call(b, token, "POST", "/api/resource/Lead", {"lead_name": "张三"})
        assert status == 417 and body["errors"][0]["field"] == "budget_code", body
        status, body = call(
            b, token, "POST", "/api/resource/Lead", {"lead_name": "张三", "budget_code": "BC-7"}
        )
        assert status == 200, body
        assert body["data"]["budget_code"] == "BC-7"
        status, body = call(
            b,
            token,
            "GET",
            "/api/resource/Lead",
            params={
                "fields": json.dumps(["lead_name", "budget_code"]),
                "filters": json.dumps([["budget_code", "like", "BC-%"]]),
            },
        )
        assert (status, body["data"]) == (200, [{"lead_name": "张三", "budget_code": "BC-7"}])
        status, meta = call(
            b, token, "GET", "/api/method/lowcode.api.get_meta", params={"doctype": "Lead"}
        )
        assert "budget_code" in {f["fieldname"] for f in meta["message"]["fields"]}
        # and A reads what B wrote
        status, body = call(
            a,
            token,
            "GET",
            "/api/resource/Lead",
            params={"filters": json.dumps({"budget_code": "BC-7"})},
        )
        assert status == 200 and len(body["data"]) == 1
    finally:
        for server in servers:
            server.stop()
    assert all(server.process.returncode is not None for server in servers)
