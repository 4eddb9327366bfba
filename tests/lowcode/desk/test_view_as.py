"""View the desk as a user: a System Manager sees exactly what the user's rules allow,
read-only, audited, never as another System Manager or the Administrator."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from lowcode import context
from lowcode.admin import docperms
from lowcode.documents.actions import do_insert_doc
from lowcode.meta import registry
from lowcode.storage.factory import get_model
from lowcode.users import do_create_user
from tests.conftest import PASSWORD

LEAD = "Lead"


@pytest.fixture
def leads(users):
    """Sales User reads the department and writes only their own; one Lead per owner."""
    rows = [
        {"role": p.role, "permlevel": p.permlevel, "scope": p.scope, "verbs": set(p.verbs)}
        for p in registry.base_definitions()[LEAD].permissions
        if p.role != "Sales User"
    ]
    rows += [
        {"role": "Sales User", "permlevel": 0, "scope": "department", "verbs": {"read", "report"}},
        {"role": "Sales User", "permlevel": 0, "scope": "own", "verbs": {"write", "create"}},
    ]
    docperms.do_save_docperms("sysman", LEAD, rows)
    names = {}
    for owner in ("rep", "rep2", "south"):
        names[owner] = do_insert_doc(owner, LEAD, {"lead_name": f"{owner} 的线索"}).name
    context.reset()
    return names


def _log() -> list[tuple]:
    return list(
        get_model("Activity Log")
        .objects.order_by("creation")
        .values_list("operation", "user", "reference_name")
    )


def test_viewing_as_a_rep_shows_their_records_and_a_banner_until_one_tap_ends_it(desk, leads):
    admin = desk("sysman")

    response = admin.post("/app/view-as", {"user": "rep"})
    assert response.status_code == 204 and response["HX-Redirect"] == "/app"

    page = admin.get("/app/lead").content.decode()
    assert 'id="view-as-banner"' in page and "正在以此身份查看桌面" in page
    assert leads["rep"] in page and leads["rep2"] in page
    assert leads["south"] not in page  # another department: not the rep's to see
    assert "/app/permissions" not in page  # the rep has no admin menu
    # the API under the same session reads as the rep too
    listed = admin.get("/api/resource/Lead", {"fields": '["name"]'}).json()["data"]
    assert {r["name"] for r in listed} == {leads["rep"], leads["rep2"]}

    response = admin.post("/app/view-as/end")
    assert response.status_code == 204 and response["HX-Redirect"] == "/app/users/rep"
    page = admin.get("/app/lead").content.decode()
    assert 'id="view-as-banner"' not in page and leads["south"] in page
    assert _log() == [("View As Started", "sysman", "rep"), ("View As Ended", "sysman", "rep")]


def test_nothing_can_be_written_while_viewing_as(desk, leads):
    admin = desk("sysman")
    admin.post("/app/view-as", {"user": "rep"})
    before = get_model(LEAD).objects.count()

    # the rep may write their own lead, but not while a System Manager views as them
    response = admin.post(f"/app/lead/{leads['rep']}", {"lead_name": "改了"})
    assert response.status_code == 403
    assert "只读" in response.json()["message"]
    response = admin.post(
        "/api/resource/Lead", {"lead_name": "新的"}, content_type="application/json"
    )
    assert response.status_code == 403
    response = admin.post("/app/users/rep2", {"enabled": ["0"]})
    assert response.status_code == 403

    assert get_model(LEAD).objects.count() == before
    assert get_model(LEAD).objects.get(name=leads["rep"]).lead_name == "rep 的线索"
    assert get_user_model().objects.get(username="rep2").is_active


@pytest.mark.parametrize("target", ["Administrator", "sysman2", "sysman", "nobody-such"])
def test_no_one_views_as_a_system_manager_the_administrator_or_a_missing_user(desk, leads, target):
    do_create_user("sysman2", PASSWORD, roles=["System Manager"])
    admin = desk("sysman")

    response = admin.post("/app/view-as", {"user": target})

    assert response.status_code in (404, 417)
    page = admin.get("/app/lead").content.decode()
    assert 'id="view-as-banner"' not in page and leads["south"] in page
    assert _log() == []


def test_the_user_page_offers_view_as_only_where_it_is_allowed(desk, leads):
    admin = desk("sysman")

    assert 'id="view-as-start"' in admin.get("/app/users/rep").content.decode()
    page = admin.get("/app/users/sysman").content.decode()
    assert 'id="view-as-start"' not in page and "请选择另一位用户" in page


@pytest.mark.parametrize("username", ["rep", "manager"])
def test_only_a_system_manager_may_view_as(desk, leads, username):
    client = desk(username)

    assert client.post("/app/view-as", {"user": "rep2"}).status_code == 404
    assert 'id="view-as-banner"' not in client.get("/app/lead").content.decode()
    assert _log() == []


def test_the_view_ends_by_itself_when_the_admin_loses_the_system_manager_role(desk, leads):
    from lowcode.users import do_remove_roles

    admin = desk("sysman")
    admin.post("/app/view-as", {"user": "rep"})
    do_remove_roles("sysman", ["System Manager"])

    page = admin.get("/app").content.decode()

    assert 'id="view-as-banner"' not in page


def test_the_permissions_page_offers_the_users_its_rules_apply_to(desk, leads):
    page = desk("sysman").get("/app/permissions/lead").content.decode()

    select = page.split('id="perm-view-as-user"')[1].split("</select>")[0]
    offered = re.findall(r'<option value="([^"]+)">', select)
    # the holders of the roles in the rules (Sales User, Sales Manager); no System Manager
    assert offered == ["manager", "rep", "rep2", "south", "south_manager"]


def test_logging_out_while_viewing_as_ends_the_view_in_the_audit_trail(desk, leads):
    admin = desk("sysman")
    admin.post("/app/view-as", {"user": "rep"})

    response = admin.post("/logout", htmx=False)

    assert response.status_code == 302
    assert _log() == [("View As Started", "sysman", "rep"), ("View As Ended", "sysman", "rep")]
