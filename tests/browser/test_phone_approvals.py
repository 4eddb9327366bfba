"""The manager's approvals on a phone (issue 17): from the My day home, approve a discount
quotation with a comment in ≤ 3 taps; return another with a ready-made reason; act from a
notification and from the document a notification links to. No browser prompt anywhere."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow
from tests.browser import o2c_data as data
from tests.browser.conftest import PHONE, SCREENSHOTS, screenshot
from tests.browser.journey import Journey

pytestmark = pytest.mark.browser

RETURN_REASON = "折扣超出授权，请调整后重新提交"  # one of the transition's reason templates


@pytest.fixture
def quotations(workflows):
    """Three of the rep's quotations at 15 % discount, each waiting for the manager and finance."""
    data.catalogue()
    customer = data.customer()
    names = []
    for _ in range(3):
        name = data.quotation(customer, discount=15)
        do_apply_workflow("rep", "Quotation", name, "Submit")
        names.append(name)
    context.reset()
    return names


# A finger at the top of the page pulling 120 px down, as touch events.
PULL_DOWN = """() => {
  window.scrollTo(0, 0);
  const target = document.querySelector("#my-day");
  const touch = (y) => new Touch({ identifier: 1, target, clientX: 200, clientY: y });
  const fire = (type, y) => target.dispatchEvent(new TouchEvent(type, {
    bubbles: true, cancelable: true,
    touches: type === "touchend" ? [] : [touch(y)], changedTouches: [touch(y)] }));
  fire("touchstart", 150); fire("touchmove", 200); fire("touchmove", 270); fire("touchend", 270);
}"""


