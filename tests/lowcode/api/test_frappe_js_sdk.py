"""The real npm package ``frappe-js-sdk`` works unchanged against a running server."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lowcode.storage.factory import get_model
from lowcode.users import do_generate_api_key
from tests.conftest import PASSWORD

REPO = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("frappe_sdk_client.mjs")
SDK = REPO / "node_modules" / "frappe-js-sdk"

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(not SDK.exists(), reason="node_modules/frappe-js-sdk missing (run npm ci)"),
]

CREATED = "SDK 测试部"
DELETED = "SDK 临时部"
PARENT = "华东销售部"


def run_sdk(url: str, key: str, secret: str) -> dict:
    """Run the node client once and return its single JSON result."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH although node_modules/frappe-js-sdk is installed")
    config = {
        "url": url,
        "username": "sysman",
        "password": PASSWORD,
        "key": key,
        "secret": secret,
        "parent": PARENT,
        "created": CREATED,
        "deleted": DELETED,
    }
    done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [node, str(SCRIPT), json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    return json.loads(lines[-1])


@pytest.fixture
def sdk_results(transactional_db, live_server, users):
    """The SDK's results for one full session as sysman (a System Manager)."""
    key, secret = do_generate_api_key("sysman")
    return run_sdk(live_server.url, key, secret)


def ok(results: dict, step: str):
    assert "error" not in results[step], (step, results[step])
    return results[step]["ok"]


def error(results: dict, step: str) -> dict:
    assert "error" in results[step], (step, results[step])
    return results[step]["error"]


def assert_exception(failure: dict, exc_type: str) -> None:
    """Frappe's error body names the exception twice: ``exc_type`` and ``exception``."""
    assert failure["exc_type"] == exc_type
    assert failure["exception"].startswith(f"frappe.exceptions.{exc_type}")


def test_login_with_username_and_password(sdk_results):
    login = ok(sdk_results, "login")
    assert login["message"] == "Logged In"
    assert login["full_name"] == "sysman"

    refused = error(sdk_results, "login_bad_password")
    assert refused["httpStatus"] == 401
    assert_exception(refused, "AuthenticationError")


def test_token_auth_identifies_the_user(sdk_results):
    assert ok(sdk_results, "logged_user") == "sysman"
    assert ok(sdk_results, "call_get_logged_user") == {"message": "sysman"}

    refused = error(sdk_results, "bad_token")
    assert refused["httpStatus"] == 401


def test_create_get_update_delete(sdk_results):
    created = ok(sdk_results, "create")
    assert created["name"] == CREATED
    assert created["doctype"] == "Department"
    assert created["region"] == "East"
    assert created["owner"] == "sysman"

    fetched = ok(sdk_results, "get")
    assert fetched["name"] == CREATED
    assert fetched["parent_department"] == PARENT

    updated = ok(sdk_results, "update")
    assert updated["region"] == "North"
    assert updated["modified"] >= fetched["modified"]

    assert ok(sdk_results, "delete") == {"message": "ok"}
    missing = error(sdk_results, "get_deleted")
    assert missing["httpStatus"] == 404
    assert_exception(missing, "DoesNotExistError")

    invalid = error(sdk_results, "create_invalid")
    assert invalid["httpStatus"] == 417
    assert_exception(invalid, "ValidationError")

    # then: the database holds what the SDK reported
    department = get_model("Department")
    row = department.objects.get(name=CREATED)
    assert (row.region, row.parent_department, row.owner) == ("North", PARENT, "sysman")
    assert not department.objects.filter(name=DELETED).exists()
    assert not department.objects.filter(region="no name").exists()


def test_get_doc_list_with_fields_filters_order_and_limit(sdk_results):
    rows = ok(sdk_results, "list")
    expected = sorted(
        get_model("Department")
        .objects.filter(parent_department=PARENT)
        .values_list("name", flat=True),
        reverse=True,
    )
    assert [row["name"] for row in rows] == expected
    assert CREATED in expected and "苏州组" in expected
    assert all(set(row) == {"name", "region", "parent_department"} for row in rows)
    assert {row["name"]: row["region"] for row in rows}[CREATED] == "North"

    limited = ok(sdk_results, "list_limited")
    first_two = sorted(get_model("Department").objects.values_list("name", flat=True))[:2]
    assert [row["name"] for row in limited] == first_two

    assert ok(sdk_results, "list_as_list") == [[CREATED, "North"]]


def test_get_last_doc_and_count(sdk_results):
    departments = get_model("Department").objects
    # the doomed department was created last but is deleted by then
    assert ok(sdk_results, "last_doc")["name"] == CREATED
    assert ok(sdk_results, "count_all") == departments.count() == 5
    assert ok(sdk_results, "count_filtered") == departments.filter(parent_department=PARENT).count()
    assert ok(sdk_results, "count_filtered") == 2


def test_whitelisted_get_value_by_get_and_post(sdk_results):
    assert ok(sdk_results, "get_value") == {"message": {"region": "North"}}
    assert ok(sdk_results, "post_get_value") == {
        "message": {"region": "North", "parent_department": PARENT}
    }
    assert ok(sdk_results, "db_get_value") == {"message": {"region": "North"}}
