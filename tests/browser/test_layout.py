"""What a phone user and a keyboard or screen-reader user get: no sideways scrolling, the bottom
navigation, an accessible name on every input, and Tab reaching the search box and Save."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_list import open_filters

pytestmark = pytest.mark.browser


@pytest.fixture
def documents(users):
    """A lead with long values (they must wrap, not widen the page) and a sales order."""
    lead = do_insert_doc(
        "rep",
        "Lead",
        {
            "lead_name": "欧阳建华",
            "company_name": "江苏省苏州市工业园区高新技术精密机械制造集团股份有限公司华东区域总部",
            "email_id": "ouyang.jianhua.procurement-department@suzhou-precision-machinery.com.cn",
            "notes": "客户关注交付周期与售后服务响应时间，" * 8,
        },
    ).name
    customer = do_insert_doc("rep", "Customer", {"customer_name": "昆山精密模具有限公司"}).name
    order = do_insert_doc(
        "rep",
        "Sales Order",
        {"customer": customer, "items": [{"item_name": "模具钢 SKD11", "qty": 5, "rate": 800}]},
    ).name
    return {"lead": lead, "order": order}


def screens(documents) -> dict[str, str]:
    return {
        "home": "/app",
        "list": "/app/lead",
        "form": f"/app/lead/{documents['lead']}",
        "new": "/app/lead/new",
        "order": f"/app/sales-order/{documents['order']}",
        "approvals": "/app/approvals",
    }


def test_no_screen_scrolls_sideways_on_a_phone_and_the_bottom_nav_stays(
    page_for, documents, expect
):
    page = page_for("rep", PHONE)
    for screen, url in screens(documents).items():
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{screen} ({url}) is {width}px wide"
        nav = page.locator("nav.bottomnav")
        expect(nav).to_be_visible()
        box = nav.bounding_box()
        assert box["y"] + box["height"] <= PHONE["height"] + 1, f"{screen}: bottom nav off screen"
        # the sidebar is a drawer on phones, out of the way until opened
        expect(page.locator("#sidebar")).not_to_be_in_viewport()
        screenshot(page, f"phone-{screen}-390")
    # the drawer opens from the bottom navigation's menu button
    page.locator("nav.bottomnav button[data-toggle=sidebar]").click()
    expect(page.locator("#sidebar a", has_text="销售订单")).to_be_in_viewport()


def test_the_bottom_nav_is_a_phone_thing(page_for, expect):
    page = page_for("rep", DESKTOP)
    expect(page.locator("nav.bottomnav")).to_be_hidden()
    expect(page.locator("#sidebar")).to_be_visible()


# Roles of form controls in Chromium's accessibility tree.
CONTROL_ROLES = {
    "textbox",
    "searchbox",
    "combobox",
    "listbox",
    "checkbox",
    "radio",
    "spinbutton",
    "slider",
    "switch",
}


def unnamed_controls(page) -> list[str]:
    """Visible form controls without an accessible name, as Chromium computes it."""
    session = page.context.new_cdp_session(page)
    try:
        tree = session.send("Accessibility.getFullAXTree")
    finally:
        session.detach()
    missing = []
    for node in tree["nodes"]:
        role = (node.get("role") or {}).get("value")
        if node.get("ignored") or role not in CONTROL_ROLES:
            continue
        if not (node.get("name") or {}).get("value", "").strip():
            missing.append(f"{role} (backend node {node.get('backendDOMNodeId')})")
    return missing


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_visible_control_has_an_accessible_name(page_for, documents, expect, viewport):
    page = page_for("rep", viewport)
    for screen, url in screens(documents).items():
        page.goto(url)
        if viewport == PHONE and screen == "form":
            page.click("#record-edit")  # read first on a phone: 编辑 shows the form's controls
        if screen == "list":
            open_filters(page, viewport)  # on a phone the builder is in the filter sheet
            page.click("#filter-builder summary")  # the builder's own controls too
            page.click("#fb-add")
        if screen == "order":
            page.click("#field-items .grid-add")  # a new child row
        count = page.locator("input:visible, select:visible, textarea:visible").count()
        assert count > 0, screen
        assert unnamed_controls(page) == [], screen
    # the check itself sees an input nobody labelled
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input>')")
    assert len(unnamed_controls(page)) == 1


def tab_stops(page, presses: int) -> list[str]:
    """The element ids (or tag names) focus visits on ``presses`` Tab presses."""
    stops = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        stops.append(
            page.evaluate(
                "document.activeElement.id || document.activeElement.tagName.toLowerCase()"
            )
        )
    return stops


def test_tab_reaches_the_search_box_then_save(page_for, documents):
    page = page_for("rep", DESKTOP)
    page.goto(f"/app/lead/{documents['lead']}")
    stops = tab_stops(page, 40)
    assert "global-search" in stops
    assert "save-btn" in stops
    assert stops.index("global-search") < stops.index("save-btn")
    # Enter on the focused Save button saves (a keyboard-only user can finish the job)
    page.focus("#in-city")
    page.keyboard.type("昆山")
    page.focus("#save-btn")
    before = page.locator("input[name=modified]").input_value()
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelector('input[name=modified]').value !== {before!r}")
    page.reload()
    assert page.locator("#in-city").input_value() == "昆山"


def test_tab_reaches_the_list_search(page_for, documents):
    page = page_for("rep", DESKTOP)
    page.goto("/app/lead")
    # the sidebar lists every DocType the rep uses (order to cash added seven): the skip link,
    # the first stop, jumps over it, and the list's search is a few presses further
    stops = tab_stops(page, 1)
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    stops += tab_stops(page, 5)
    assert "list-q" in stops
    # tabbing through the whole page still gets there, the header's search first
    page.goto("/app/lead")
    stops = tab_stops(page, 60)
    assert "global-search" in stops
    assert "list-q" in stops
    assert stops.index("global-search") < stops.index("list-q")
