"""Offline basics on a phone (docs/offline.md): the offline page, recently viewed records kept
per user, and a form typed offline kept as a draft and sent back online through the ordinary
save, whose version stamp turns a save made meanwhile into a conflict."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from tests.browser.conftest import PHONE, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

CONTROLLED = "!!navigator.serviceWorker.controller"
KEPT = """async (path) => {
  const cache = await caches.open("desk-records");
  return (await cache.keys()).some((r) => new URL(r.url).pathname === path);
}"""


@pytest.fixture
def lead(users):
    doc = do_insert_doc(
        "rep", "Lead", {"lead_name": "周晓峰", "company_name": "苏州精工机械有限公司"}
    )
    context.reset()
    return doc.name


def online_phone(page_for):
    """The rep on a phone whose pages the service worker controls."""
    page = page_for("rep", PHONE)
    page.wait_for_function(CONTROLLED)
    return page


def log_out(page) -> None:
    page.click(".usermenu summary")
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login**")


def test_a_page_never_opened_shows_the_friendly_offline_page(page_for, expect):
    page = online_phone(page_for)

    page.context.set_offline(True)
    page.goto("/app/lead")

    expect(page.locator("h1")).to_have_text("没有网络")
    expect(page.locator("#offline-retry")).to_have_text("重试")
    expect(page.locator("#offline-recent-empty")).to_be_visible()
    screenshot(page, "offline-page-phone")


def test_a_recently_viewed_record_reads_offline_and_is_forgotten_at_logout(page_for, lead, expect):
    # given: the rep opened the lead while online
    page = online_phone(page_for)
    path = f"/app/lead/{lead}"
    page.goto(path)
    page.wait_for_function(KEPT, arg=path)

    # when: offline, another page fails over to the offline page, which lists the lead
    page.context.set_offline(True)
    page.goto("/app/customer")
    expect(page.locator("#offline-recent a")).to_contain_text("周晓峰")
    screenshot(page, "offline-page-recent-phone")
    page.locator("#offline-recent a").first.click()

    # then: the record reads as last seen, with a banner saying so
    page.wait_for_url(f"**{path}")
    expect(page.locator("body")).to_contain_text("苏州精工机械有限公司")
    expect(page.locator("#offline-banner")).to_contain_text("离线")
    screenshot(page, "offline-record-phone")

    # when: back online, the rep logs out; another user logs in on the same phone
    page.context.set_offline(False)
    page.goto("/app")
    log_out(page)
    assert not page.evaluate("caches.has('desk-records')")
    page.fill("#usr", "rep2")
    page.fill("#pwd", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/app")

    # then: offline, the rep's lead is not on this phone any more
    page.context.set_offline(True)
    page.goto(path)
    expect(page.locator("h1")).to_have_text("没有网络")
    expect(page.locator("body")).not_to_contain_text("周晓峰")


def edit_offline(page, path: str, company: str) -> None:
    """Open the record online, then type a new company name and tap 保存 offline."""
    page.goto(path)
    edit = page.locator("#record-edit")
    if edit.count() and edit.is_visible():
        edit.click()
    page.context.set_offline(True)
    page.fill("#doc-form [name=company_name]", company)
    page.click("#save-btn")


def test_a_form_typed_offline_is_kept_as_a_draft_and_saved_back_online(
    page_for, lead, stored, expect
):
    page = online_phone(page_for)
    path = f"/app/lead/{lead}"

    # when: offline, the rep changes the company and taps 保存
    edit_offline(page, path, "苏州精工机床有限公司")

    # then: a draft, said so plainly; nothing was sent
    banner = page.locator("#offline-banner")
    expect(banner).to_contain_text("草稿已保存，联网后可提交")
    expect(page.locator("#offline-send")).to_be_disabled()
    screenshot(page, "offline-draft-phone")
    assert stored(lambda: do_get("rep", lead)) == "苏州精工机械有限公司"

    # the draft survives closing the page: reopened online, the form holds it
    page.context.set_offline(False)
    page.goto(path)
    expect(banner).to_contain_text("草稿已保存，联网后可提交")
    expect(page.locator("#doc-form [name=company_name]")).to_have_value("苏州精工机床有限公司")

    # when: back online, 提交草稿
    page.click("#offline-send")

    # then: saved through the ordinary save, the draft gone
    expect(banner).to_contain_text("草稿已提交")
    assert stored(lambda: do_get("rep", lead)) == "苏州精工机床有限公司"
    assert (
        page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('kuaicrm-draft:'))")
        == []
    )


def test_a_draft_sent_after_someone_else_saved_is_a_conflict_not_an_overwrite(
    page_for, lead, stored, expect
):
    page = online_phone(page_for)
    path = f"/app/lead/{lead}"
    edit_offline(page, path, "苏州精工机床有限公司")
    expect(page.locator("#offline-banner")).to_contain_text("草稿已保存，联网后可提交")

    # given: meanwhile the manager saves the lead
    stored(lambda: do_save_doc("manager", "Lead", lead, {"company_name": "苏州精工集团"}))

    # when: back online, the rep sends the draft
    page.context.set_offline(False)
    page.click("#offline-send")

    # then: the form shows the conflict; the manager's save stands; the draft is kept
    expect(page.locator("#conflict")).to_be_visible()
    expect(page.locator("#offline-banner")).to_contain_text("草稿未提交")
    screenshot(page, "offline-draft-conflict-phone")
    assert stored(lambda: do_get("rep", lead)) == "苏州精工集团"
    assert (
        page.evaluate(
            "Object.keys(localStorage).filter((k) => k.startsWith('kuaicrm-draft:')).length"
        )
        == 1
    )


def do_get(user: str, name: str) -> str:
    from lowcode.query.reads import get_doc

    context.reset()
    return get_doc(user, "Lead", name)["company_name"]
