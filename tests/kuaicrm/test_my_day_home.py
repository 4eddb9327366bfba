"""The My day (工作台) home (issue 17, item 1): leads to contact today, follow-ups due and overdue,
today's visits, each in its section (hooks ``desk_reminders``), each row one tap from a call
or a follow-up; read through the permission layer; the sections alone for pull-to-refresh."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from tests.conftest import new_graded_customer
from tests.lowcode.desk.conftest import desk  # noqa: F401

pytestmark = pytest.mark.django_db


def section(page: str, key: str) -> str:
    start = page.index(f'id="h-{key}"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def my_day(users):
    today = timezone.localdate()
    lead = {"mobile_no": "13912345678", "company_name": "恒力纺织", "next_followup_on": today}
    names = {
        "lead": do_insert_doc("rep", "Lead", {"lead_name": "周经理", **lead}).name,
        "others_lead": do_insert_doc("rep2", "Lead", {"lead_name": "吴经理", **lead}).name,
        "later_lead": do_insert_doc(
            "rep",
            "Lead",
            {**lead, "lead_name": "郑经理", "next_followup_on": today + dt.timedelta(3)},
        ).name,
        "overdue_task": do_insert_doc(
            "rep",
            "Follow-up Task",
            {"subject": "寄送样品目录", "assigned_to": "rep", "due_date": today - dt.timedelta(2)},
        ).name,
    }
    customer = new_graded_customer("rep", {"customer_name": "苏州华瑞机械", "customer_level": "A"})
    for title, day in (("华瑞设备调试", today), ("华瑞上周回访", today - dt.timedelta(7))):
        names[title] = do_insert_doc(
            "rep",
            "Customer Visit",
            {"visit_title": title, "customer": customer.name, "visit_date": day},
        ).name
    context.reset()
    return names


def test_my_day_shows_todays_work_in_sections_each_row_actionable(desk, my_day):  # noqa: F811
    page = desk("rep").get("/app").content.decode()

    leads = section(page, "leads")
    assert "今日待联系线索" in leads and "周经理" in leads and "恒力纺织" in leads
    assert f'href="/app/lead/{my_day["lead"]}"' in leads
    assert 'href="tel:+8613912345678"' in leads  # one tap to call
    assert (
        f'href="/app/follow-up-record/new?followup_method=Phone&amp;lead={my_day["lead"]}"' in leads
    )
    assert "吴经理" not in leads  # rep2's lead is not my day's work
    assert "郑经理" not in leads  # due in three days

    followups = section(page, "followups")
    assert "寄送样品目录" in followups and "已逾期" in followups
    assert f"follow_up_task={my_day['overdue_task']}" in followups

    visits = section(page, "visits")
    assert "华瑞设备调试" in visits and "华瑞上周回访" not in visits

    # pull-to-refresh fetches the same sections without the page around them
    part = desk("rep").get("/app?part=day").content.decode()
    assert "<html" not in part and "周经理" in part and 'id="h-approvals"' in part


def test_my_day_reads_through_the_permission_layer(desk, my_day):  # noqa: F811
    # the south region's rep reads none of 苏州组's leads, tasks or visits
    page = desk("south").get("/app").content.decode()
    for title in ("周经理", "寄送样品目录", "华瑞设备调试"):
        assert title not in page
