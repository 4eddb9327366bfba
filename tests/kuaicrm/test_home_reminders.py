"""The home page's lead reminder (hooks ``desk_reminders``): leads still waiting for their first
contact whose 24-hour deadline is today or past, whatever their status; contacted and archived
leads drop out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from tests.lowcode.desk.conftest import desk  # noqa: F401

pytestmark = pytest.mark.django_db


def _lead(name: str, due: dt.datetime, **values) -> str:
    data = {"lead_name": name, "mobile_no": None, "first_contact_due": due, **values}
    return do_insert_doc("rep", "Lead", {k: v for k, v in data.items() if v is not None}).name


def _reminded(html: str) -> str:
    start = html.index('id="h-leads"')  # the My day home's "leads to contact today" section
    return html[start : html.index("</section>", start)]


def test_leads_waiting_for_a_first_contact_are_reminded_until_contacted(desk, users):  # noqa: F811
    overdue = timezone.now() - dt.timedelta(days=1)
    waiting = _lead("待联系王先生", overdue)
    qualified = _lead("已确认李女士", overdue, status="Qualified")  # qualified, not yet called
    contacted = _lead("已联系张先生", overdue)
    do_insert_doc(
        "rep",
        "Follow-up Record",
        {"lead": contacted, "followup_method": "Phone", "content": "电话沟通需求"},
    )
    _lead("已归档赵先生", overdue, status="Invalid", close_reason="Unreachable", archived=1)
    _lead("无效孙先生", overdue, status="Invalid", close_reason="Unreachable")  # no call needed
    _lead("明天到期钱先生", timezone.now() + dt.timedelta(days=2))
    context.reset()

    reminded = _reminded(desk("rep").get("/app").content.decode())

    assert "待联系王先生" in reminded and f"/app/lead/{waiting}" in reminded
    assert "已确认李女士" in reminded and f"/app/lead/{qualified}" in reminded
    assert "已联系张先生" not in reminded  # the follow-up record was the first contact
    assert "已归档赵先生" not in reminded and "无效孙先生" not in reminded
    assert "明天到期钱先生" not in reminded
