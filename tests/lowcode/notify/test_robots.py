"""WeCom and DingTalk group robots against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.exceptions import DoesNotExistError
from lowcode.notify.actions import do_send_robot_message
from lowcode.storage.factory import get_model

LOG = "Webhook Request Log"


@pytest.fixture
def robots(transactional_db, users, inline):
    return users


def make_channel(name: str, platform: str, url: str, **values) -> str:
    data = {"channel_name": name, "platform": platform, "webhook_url": url, **values}
    return do_insert_doc("Administrator", "Robot Channel", data).name


def test_wecom_markdown_payload(robots, receiver):
    server = receiver()
    channel = make_channel("销售群", "wecom", f"{server.url}?key=abc")

    do_send_robot_message(channel, "新商机", "客户 **华为** 金额 100 万")

    (request,) = server.requests
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query) == {"key": ["abc"]}
    body = json.loads(request.body)
    assert body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"content"}
    assert "新商机" in body["markdown"]["content"]
    assert "客户 **华为** 金额 100 万" in body["markdown"]["content"]
    (log,) = get_model(LOG).objects.filter(robot_channel=channel)
    assert (log.status, log.attempt) == ("Success", 1)


def test_dingtalk_payload_and_sign_verify(robots, receiver):
    # given: a DingTalk robot with a signing secret
    server = receiver()
    secret = "SECd1ngta1k"
    channel = make_channel("审批群", "dingtalk", f"{server.url}?access_token=tok", secret=secret)

    # when
    before = int(time.time() * 1000)
    do_send_robot_message(channel, "合同待审批", "#### 合同 C-1\n金额 50 万")
    after = int(time.time() * 1000)

    # then: DingTalk's markdown shape
    (request,) = server.requests
    body = json.loads(request.body)
    assert body == {
        "msgtype": "markdown",
        "markdown": {"title": "合同待审批", "text": "#### 合同 C-1\n金额 50 万"},
    }
    # then: the sign recomputed from the timestamp and secret matches, as DingTalk checks it
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.path).query)
    assert query["access_token"] == ["tok"]
    timestamp = int(query["timestamp"][0])
    assert before <= timestamp <= after
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(digest).decode()]


def test_dingtalk_without_secret_sends_no_sign(robots, receiver):
    server = receiver()
    channel = make_channel("无签名群", "dingtalk", server.url)
    do_send_robot_message(channel, "标题", "正文")
    (request,) = server.requests
    assert "sign=" not in request.path


def test_robot_message_is_retried_through_the_same_logged_path(robots, receiver):
    server = receiver(fail_first=1)
    channel = make_channel("重试群", "wecom", server.url, max_attempts=3)

    do_send_robot_message(channel, "提醒", "内容")

    assert len(server.requests) == 2
    rows = get_model(LOG).objects.filter(robot_channel=channel).order_by("attempt")
    assert [(r.attempt, r.status) for r in rows] == [(1, "Retrying"), (2, "Success")]


def test_robot_api_error_in_a_200_answer_counts_as_a_failure(robots, receiver):
    # given: DingTalk's answer to a bad signature (HTTP 200, non-zero errcode)
    reply = json.dumps({"errcode": 310000, "errmsg": "sign not match"}).encode()
    server = receiver(reply=reply)
    channel = make_channel("错签群", "dingtalk", server.url, secret="SECwrong", max_attempts=2)

    do_send_robot_message(channel, "标题", "正文")

    assert len(server.requests) == 2
    rows = get_model(LOG).objects.filter(robot_channel=channel).order_by("attempt")
    assert [(r.attempt, r.status, r.status_code) for r in rows] == [
        (1, "Retrying", 200),
        (2, "Failed", 200),
    ]
    assert rows[1].error == "errcode 310000: sign not match"


def test_unknown_channel_is_an_error(users):
    with pytest.raises(DoesNotExistError):
        do_send_robot_message("不存在", "标题", "正文")


def test_robot_secret_hidden_from_non_managers(users, api):
    from lowcode.users import do_create_user

    do_create_user("integrator", "x" * 12, roles=["Integration Manager"])
    channel = make_channel(
        "保密群", "dingtalk", "https://oapi.dingtalk.com/robot/send", secret="SECx"
    )

    response = api("integrator").get(f"/api/resource/Robot Channel/{channel}")
    assert response.status_code == 200
    assert "secret" not in response.json()["data"]
    assert (
        api("sysman").get(f"/api/resource/Robot Channel/{channel}").json()["data"]["secret"]
        == "SECx"
    )
