"""The rep's morning on a phone (issue 17), counted with tests/browser/journey.py: from the My day
home, call a lead (a tel: link), come back and log the 电话 follow-up with 有意向 in the sheet the
desk offers (the lead moves to 已联系 by itself: a Workflow Action Rule), convert it with the
prefilled dialog, move the new opportunity to the next stage with 下一阶段, then open today's
visit and 签到 there (photo + position). Goal: ≤ 15 taps and ≤ 6 full page loads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kuaicrm.defaults_flow import install_follow_up_rules
from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow
from tests.browser.conftest import PHONE, SCREENSHOTS, screenshot
from tests.browser.journey import Journey
from tests.kuaicrm.workflow.visit_helpers import PNG

pytestmark = pytest.mark.browser
MOBILE = "138 1234 5678"
TAPS, LOADS = 15, 6

# The phone's dialler, as far as the page can tell: a tap on a tel: link leaves the page in
# the background (hidden) and the rep comes back (visible). Headless Chromium has no dialler,
# so the link's navigation is stopped (after the desk's own click handler has seen the tap)
# and the two visibility changes are played.
_NO_DIALLER = """
window.addEventListener("click", (e) => {
  if (e.target.closest('a[href^="tel:"]')) e.preventDefault();
});
"""
_AWAY_AND_BACK = """
() => {
  for (const state of ["hidden", "visible"]) {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
    document.dispatchEvent(new Event("visibilitychange"));
  }
}
"""


def viewport_shot(page, name: str) -> None:
    """What the phone's screen shows now (a sheet sits over the viewport, not the whole page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.fixture
def morning(workflows):
    """李娜 of 苏州华瑞机械, the rep's lead to call today (yesterday's call planned it); a visit
    to another customer today, its plan approved."""
    install_follow_up_rules()
    lead = do_insert_doc(
        "rep",
        "Lead",
        {
            "lead_name": "李娜",
            "company_name": "苏州华瑞机械",
            "mobile_no": MOBILE,
            "designation": "采购经理",
            "company_size": "200-999",
            "budget_range": "500k-2M",
            "industry": "Manufacturing",
            "expected_amount": 380000,
        },
    ).name
    for user, action in (("rep", "Qualify"), ("manager", "Assign"), ("rep", "Plan Follow-up")):
        do_apply_workflow(user, "Lead", lead, action)
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    do_insert_doc(
        "rep",
        "Follow-up Record",
        {
            "followup_method": "WeChat",
            "followed_up_on": yesterday.strftime("%Y-%m-%d %H:%M:%S"),
            "lead": lead,
            "content": "微信加上了，约明天电话",
            "next_followup_on": str(timezone.localdate()),
        },
    )
    customer = do_insert_doc("rep", "Customer", {"customer_name": "无锡宏达压缩机"}).name
    visit = do_insert_doc(
        "rep",
        "Customer Visit",
        {
            "visit_title": "拜访无锡宏达",
            "customer": customer,
            "visit_date": str(timezone.localdate()),
        },
    ).name
    do_apply_workflow("rep", "Customer Visit", visit, "Submit Plan")
    do_apply_workflow("manager", "Customer Visit", visit, "Approve")
    context.reset()
    return {"lead": lead, "visit": visit}


