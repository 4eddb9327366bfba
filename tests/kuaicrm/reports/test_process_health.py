"""Process Health (流程健康度周报) over HTTP, and the weekly job that sends it to each manager."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from kuaicrm.weekly_report import LINK, send_process_health
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _
from lowcode.storage.factory import get_model

from .conftest import STAGES, make_deal, rows_by, run

REPORT = "Process Health"


@pytest.fixture
def week(sales_reports):
    return {
        "p1": make_deal("rep", ["初步接触", "需求确认", "方案报价"], 100),
        "p2": make_deal("rep", ["初步接触", "输单"], 200, lost_reason="Price"),
        "p3": make_deal("rep", ["初步接触", "成交"], 300),
        "p4": make_deal("rep", ["需求确认", "初步接触"], 400),  # moved back
        "s1": make_deal("south", ["初步接触", "需求确认"], 500),
    }


def expected(deals) -> dict:
    """Per stage, from the paths the test walked: entered, left, forward, lost."""
    figures: dict[str, dict] = {}

    def row(stage):
        return figures.setdefault(stage, {"entered": 0, "exited": 0, "advanced": 0, "lost": 0})

    for deal in deals:
        row(deal.path[0])["entered"] += 1
        for here, there in itertools.pairwise(deal.path):
            row(there)["entered"] += 1
            row(here)["exited"] += 1
            if STAGES[there][1] == "Lost":
                row(here)["lost"] += 1
            elif STAGES[there][0] > STAGES[here][0]:
                row(here)["advanced"] += 1
    for values in figures.values():
        exited = values["exited"]
        values["advance_rate"] = round(100 * values["advanced"] / exited, 1) if exited else None
    return figures


def observed(message) -> dict:
    keys = ("entered", "exited", "advanced", "lost", "advance_rate")
    return {
        stage: {k: r[k] for k in keys}
        for stage, r in rows_by(message, "stage").items()
        if r["entered"] or r["exited"]
    }


def test_the_weeks_stage_moves_conversion_and_losses(api, week):
    message = run(api("manager"), REPORT)
    mine = [week[k] for k in ("p1", "p2", "p3", "p4")]
    assert observed(message) == expected(mine)
    summary = {item["label"]: item["value"] for item in message["report_summary"]}
    assert summary[_("New Opportunities")] == 4
    assert summary[_("Won Deals")] == 1
    assert summary[_("Won Amount")] == 300
    assert summary[_("Lost Deals")] == 1
    assert summary[_("Top Lost Reason")] == _("Price")
    assert f"{_('Price')} 1" in message["message"]
    # open deals per stage, now: p1 in 方案报价, p4 in 初步接触
    rows = rows_by(message, "stage")
    assert rows["方案报价"]["open_now"] == 1 and rows["初步接触"]["open_now"] == 1


def test_a_week_ending_earlier_has_none_of_this_weeks_moves(api, week):
    earlier = (timezone.localdate() - dt.timedelta(days=8)).isoformat()
    message = run(api("manager"), REPORT, {"date": earlier})
    assert observed(message) == {}
    summary = {item["label"]: item["value"] for item in message["report_summary"]}
    assert summary[_("New Opportunities")] == 0


def test_south_sees_only_its_own_week(api, week):
    assert observed(run(api("south"), REPORT)) == expected([week["s1"]])


def test_the_weekly_job_is_scheduled_and_sends_each_manager_their_own_figures(
    users, week, django_capture_on_commit_callbacks
):
    assert "kuaicrm.weekly_report.send_process_health" in get_hooks("scheduler_events")["weekly"]
    # when
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_process_health()
    # then both Sales Managers got one notification with their own figures and the link
    assert sent == ["manager", "south_manager"]
    logs = {
        log.for_user: log for log in get_model("Notification Log").objects.filter(for_user__in=sent)
    }
    assert set(logs) == {"manager", "south_manager"}
    new = _("New Opportunities")
    assert f"{new}: 4" in logs["manager"].email_content
    assert f"{new}: 1" in logs["south_manager"].email_content  # s1 only
    for log in logs.values():
        assert LINK in log.email_content
        assert log.subject == _("Weekly process health report")


def test_a_disabled_report_is_not_sent(users, week, django_capture_on_commit_callbacks):
    get_model("Report").objects.filter(name=REPORT).update(disabled=1)

    with django_capture_on_commit_callbacks(execute=True):
        sent = send_process_health()

    assert sent == []
    assert not get_model("Notification Log").objects.filter(for_user="manager").exists()
