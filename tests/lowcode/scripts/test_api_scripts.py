"""API scripts at /api/method/<name>, the script user's permissions, the site switch."""

from __future__ import annotations

import pytest
from django.test import Client

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(users):
    """One order of rep's, one of south's (another department)."""
    mine = do_insert_doc("rep", "Test Order", {"title": "mine", "priority": 1})
    theirs = do_insert_doc("south", "Test Order", {"title": "theirs", "priority": 5})
    return mine.name, theirs.name


def _api_script(make_script, name: str, script: str, allow_guest: int = 0):
    make_script(name, script_type="API", api_method=name, allow_guest=allow_guest, script=script)


def test_login_required_unless_allow_guest(scripts_on, make_script, api):
    _api_script(make_script, "whoami", "frappe.response['message'] = frappe.session.user")
    _api_script(
        make_script,
        "hello",
        "frappe.response['message'] = 'hello ' + frappe.form_dict.get('who', '?')",
        allow_guest=1,
    )
    assert Client().get("/api/method/whoami").status_code == 401
    assert api("rep").get("/api/method/whoami").json()["message"] == "rep"
    guest = Client().get("/api/method/hello", {"who": "访客"})
    assert guest.status_code == 200, guest.content
    assert guest.json()["message"] == "hello 访客"
    assert Client().get("/api/method/no.such.method").status_code == 404


def test_reads_respect_the_script_users_permissions(scripts_on, make_script, api, orders):
    _mine, _theirs = orders
    _api_script(
        make_script,
        "titles",
        "frappe.response['message'] = [row['title'] for row in frappe.get_list('Test Order', fields=['title'], "
        "order_by='title asc')]",
    )
    assert api("rep").get("/api/method/titles").json()["message"] == ["mine"]
    assert api("sysman").get("/api/method/titles").json()["message"] == ["mine", "theirs"]


def test_get_doc_of_a_forbidden_document_is_not_found(scripts_on, make_script, api, orders):
    mine, theirs = orders
    _api_script(
        make_script,
        "peek",
        "d = frappe.get_doc('Test Order', frappe.form_dict['name'])\n"
        "frappe.response['message'] = d.title + ' ' + str(frappe.db.get_value('Test Order', d.name, 'priority'))",
    )
    assert api("rep").get("/api/method/peek", {"name": mine}).json()["message"] == "mine 1"
    response = api("rep").get("/api/method/peek", {"name": theirs})
    assert response.status_code == 404, response.content
    assert api("south").get("/api/method/peek", {"name": theirs}).status_code == 200


def test_insert_and_save_respect_permissions(scripts_on, make_script, api, orders):
    mine, theirs = orders
    _api_script(
        make_script,
        "bump",
        "d = frappe.get_doc('Test Order', frappe.form_dict['name'])\n"
        "d.priority = (d.priority or 0) + 1\nd.save()\n"
        "n = frappe.get_doc({'doctype': 'Test Order', 'title': 'made by ' + frappe.session.user})\n"
        "n.insert()\nfrappe.response['message'] = [d.priority, n.name, n.owner]",
    )
    response = api("rep").post("/api/method/bump", {"name": mine})
    assert response.status_code == 200, response.content
    priority, new_name, owner = response.json()["message"]
    assert (priority, owner) == (2, "rep")
    from lowcode.storage.factory import get_model

    assert get_model("Test Order").objects.get(name=new_name).title == "made by rep"
    # rep cannot save south's order: nothing of the call is kept
    response = api("rep").post("/api/method/bump", {"name": theirs})
    assert response.status_code == 404
    assert get_model("Test Order").objects.get(name=theirs).priority == 5
    # nobody may not create Test Orders at all
    response = api("nobody").post("/api/method/bump", {"name": mine})
    assert response.status_code == 404
    _api_script(
        make_script,
        "create",
        "frappe.get_doc({'doctype': 'Test Order', 'title': 'x'}).insert()",
    )
    response = api("nobody").post("/api/method/create")
    assert response.status_code == 403, response.content
    assert get_model("Test Order").objects.filter(title="x").count() == 0


def test_caught_permission_error_lets_the_script_continue(scripts_on, make_script, api, orders):
    _mine, theirs = orders
    _api_script(
        make_script,
        "try-peek",
        "try:\n    frappe.get_doc('Test Order', frappe.form_dict['name'])\n"
        "    frappe.response['message'] = 'seen'\nexcept Exception as e:\n"
        "    frappe.response['message'] = 'refused'",
    )
    assert api("rep").get("/api/method/try-peek", {"name": theirs}).json()["message"] == "refused"


def test_throw_and_msgprint(scripts_on, make_script, api):
    _api_script(make_script, "fail", "frappe.msgprint('first')\nfrappe.throw('不允许')")
    response = api("rep").get("/api/method/fail")
    assert response.status_code == 417
    assert response.json()["message"] == "不允许"


