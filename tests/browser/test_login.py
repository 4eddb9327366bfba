"""Logging in through the real form, in Chinese first and in English on request."""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_login_page_is_chinese_although_the_browser_asks_for_english(page_for, viewport):
    page = page_for.anonymous(viewport)
    response = page.goto("/login")
    assert response.request.headers["accept-language"].startswith("en-US")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("label[for=usr]").inner_text() == "用户名"
    screenshot(page, f"login-{viewport['width']}")
    page.fill("#usr", "rep")
    page.fill("#pwd", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/app")
    assert "您好" in page.locator("h1").inner_text()


def test_a_wrong_password_is_refused_in_chinese(page_for, expect):
    page = page_for.anonymous(PHONE)
    page.goto("/login")
    page.fill("#usr", "rep")
    page.fill("#pwd", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator(".alert-red")).to_have_text("用户名或密码错误")
    assert page.url.endswith("/login")
    assert page.locator("#usr").input_value() == "rep"


def test_the_english_switch_holds_until_switched_back(page_for, expect):
    page = page_for.anonymous(DESKTOP)
    page.goto("/login")
    page.click("button[name=lang][value=en]")
    expect(page.locator("label[for=usr]")).to_have_text("User name")
    assert page.locator("html").get_attribute("lang") == "en"
    page.fill("#usr", "rep")
    page.fill("#pwd", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/app")
    expect(page.locator("h1")).to_contain_text("Hello")
    expect(page.locator("#h-approvals")).to_contain_text("Pending approvals")
    page.goto("/app/lead")
    expect(page.locator("h1.page-title")).to_have_text("Lead")
    screenshot(page, "list-lead-english-1366")

    # back to Chinese from the user menu, on the page the user was on
    page.click("details.usermenu summary")
    page.click("button[name=lang][value=zh]")
    page.wait_for_url("**/app/lead")
    expect(page.locator("h1.page-title")).to_have_text("线索")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
