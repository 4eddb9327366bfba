"""The rep's My day (工作台) home on a phone: today's leads, follow-ups and visits, each row
one tap from the record, a call or a prefilled follow-up; every target at least 44 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from tests.browser.conftest import PHONE, screenshot
from tests.conftest import new_graded_customer

pytestmark = pytest.mark.browser


@pytest.fixture
def day(users):
    today = timezone.localdate()
    lead = do_insert_doc(
        "rep",
        "Lead",
        {"lead_name": "周经理", "company_name": "恒力纺织", "mobile_no": "13912345678",
         "next_followup_on": today},
    ).name  # fmt: skip
    do_insert_doc(
        "rep",
        "Follow-up Task",
        {"subject": "寄送样品目录", "assigned_to": "rep", "due_date": today - dt.timedelta(1)},
    )
    customer = new_graded_customer("rep", {"customer_name": "苏州华瑞机械", "customer_level": "A"})
    do_insert_doc(
        "rep",
        "Customer Visit",
        {"visit_title": "华瑞设备调试", "customer": customer.name, "visit_date": today},
    )
    context.reset()
    return lead


def test_the_reps_day_on_a_phone(page_for, day, expect):
    page = page_for("rep", PHONE)
    leads = page.locator("section[data-section=leads]")
    expect(leads.locator("h2")).to_contain_text("今日待联系线索")
    expect(page.locator("section[data-section=followups]")).to_contain_text("已逾期")
    expect(page.locator("section[data-section=visits]")).to_contain_text("华瑞设备调试")
    call = leads.locator("a.day-call")
    expect(call).to_have_attribute("href", "tel:+8613912345678")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll('#my-day a, #my-day button, #day-refresh'))
          .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 43.5)
          .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert small == []
    screenshot(page, "phone-my-day-rep-390")

    # one tap logs a call: the follow-up form opens linked to the lead, method 电话
    leads.locator("a.day-log").click()
    page.wait_for_url("**/app/follow-up-record/new?**")
    expect(page.locator("[name=lead]")).to_have_value(day)
    expect(page.locator("[name=followup_method]")).to_have_value("Phone")