def viewport_shot(page, name: str) -> None:
    """What the phone's screen shows now (a sheet sits over the viewport, not the whole page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def row(page, name: str):
    return page.locator("li.ap-row").filter(has=page.locator(f"a[href$='/{name}']"))


def last_log(stored, name: str):
    return stored(
        lambda: (
            get_model("Workflow Log")
            .objects.filter(reference_doctype="Quotation", reference_name=name)
            .order_by("-timestamp", "-creation")
            .first()
        )
    )


def status(stored, name: str) -> str:
    return stored(lambda: get_model("Quotation").objects.get(name=name).status)


def no_prompts(page) -> list[str]:
    """Collect any browser dialog (prompt, confirm, alert): approval paths must open none."""
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen


def test_manager_approves_a_discount_quotation_with_a_comment_from_home(
    page_for, quotations, stored, expect
):
    approve, give_back, _third = quotations
    manager = page_for("manager", PHONE)
    prompts = no_prompts(manager)
    journey = Journey(manager)
    manager.goto("/app")
    journey.start()

    # the home shows what to decide on: amount, who submitted, the step, how long it waited
    waiting = row(manager, approve)
    expect(waiting.locator(".ap-amount")).to_have_text(
        f"{stored(lambda: get_model('Quotation').objects.get(name=approve).grand_total):,.2f}"
    )
    expect(waiting.locator(".ap-submitter")).to_have_text("rep 提交")
    expect(waiting.locator(".ap-step")).to_have_text("待审批")
    expect(waiting.locator(".ap-waiting")).to_contain_text("已等待")
    expect(waiting.locator("[data-field=max_discount_percentage]")).to_contain_text("15%")
    screenshot(manager, "phone-approvals-home-390")

    # when: 通过, a comment, confirm
    journey.tap(waiting.locator(".ap-decide[data-action=Approve]"), "通过")
    sheet = manager.get_by_role("dialog", name="通过")
    expect(sheet).to_be_visible()
    expect(sheet.get_by_label("意见")).to_be_focused()  # the keyboard is up: just type
    sheet.get_by_label("意见").fill("折扣可以接受，下不为例")
    viewport_shot(manager, "phone-approvals-sheet-approve-390")
    journey.tap(sheet.locator(".ap-sheet-ok"), "确认通过")

    # then: the row says what happened, the decision is the manager's with the comment
    expect(waiting.locator(".ap-result")).to_contain_text("会签 1/2")
    expect(manager.locator("#toast")).to_contain_text("已通过")
    viewport_shot(manager, "phone-approvals-approved-390")
    print("manager approves with a comment:", journey.summary())
    assert journey.taps <= 3, journey.summary()
    assert journey.loads == 0, journey.summary()
    log = last_log(stored, approve)
    assert (log.user, log.action, log.comment) == ("manager", "Approve", "折扣可以接受，下不为例")

    # when: 不通过 with a ready-made reason (a tap on the template, no typing, no prompt)
    journey.start()
    journey.tap(row(manager, give_back).locator(".ap-decide[data-action=Reject]"), "不通过")
    sheet = manager.get_by_role("dialog", name="不通过")
    expect(sheet.get_by_role("textbox", name="原因")).to_be_focused()
    journey.tap(sheet.locator(".ap-chip", has_text=RETURN_REASON), "原因模板")
    expect(sheet.get_by_role("textbox", name="原因")).to_have_value(RETURN_REASON)
    viewport_shot(manager, "phone-approvals-sheet-return-390")
    journey.tap(sheet.locator(".ap-sheet-ok"), "确认不通过")
    expect(row(manager, give_back).locator(".ap-result")).to_contain_text("草稿")
    print("manager returns with a template reason:", journey.summary())
    assert journey.taps <= 3 and journey.loads == 0, journey.summary()
    assert status(stored, give_back) == "Draft"
    assert last_log(stored, give_back).reason == RETURN_REASON

    # pull-to-refresh: a finger pulls the top of the page down; the day's sections come
    # again (two decided rows leave the list) without a page load
    before = journey.loads
    manager.evaluate(PULL_DOWN)
    expect(manager.locator("#h-approvals .count")).to_have_text("1")
    expect(row(manager, approve)).to_have_count(0)
    assert journey.loads == before
    # the same without a touch screen: the ↻ button
    manager.locator("#day-refresh").click()
    expect(manager.locator("#pull-hint")).to_have_text("已刷新")
    assert prompts == []


def test_a_return_without_a_reason_is_refused_in_the_sheet(page_for, quotations, stored, expect):
    name = quotations[0]
    manager = page_for("manager", PHONE)
    prompts = no_prompts(manager)
    manager.goto("/app/approvals")
    row(manager, name).locator(".ap-decide[data-action=Reject]").click()
    sheet = manager.get_by_role("dialog", name="不通过")
    sheet.locator(".ap-sheet-ok").click()
    expect(sheet.locator("#ap-reason-err")).to_contain_text("原因")
    expect(sheet).to_be_visible()
    assert status(stored, name) == "Pending Approval"
    # cancelling changes nothing either
    sheet.locator(".ap-sheet-cancel").click()
    expect(sheet).to_be_hidden()
    assert status(stored, name) == "Pending Approval" and prompts == []


def test_manager_acts_from_a_notification_and_from_its_link(page_for, quotations, stored, expect):
    from_list, from_link, _ = quotations
    manager = page_for("manager", PHONE)
    prompts = no_prompts(manager)
    journey = Journey(manager)
    manager.goto("/app")
    journey.start()

    # the bell's page: the notification about the quotation carries 通过 / 不通过
    journey.tap(manager.locator(".bottomnav a[href='/app/notifications']"), "通知")
    item = manager.locator("li.ap-row").filter(has=manager.locator(f"a[href$='/{from_list}']"))
    screenshot(manager, "phone-approvals-notifications-390")
    journey.tap(item.locator(".ap-decide[data-action=Approve]"), "通过")
    sheet = manager.get_by_role("dialog", name="通过")
    sheet.get_by_label("意见").fill("同意")
    journey.tap(sheet.locator(".ap-sheet-ok"), "确认通过")
    expect(item.locator(".ap-result")).to_contain_text("会签 1/2")
    print("manager approves from a notification:", journey.summary())
    assert journey.taps <= 4, journey.summary()  # 3 from the notifications page
    assert last_log(stored, from_list).comment == "同意"

    # the notification's link opens the quotation; its 不通过 asks in the same sheet
    notice = manager.locator("li.ap-row").filter(has=manager.locator(f"a[href$='/{from_link}']"))
    notice.locator(f"a[href$='/{from_link}']").first.click()
    manager.wait_for_url(f"**/app/quotation/{from_link}")
    manager.locator(".wf-action[data-action=Reject]").click()
    sheet = manager.get_by_role("dialog", name="不通过")
    sheet.locator(".ap-chip", has_text=RETURN_REASON).click()
    sheet.get_by_label("意见").fill("客户是老客户，可以到12%")
    viewport_shot(manager, "phone-approvals-form-return-390")
    sheet.locator(".ap-sheet-ok").click()
    expect(manager.locator("h1 .pill")).to_have_text("草稿")
    expect(manager.locator("#timeline")).to_contain_text(
        f"{RETURN_REASON} · 客户是老客户，可以到12%"
    )
    assert status(stored, from_link) == "Draft" and prompts == []
