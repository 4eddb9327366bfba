"""Notifications and workflow steps reach the group robots configured for them.

Each robot is a real HTTP server on 127.0.0.1 that checks what the platform checks
(WeCom: the key in the URL; DingTalk: timestamp + HMAC-SHA256 sign) and answers the
platform's errcode otherwise, so a delivery logged "Success" was an authentic one.
"""

from __future__ import annotations

import json

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.notify.actions import do_notify
from lowcode.storage.factory import get_model
from lowcode.workflow.loader import sync_workflows
from tests.lowcode.workflow.helpers import state_after

LOG = "Webhook Request Log"
LEAD = {
    "lead_name": "王先生",
    "company_name": "苏州精工",
    "mobile_no": "13800138000",
    "designation": "采购总监",
    "company_size": "200-999",
    "budget_range": "500k-2M",
}


@pytest.fixture
def robots(transactional_db, users, inline):
    return users


@pytest.fixture
def lead_workflow(robots):
    """The fixture workflows, loaded as after_migrate loads them (Lead qualification among them)."""
    sync_workflows()
    context.reset()


def make_channel(name: str, platform: str, url: str, **values) -> str:
    data = {"channel_name": name, "platform": platform, "webhook_url": url, **values}
    return do_insert_doc("Administrator", "Robot Channel", data).name


def logged(channel: str) -> list[tuple[int, str]]:
    rows = get_model(LOG).objects.filter(robot_channel=channel).order_by("attempt")
    return [(row.attempt, row.status) for row in rows]


def test_a_notification_reaches_the_wecom_robot_that_takes_notifications(robots, receiver):
    # given: a WeCom robot taking notifications, and one that does not
    server = receiver(wecom_key="k-123")
    taking = make_channel("销售群", "wecom", f"{server.url}?key=k-123", send_notifications=1)
    silent_server = receiver()
    silent = make_channel("闲聊群", "wecom", f"{silent_server.url}?key=x")

    # when: a reminder is sent as the scheduler's jobs send them
    do_notify(["rep"], "跟进提醒：苏州精工", "今天要回访 苏州精工", reference_doctype="Lead")

    # then: the robot got it, with the right key (the receiver answered errcode 0)
    (request,) = server.requests
    content = json.loads(request.body)["markdown"]["content"]
    assert "跟进提醒：苏州精工" in content
    assert "今天要回访 苏州精工" in content
    assert "rep" in content  # who it was for
    assert logged(taking) == [(1, "Success")]
    # and nothing went to the channel that did not opt in
    assert silent_server.requests == []
    assert logged(silent) == []


def test_a_wrong_wecom_key_is_a_logged_failure(robots, receiver):
    server = receiver(wecom_key="right")
    channel = make_channel(
        "错钥群", "wecom", f"{server.url}?key=wrong", send_notifications=1, max_attempts=1
    )

    do_notify(["rep"], "提醒", "内容")

    assert len(server.requests) == 1
    (log,) = get_model(LOG).objects.filter(robot_channel=channel)
    assert (log.status, log.error) == ("Failed", "errcode 93000: invalid webhook url")


def test_channel_document_types_limit_what_it_hears(robots, receiver):
    server = receiver()
    make_channel(
        "合同群", "wecom", server.url, send_notifications=1, document_types="Contract\nSales Order"
    )

    do_notify(["rep"], "线索提醒", reference_doctype="Lead")
    assert server.requests == []

    do_notify(["rep"], "合同到期", reference_doctype="Contract")
    assert len(server.requests) == 1


def test_a_disabled_channel_or_flag_turned_off_hears_nothing(robots, receiver):
    server = receiver()
    channel = make_channel("停用群", "wecom", server.url, send_notifications=1)
    do_save_doc("Administrator", "Robot Channel", channel, {"enabled": 0})

    do_notify(["rep"], "提醒")

    assert server.requests == []


def test_workflow_steps_reach_the_signed_dingtalk_robot(lead_workflow, receiver, api):
    # given: a signed DingTalk robot taking Lead workflow events
    secret = "SECflow"
    server = receiver(dingtalk_secret=secret)
    channel = make_channel(
        "审批群",
        "dingtalk",
        f"{server.url}?access_token=tok",
        secret=secret,
        send_workflow_events=1,
        document_types="Lead",
    )
    other = receiver()
    make_channel(
        "合同审批群", "dingtalk", other.url, send_workflow_events=1, document_types="Contract"
    )
    rep = api("rep")
    created = rep.post("/api/resource/Lead", LEAD)
    assert created.status_code == 200, created.content
    name = created.json()["data"]["name"]

    # when: the rep takes a step of the lead's workflow
    assert state_after(rep, "Lead", name, "Qualify") == "Qualified"

    # then: the step was posted once, signed (the receiver checked the sign), naming the lead
    (request,) = server.requests
    body = json.loads(request.body)
    assert body["msgtype"] == "markdown"
    assert name in body["markdown"]["title"]
    assert "rep" in body["markdown"]["text"]
    assert logged(channel) == [(1, "Success")]
    assert other.requests == []
