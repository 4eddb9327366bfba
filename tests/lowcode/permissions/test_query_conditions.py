"""permission_query_conditions hooks narrow every read path and single-document checks alike."""

from __future__ import annotations

import pytest

from tests.engine_app.doctype.test_order import test_order

ORDERS = "/api/resource/Test Order"


@pytest.fixture
def hide_closed():
    test_order.HIDE_CLOSED.append(True)
    yield
    test_order.HIDE_CLOSED.clear()


def test_a_hook_condition_hides_rows_from_lists_counts_and_single_reads(api, users, hide_closed):
    manager = api("manager")
    open_order = manager.post(ORDERS, {"title": "开放", "status": "Open"}).json()["data"]["name"]
    closed = manager.post(ORDERS, {"title": "关闭", "status": "Closed"}).json()["data"]["name"]

    listed = {row["name"] for row in manager.get(ORDERS).json()["data"]}
    count = manager.get("/api/method/frappe.client.get_count", {"doctype": "Test Order"}).json()[
        "message"
    ]

    assert listed == {open_order}
    assert count == 1
    assert manager.get(f"{ORDERS}/{closed}").status_code == 404
    assert manager.put(f"{ORDERS}/{closed}", {"title": "改"}).status_code == 404


def test_without_the_condition_the_rows_are_back(api, users):
    manager = api("manager")
    closed = manager.post(ORDERS, {"title": "关闭", "status": "Closed"}).json()["data"]["name"]

    assert manager.get(f"{ORDERS}/{closed}").status_code == 200


def test_administrator_is_not_narrowed(api, users, hide_closed):
    admin = api("Administrator")
    closed = admin.post(ORDERS, {"title": "关闭", "status": "Closed"}).json()["data"]["name"]

    assert admin.get(f"{ORDERS}/{closed}").status_code == 200