def test_a_rep_s_morning_on_a_phone(page_for, morning, stored, expect):
    lead = morning["lead"]
    page = page_for("rep", PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 31.4912, "longitude": 120.3119, "accuracy": 20})
    journey = Journey(page)
    page.add_init_script(_NO_DIALLER)
    page.goto("/app")
    journey.start()

    # see today's work: the lead to call is on the My day home, with its number one tap away
    row = page.locator('[data-section="leads"] .day-row', has_text="李娜")
    expect(row).to_be_visible()
    call = row.locator("a.tel")
    assert call.get_attribute("href") == "tel:+8613812345678"
    screenshot(page, "rep-morning-1-my-day-390")

    # call the lead; back from the call, the desk offers the 电话 follow-up for 李娜
    journey.tap(call, "call 李娜")
    page.evaluate(_AWAY_AND_BACK)
    sheet = page.locator("#flow-sheet")
    expect(sheet).to_be_visible()
    expect(sheet.locator("#flow-sheet-title")).to_contain_text("李娜")
    expect(sheet.locator("select[name=followup_method]")).to_have_value("Phone")
    expect(sheet.locator("input[name=lead]")).to_have_value(lead)
    assert sheet.locator("input[name=followed_up_on]").input_value()[:10] == str(
        timezone.localdate()
    )
    viewport_shot(page, "rep-morning-2-call-sheet-390")

    # log it: what was said, and the outcome 有意向
    content = sheet.locator("textarea[name=content]")
    journey.tap(content, "what was said")
    content.fill("电话沟通：客户对数控车床有意向，约下周演示")
    journey.choose(sheet.locator("select[name=intent]"), "Interested", "有意向")
    journey.tap(sheet.locator("#save-btn"), "save the follow-up")

    # back on the lead, which moved to 已联系 by itself (the rule, through the workflow)
    page.wait_for_url(f"**/app/lead/{lead}")
    expect(page.locator("h1 .pill")).to_have_text("已联系")
    saved = stored(lambda: get_model("Lead").objects.get(name=lead))
    assert (saved.get("workflow_state"), saved.status) == ("Contacted", "Contacted")
    screenshot(page, "rep-morning-3-lead-contacted-390")

    # interested: the workflow's next step, then convert with the dialog prefilled from the lead
    journey.tap(page.locator('.wf-action[data-action="Interested"]'), "产生兴趣")
    expect(page.locator("h1 .pill")).to_have_text("已安排演示")
    journey.tap(page.locator('.fa-open[data-dialog="fa-convert"]'), "转为商机")
    dialog = page.locator("#fa-convert")
    expect(dialog.locator("#fa-convert-new_customer")).to_have_text("苏州华瑞机械")
    expect(dialog.locator("#fa-convert-new_contact")).to_have_text("李娜")
    expect(dialog.locator("input[name=opportunity_name]")).to_have_value("苏州华瑞机械的商机")
    expect(dialog.locator("input[name=amount]")).to_have_value("380000")
    viewport_shot(page, "rep-morning-4-convert-prefilled-390")
    journey.tap(dialog.locator(".fa-submit"), "确定")
    page.wait_for_url("**/app/opportunity/**")
    opportunity = page.url.rsplit("/", 1)[-1]
    expect(page.locator("#toast")).to_contain_text("已转化")

    # the next stage: a picker of the configured stages, and 下一阶段 in one tap
    journey.tap(page.locator('.fa-open[data-dialog="fa-stage"]'), "变更阶段")
    stage = page.locator("#fa-stage")
    expect(stage.locator("select[name=stage]")).to_have_value("初步接触")
    expect(stage.locator("[data-field=lost_reason]")).to_be_hidden()
    expect(stage.locator(".fa-next")).to_have_text("下一阶段：需求确认")
    viewport_shot(page, "rep-morning-5-stage-picker-390")
    journey.tap(stage.locator(".fa-next"), "下一阶段")
    expect(page.locator("#toast")).to_contain_text("需求确认")
    moved = stored(lambda: get_model("Opportunity").objects.get(name=opportunity))
    assert (moved.stage, float(moved.amount), moved.lead) == ("需求确认", 380000, lead)

    # today's visit, from the My day home
    journey.tap(page.locator(".bottomnav a[href='/app']"), "home")
    visit_row = page.locator('[data-section="visits"] .day-open', has_text="拜访无锡宏达")
    expect(page.locator('[data-section="leads"] .day-row', has_text="李娜")).to_have_count(0)
    journey.tap(visit_row, "open today's visit")
    page.wait_for_url(f"**/app/customer-visit/{morning['visit']}")
    screenshot(page, "rep-morning-6-visit-390")

    # 签到: one tap opens the camera; its shutter is the second (the photo comes from the test)
    journey.tap(page.locator("#checkin-button"), "签到")
    page.locator("#checkin-photo").set_input_files(
        {"name": "门头.png", "mimeType": "image/png", "buffer": PNG}
    )
    journey.taps += 1
    journey.steps.append("camera shutter")
    expect(page.locator("#checkin-status")).to_contain_text("已签到")
    checked = stored(lambda: get_model("Customer Visit").objects.get(name=morning["visit"]))
    assert checked.checkin_time is not None
    assert (float(checked.checkin_latitude), float(checked.checkin_longitude)) == (
        31.4912,
        120.3119,
    )
    viewport_shot(page, "rep-morning-7-checked-in-390")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide"
    print("rep's morning:", journey.summary())
    assert journey.taps <= TAPS, journey.summary()
    assert journey.loads <= LOADS, journey.summary()