def test_date_helpers(scripts_on, make_script, api):
    _api_script(
        make_script,
        "dates",
        "t = frappe.utils.today()\n"
        "frappe.response['message'] = [t, frappe.utils.add_days(t, 1), "
        "str(frappe.utils.getdate('2026-03-01')), frappe.utils.now()[:10]]",
    )
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    message = api("rep").get("/api/method/dates").json()["message"]
    assert message == [
        today.isoformat(),
        (today + dt.timedelta(days=1)).isoformat(),
        "2026-03-01",
        today.isoformat(),
    ]


def test_enqueue_only_whitelisted_paths(scripts_on, make_script, api):
    _api_script(
        make_script,
        "job",
        "frappe.enqueue(frappe.form_dict['path'])\nfrappe.response['message'] = 'queued'",
    )
    bad = api("sysman").post("/api/method/job", {"path": "lowcode.setup.sync_roles"})
    assert bad.status_code == 403, bad.content
    assert "may not be enqueued" in bad.json()["message"]
    good = api("sysman").post(
        "/api/method/job", {"path": "lowcode.scripts.actions.do_run_scheduled_scripts"}
    )
    assert good.status_code == 200, good.content


def test_disabled_site_answers_403(make_script, api, settings):
    settings.SITE_CONFIG = {**settings.SITE_CONFIG, "server_script_enabled": False}
    _api_script(make_script, "off", "frappe.response['message'] = 'ran'")
    response = api("rep").get("/api/method/off")
    assert response.status_code == 403
    assert "disabled" in response.json()["message"]


def test_only_system_manager_reads_and_writes_scripts(scripts_on, api):
    assert api("rep").get("/api/resource/Server Script").status_code == 403
    response = api("rep").post(
        "/api/resource/Server Script",
        {"name": "x", "script_type": "API", "api_method": "x", "script": "pass"},
    )
    assert response.status_code == 403
    response = api("sysman").post(
        "/api/resource/Server Script",
        {"name": "x", "script_type": "API", "api_method": "x", "script": "pass"},
    )
    assert response.status_code == 200, response.content


def test_saving_a_script_that_does_not_compile_names_the_line(scripts_on, api):
    response = api("sysman").post(
        "/api/resource/Server Script",
        {"name": "y", "script_type": "API", "api_method": "y", "script": "a = 1\nb = (\n"},
    )
    assert response.status_code == 417, response.content
    assert "Line 2" in response.json()["message"] or "line 2" in response.json()["message"]
    assert response.json()["errors"][0]["field"] == "script"


def _cookie_session(username: str) -> Client:
    """A browser-like client logged in with a cookie session that enforces CSRF."""
    from tests.conftest import PASSWORD

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/method/login",
        {"usr": username, "pwd": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return client


def test_a_guest_allowed_script_does_not_write_as_the_cookie_user_without_csrf(
    scripts_on, make_script
):
    # given: a guest-allowed script that writes as whoever calls it, and rep's browser session
    _api_script(
        make_script,
        "drop_order",
        "n = frappe.get_doc({'doctype': 'Test Order', 'title': 'planted'})\n"
        "n.insert()\nfrappe.response['message'] = [frappe.session.user, n.owner]",
        allow_guest=1,
    )
    browser = _cookie_session("rep")

    # when: another site makes the browser post to it, without the CSRF token
    forged = browser.post("/api/method/drop_order", {}, content_type="application/json")

    # then: refused like any cookie-session write; nothing was written as rep
    assert forged.status_code == 400, forged.content
    assert "CSRF" in forged.json()["message"]
    assert not get_model("Test Order").objects.filter(title="planted").exists()
    # the desk's own call (with the token) runs as rep
    token = {"HTTP_X_FRAPPE_CSRF_TOKEN": browser.cookies["csrftoken"].value}
    own = browser.post("/api/method/drop_order", {}, content_type="application/json", **token)
    assert own.status_code == 200, own.content
    assert own.json()["message"][0] == "rep"


def test_a_guest_allowed_script_fetched_by_another_site_runs_as_guest(scripts_on, make_script):
    # given: a guest-allowed script that answers with (and could act as) its caller
    _api_script(make_script, "whoami_public", "frappe.response['message'] = frappe.session.user", 1)
    browser = _cookie_session("rep")

    # when: an image or a link on another site makes the browser GET it, cookie and all
    forged = browser.get("/api/method/whoami_public")
    # and the desk's own page calls it with the token it carries
    token = {"HTTP_X_FRAPPE_CSRF_TOKEN": browser.cookies["csrftoken"].value}
    own = browser.get("/api/method/whoami_public", **token)

    # then
    assert forged.status_code == 200, forged.content
    assert forged.json()["message"] == "Guest"
    assert own.json()["message"] == "rep"
