"""Issues found on a customer visit become Follow-up Tasks; the report waits for them."""

from __future__ import annotations

import pytest

from lowcode.storage.factory import get_model
from tests.kuaicrm.workflow.visit_helpers import check_in
from tests.lowcode.workflow.helpers import act, state_after

pytestmark = pytest.mark.django_db
V = "Customer Visit"


def _recorded_with_issues(rep, manager, issues: list[dict]) -> str:
    created = rep.post("/api/resource/Customer Visit", {"visit_title": "拜访苏州精工"})
    name = created.json()["data"]["name"]
    state_after(rep, V, name, "Submit Plan")
    state_after(manager, V, name, "Approve")
    check_in(rep, name)  # Complete Visit is the check-in (签到)
    saved = rep.put(
        f"/api/resource/Customer Visit/{name}",
        {"visit_record": "客户反馈两处问题", "issues": issues},
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["data"]["has_issue"] == 1  # listed issues route the visit to follow-up
    state_after(rep, V, name, "Record Visit")
    return name


def test_each_issue_becomes_a_task_for_its_assignee(workflows, api):
    rep = api("rep")
    name = _recorded_with_issues(
        rep,
        api("manager"),
        [
            {"issue": "交付延迟两周\n客户要求书面说明", "due_date": "2026-12-20"},
            {"issue": "备件报价偏高", "assigned_to": "rep2"},
        ],
    )
    # when
    assert state_after(rep, V, name, "Create Follow-up Task") == "Follow-up Task"
    # then
    Task = get_model("Follow-up Task")
    tasks = {t.subject: t for t in Task.objects.filter(customer_visit=name)}
    assert set(tasks) == {"交付延迟两周", "备件报价偏高"}
    assert (tasks["交付延迟两周"].assigned_to, str(tasks["交付延迟两周"].due_date)) == (
        "rep",
        "2026-12-20",
    )
    assert tasks["备件报价偏高"].assigned_to == "rep2"
    # the assignee sees their task under the "own" scope, though the rep created it
    mine = api("rep2").get("/api/resource/Follow-up Task", {"fields": ["name", "subject"]})
    assert [row["subject"] for row in mine.json()["data"]] == ["备件报价偏高"]
    visit = rep.get(f"/api/resource/Customer Visit/{name}").json()["data"]
    assert {row["task"] for row in visit["issues"]} == {t.name for t in tasks.values()}
    # saving the visit again while in follow-up does not duplicate the tasks
    again = rep.put(f"/api/resource/Customer Visit/{name}", {"visit_record": "补充:客户已书面确认"})
    assert again.status_code == 200, again.content
    assert Task.objects.filter(customer_visit=name).count() == 2


def test_the_report_waits_until_every_follow_up_task_is_done(workflows, api):
    rep = api("rep")
    name = _recorded_with_issues(rep, api("manager"), [{"issue": "安装位置需要确认"}])
    state_after(rep, V, name, "Create Follow-up Task")
    state_after(rep, V, name, "Start Tracking")
    refused = act(rep, V, name, "Submit Report")
    assert refused.status_code == 417
    assert refused.json()["errors"][0]["field"] == "issues"
    assert get_model(V).objects.get(name=name).workflow_state == "Tracking"
    task = get_model("Follow-up Task").objects.get(customer_visit=name)
    # a task is done only with its result written down
    assert (
        rep.put(f"/api/resource/Follow-up Task/{task.name}", {"status": "Done"}).status_code == 417
    )
    done = rep.put(
        f"/api/resource/Follow-up Task/{task.name}", {"status": "Done", "result": "已现场确认"}
    )
    assert done.status_code == 200, done.content
    assert done.json()["data"]["completed_on"]
    assert state_after(rep, V, name, "Submit Report") == "Report Review"
