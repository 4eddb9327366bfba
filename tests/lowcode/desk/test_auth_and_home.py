"""Login, language, home workspace, search and notifications through the real views."""

from __future__ import annotations

from django.test import Client

from lowcode.documents.actions import do_insert_doc
from lowcode.notify.actions import do_notify
from tests.conftest import PASSWORD


def test_guest_is_sent_to_the_login_page_with_the_page_it_wanted(db):
    response = Client().get("/app/lead?f_status=Open")

    assert response.status_code == 302
    assert response["Location"].startswith("/login?next=")
    assert "%2Fapp%2Flead" in response["Location"]


def test_login_page_is_chinese_even_when_the_browser_asks_for_english(db):
    page = Client().get("/login", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert '<html lang="zh-CN">' in page
    assert "用户名" in page and "密码" in page


def test_wrong_password_says_so_in_chinese_and_does_not_log_in(users):
    client = Client()
    response = client.post("/login", {"usr": "rep", "pwd": "wrong", "next": "/app"})

    assert response.status_code == 401
    assert "用户名或密码错误" in response.content.decode()
    assert client.get("/app").status_code == 302


def test_login_redirects_only_to_local_pages(users):
    response = Client().post(
        "/login", {"usr": "rep", "pwd": PASSWORD, "next": "https://evil.example/"}
    )

    assert response["Location"] == "/app"


def test_language_switch_is_remembered_and_switches_back(desk):
    client = desk("rep")
    client.post("/app/language", {"lang": "en", "next": "/app"}, htmx=False)

    page = client.get("/app").content.decode()
    assert '<html lang="en">' in page and "Pending approvals" in page

    client.post("/app/language", {"lang": "zh", "next": "/app"}, htmx=False)
    assert "待我审批" in client.get("/app").content.decode()


def test_a_logout_link_does_not_log_out(desk):
    # given: rep's desk session; the user menu logs out with a POST form carrying the token
    client = desk("rep")
    menu = client.get("/app").content.decode()
    assert (
        '<form method="post" action="/logout"><input type="hidden" name="csrfmiddlewaretoken"'
        in menu
    )

    # when: a link (or an image another site shows) asks for the logout pages
    desk_get = client.get("/logout")
    api_get = client.get("/api/method/logout")

    # then: still logged in
    assert (desk_get.status_code, api_get.status_code) == (405, 400)
    assert client.get("/app").status_code == 200


def test_logout_ends_the_session(desk):
    client = desk("rep")
    client.post("/logout", htmx=False)

    assert client.get("/app").status_code == 302


def test_home_counts_only_what_the_user_may_read(desk):
    # given: two leads of rep, one of south (another department)
    for owner, name in (("rep", "甲"), ("rep", "乙"), ("south", "丙")):
        do_insert_doc(owner, "Lead", {"lead_name": name, "status": "Open"})

    rep_home = desk("rep").get("/app").content.decode()
    manager_home = desk("manager").get("/app").content.decode()

    assert (
        'href="/app/lead"><span class="tile-label">线索</span><span class="tile-count">2</span>'
        in rep_home
    )
    # the manager's department (华东) holds rep's two leads, not south's
    assert '<span class="tile-label">线索</span><span class="tile-count">2</span>' in manager_home


def test_global_search_finds_only_readable_documents(desk):
    do_insert_doc("rep", "Lead", {"lead_name": "搜索测试甲", "status": "Open"})
    do_insert_doc("south", "Lead", {"lead_name": "搜索测试乙", "status": "Open"})

    page = desk("rep").get("/app/search", {"q": "搜索测试"}).content.decode()

    assert "搜索测试甲" in page
    assert "搜索测试乙" not in page


def test_notification_bell_counts_unread_and_marks_all_read(desk):
    do_notify(["rep"], "审批提醒：订单待处理", reference_doctype="Lead", reference_name="x")
    client = desk("rep")

    assert (
        '<span class="badge on">1</span>' in client.get("/app/notifications/count").content.decode()
    )
    client.post("/app/notifications", htmx=False)
    assert 'class="badge"' in client.get("/app/notifications/count").content.decode()


def test_pwa_manifest_and_service_worker(db):
    client = Client()
    manifest = client.get("/manifest.webmanifest").json()
    worker = client.get("/sw.js")

    assert manifest["start_url"] == "/app" and manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    assert "/assets/desk/desk.css" in worker.content.decode()


def test_the_service_worker_cache_changes_when_a_precached_file_changes(db, tmp_path, settings):
    from lowcode.desk.views import pwa

    pwa.cache_version.cache_clear()
    before = pwa.cache_version()
    changed = tmp_path / "desk"
    changed.mkdir()
    (changed / "desk.css").write_text("body { color: red }")
    settings.STATICFILES_DIRS = [str(tmp_path), *settings.STATICFILES_DIRS]
    from django.contrib.staticfiles import finders

    finders.get_finder.cache_clear()
    pwa.cache_version.cache_clear()
    try:
        assert pwa.cache_version() != before
        assert pwa.cache_version() in Client().get("/sw.js").content.decode()
    finally:
        finders.get_finder.cache_clear()
        pwa.cache_version.cache_clear()
