"""permission_read_grants hooks widen reading (lists, counts, single reads) and nothing else."""

from __future__ import annotations

import pytest

from lowcode.permissions.core import has_permission, permitted_queryset
from lowcode.storage.factory import get_model
from tests.engine_app.doctype.test_order import test_order

ORDERS = "/api/resource/Test Order"


@pytest.fixture
def share_urgent():
    test_order.SHARE_URGENT.append(True)
    yield
    test_order.SHARE_URGENT.clear()


@pytest.fixture
def orders(api, users):
    """rep2 (苏州组) owns an urgent and an ordinary order."""
    rep2 = api("rep2")
    urgent = rep2.post(ORDERS, {"title": "加急", "urgent": 1, "urgent_reason": "客户催"}).json()[
        "data"
    ]["name"]
    ordinary = rep2.post(ORDERS, {"title": "普通"}).json()["data"]["name"]
    return urgent, ordinary


def _listed(client) -> set[str]:
    return {row["name"] for row in client.get(ORDERS, {"limit_page_length": 100}).json()["data"]}


def test_a_grant_widens_lists_counts_and_single_reads(api, orders, share_urgent):
    urgent, ordinary = orders
    rep = api("rep")

    count = rep.get("/api/method/frappe.client.get_count", {"doctype": "Test Order"}).json()
    assert _listed(rep) == {urgent}
    assert count["message"] == 1
    assert rep.get(f"{ORDERS}/{urgent}").status_code == 200
    assert rep.get(f"{ORDERS}/{ordinary}").status_code == 404


def test_without_the_grant_the_scope_alone_decides(api, orders):
    urgent, _ordinary = orders
    rep = api("rep")

    assert _listed(rep) == set()
    assert rep.get(f"{ORDERS}/{urgent}").status_code == 404


def test_a_granted_row_is_readable_but_not_writable(api, orders, share_urgent):
    urgent, _ordinary = orders
    rep = api("rep")

    response = rep.put(f"{ORDERS}/{urgent}", {"title": "改"})

    assert response.status_code == 403
    assert get_model("Test Order").objects.get(name=urgent).title == "加急"


def test_a_granted_row_cannot_be_deleted_by_a_user_who_may_delete_in_scope(
    api, orders, share_urgent
):
    # south_manager may delete orders of 华南销售部, not rep2's (苏州组) urgent one.
    urgent, _ordinary = orders
    south_manager = api("south_manager")

    assert south_manager.get(f"{ORDERS}/{urgent}").status_code == 200
    assert south_manager.delete(f"{ORDERS}/{urgent}").status_code == 403
    assert get_model("Test Order").objects.filter(name=urgent).exists()


def test_the_grant_widens_only_the_read_verb(users, orders, share_urgent):
    urgent, _ordinary = orders
    doc = get_model("Test Order").objects.get(name=urgent)

    assert has_permission("rep", doc, "read")
    assert not has_permission("rep", doc, "write")
    assert not has_permission("south_manager", doc, "delete")
    for ptype in ("write", "delete", "export", "submit"):
        rows = permitted_queryset("south_manager", "Test Order", ptype)
        assert not rows.filter(name=urgent).exists(), ptype
    assert permitted_queryset("south_manager", "Test Order", "read").filter(name=urgent).exists()


def test_export_needs_its_own_right_and_never_goes_beyond_read(api, orders, share_urgent):
    urgent, ordinary = orders
    export = "/api/method/lowcode.dataio.export"

    refused = api("rep").get(export, {"doctype": "Test Order", "fields": ["name"]})
    exported = api("south_manager").get(export, {"doctype": "Test Order", "fields": ["name"]})

    assert refused.status_code == 403
    assert exported.status_code == 200
    body = exported.content.decode("utf-8-sig")
    assert urgent in body  # what the grant lets them read…
    assert ordinary not in body  # …and nothing the grant does not
