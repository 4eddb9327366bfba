"""Outbound webhooks against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from django.db import transaction

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import ValidationError
from lowcode.storage.factory import get_model

LOG = "Webhook Request Log"
SECRET = "s3cr3t-签名"


def make_webhook(url: str, **values) -> str:
    data = {
        "webhook_doctype": "Test Order",
        "webhook_docevent": "after_insert",
        "request_url": url,
        "webhook_secret": SECRET,
        **values,
    }
    return do_insert_doc("Administrator", "Webhook", data).name


def logs(webhook: str) -> list:
    return list(get_model(LOG).objects.filter(webhook=webhook).order_by("attempt"))


@pytest.fixture
def hooked(transactional_db, users, inline):
    """Committed users and inline jobs: webhooks fire on real commits."""
    return users


def test_webhook_fires_after_commit_with_signed_body(hooked, receiver):
    # given
    server = receiver()
    webhook = make_webhook(server.url)

    # when: a save commits
    with transaction.atomic():
        order = do_insert_doc("rep", "Test Order", {"title": "发货单", "priority": 3})
        assert server.requests == []  # nothing leaves during the save

    # then: one POST whose signature verifies with the shared secret
    (request,) = server.requests
    assert request.method == "POST"
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), request.body, hashlib.sha256).digest()
    ).decode()
    assert request.headers["x-frappe-webhook-signature"] == expected
    assert request.headers["x-kuaicrm-event"] == "after_insert"
    body = json.loads(request.body)
    assert body["name"] == order.name and body["doctype"] == "Test Order"
    assert body["data"]["title"] == "发货单" and body["data"]["priority"] == 3
    (log,) = logs(webhook)
    assert (log.status, log.status_code, log.attempt) == ("Success", 200, 1)
    assert log.reference_name == order.name


def test_rolled_back_save_sends_nothing(hooked, receiver):
    server = receiver()
    webhook = make_webhook(server.url)

    with pytest.raises(RuntimeError), transaction.atomic():
        do_insert_doc("rep", "Test Order", {"title": "回滚"})
        raise RuntimeError("caller failed")

    assert server.requests == []
    assert logs(webhook) == []


def test_tampered_body_does_not_verify(hooked, receiver):
    server = receiver()
    make_webhook(server.url)
    do_insert_doc("rep", "Test Order", {"title": "原文"})
    (request,) = server.requests
    tampered = request.body.replace("原文".encode(), "篡改".encode())
    forged = base64.b64encode(hmac.new(SECRET.encode(), tampered, hashlib.sha256).digest())
    assert request.headers["x-frappe-webhook-signature"] != forged.decode()


def test_retries_after_500_then_succeeds_with_every_attempt_logged(hooked, receiver):
    # given: a receiver failing twice
    server = receiver(fail_first=2)
    webhook = make_webhook(server.url, max_attempts=5)

    # when
    do_insert_doc("rep", "Test Order", {"title": "重试"})

    # then: three requests with the same body, three log rows
    assert len(server.requests) == 3
    assert len({r.body for r in server.requests}) == 1
    rows = logs(webhook)
    assert [(r.attempt, r.status, r.status_code) for r in rows] == [
        (1, "Retrying", 500),
        (2, "Retrying", 500),
        (3, "Success", 200),
    ]
    assert rows[0].next_retry is not None and rows[2].next_retry is None
    assert rows[0].response == "boom"


def test_gives_up_after_max_attempts_with_the_error_logged(hooked, receiver):
    server = receiver(fail_first=100)
    webhook = make_webhook(server.url, max_attempts=3)

    do_insert_doc("rep", "Test Order", {"title": "放弃"})

    assert len(server.requests) == 3
    rows = logs(webhook)
    assert [(r.attempt, r.status) for r in rows] == [
        (1, "Retrying"),
        (2, "Retrying"),
        (3, "Failed"),
    ]
    assert rows[-1].error == "HTTP 500"


def test_unreachable_receiver_logs_the_network_error(hooked, receiver):
    server = receiver()
    url = server.url
    server.server.shutdown()
    server.server.server_close()  # the port now refuses connections
    webhook = make_webhook(url, max_attempts=2)

    do_insert_doc("rep", "Test Order", {"title": "连不上"})

    rows = logs(webhook)
    assert [r.status for r in rows] == ["Retrying", "Failed"]
    assert rows[-1].status_code is None
    assert "Connection" in rows[-1].error or "refused" in rows[-1].error


def test_condition_filters_events(hooked, receiver):
    server = receiver()
    make_webhook(server.url, condition="doc.priority > 5")

    do_insert_doc("rep", "Test Order", {"title": "低", "priority": 1})
    high = do_insert_doc("rep", "Test Order", {"title": "高", "priority": 9})

    assert [json.loads(r.body)["name"] for r in server.requests] == [high.name]


def test_request_structure_limits_the_fields_sent(hooked, receiver):
    server = receiver()
    make_webhook(server.url, request_structure={"data": ["title", "priority"]})

    do_insert_doc("rep", "Test Order", {"title": "精简", "priority": 2, "notes": "内部备注"})

    (request,) = server.requests
    assert json.loads(request.body)["data"] == {"title": "精简", "priority": 2}


def test_on_update_webhook_uses_put_and_fires_per_save(hooked, receiver):
    server = receiver()
    make_webhook(server.url, webhook_docevent="on_update", request_method="PUT")
    order = do_insert_doc("rep", "Test Order", {"title": "初稿"})

    do_save_doc("rep", "Test Order", order.name, {"title": "定稿"})

    assert [r.method for r in server.requests] == ["PUT", "PUT"]
    assert [json.loads(r.body)["data"]["title"] for r in server.requests] == ["初稿", "定稿"]


def test_disabled_webhook_does_not_fire(hooked, receiver):
    server = receiver()
    make_webhook(server.url, enabled=0)
    do_insert_doc("rep", "Test Order", {"title": "停用"})
    assert server.requests == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "example.com/hook"])
def test_only_http_urls_are_accepted(users, url):
    with pytest.raises(ValidationError) as caught:
        make_webhook(url)
    assert [e.fieldname for e in caught.value.errors] == ["request_url"]


def test_condition_that_does_not_parse_is_refused(users):
    with pytest.raises(ValidationError) as caught:
        make_webhook("http://127.0.0.1:9/hook", condition="doc.__class__")
    assert [e.fieldname for e in caught.value.errors] == ["condition"]


def test_secret_is_hidden_from_non_managers(users, api):
    from lowcode.users import do_create_user

    do_create_user("integrator", "x" * 12, roles=["Integration Manager"])
    webhook = make_webhook("http://127.0.0.1:9/hook")

    as_integrator = api("integrator").get(f"/api/resource/Webhook/{webhook}")
    assert as_integrator.status_code == 200
    assert "webhook_secret" not in as_integrator.json()["data"]
    listed = api("integrator").get("/api/resource/Webhook", {"fields": ["*"]})
    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["data"]] == [webhook]
    assert SECRET not in as_integrator.content.decode() + listed.content.decode()
    # asking for the field by name is refused like an unknown field
    asked = api("integrator").get("/api/resource/Webhook", {"fields": ["name", "webhook_secret"]})
    assert asked.status_code == 400

    as_manager = api("sysman").get(f"/api/resource/Webhook/{webhook}")
    assert as_manager.json()["data"]["webhook_secret"] == SECRET


def test_submit_and_trash_webhooks_fire_on_their_events_only(hooked, receiver):
    from lowcode.documents.actions import do_delete_doc, do_submit_doc

    submitted, trashed = receiver(), receiver()
    make_webhook(submitted.url, webhook_docevent="on_submit")
    make_webhook(trashed.url, webhook_docevent="on_trash")
    order = do_insert_doc("sysman", "Test Order", {"title": "提交"})
    draft = do_insert_doc("sysman", "Test Order", {"title": "删除"})
    assert submitted.requests == [] and trashed.requests == []

    do_submit_doc("sysman", "Test Order", order.name)
    do_delete_doc("sysman", "Test Order", draft.name)

    assert [json.loads(r.body)["name"] for r in submitted.requests] == [order.name]
    assert json.loads(submitted.requests[0].body)["data"]["docstatus"] == 1
    assert [json.loads(r.body)["name"] for r in trashed.requests] == [draft.name]
    assert trashed.requests[0].headers["x-kuaicrm-event"] == "on_trash"


def test_inline_delivery_caps_attempts_to_keep_the_saving_process_free(hooked, receiver, settings):
    settings.LOWCODE_WEBHOOK_INLINE_MAX_ATTEMPTS = 2
    server = receiver(fail_first=100)
    webhook = make_webhook(server.url, max_attempts=5)

    do_insert_doc("rep", "Test Order", {"title": "封顶"})

    assert len(server.requests) == 2
    assert [(r.attempt, r.status) for r in logs(webhook)] == [(1, "Retrying"), (2, "Failed")]


def _integrators_webhook(url: str, **values) -> str:
    """A webhook configured by an Integration Manager (who reads no Test Order field)."""
    from lowcode.users import do_create_user

    do_create_user("integrator", "x" * 12, roles=["Integration Manager"])
    data = {
        "webhook_doctype": "Test Order",
        "webhook_docevent": "after_insert",
        "request_url": url,
        **values,
    }
    return do_insert_doc("integrator", "Webhook", data).name


def test_a_webhook_sends_fields_above_level_0_only_if_its_owner_reads_them(hooked, receiver):
    # given: the same event watched by an integrator's webhook and an administrator's
    server = receiver()
    by_integrator = _integrators_webhook(server.url)
    by_admin = make_webhook(server.url)

    # when: a System Manager creates an order with its permlevel-1 margin
    order = do_insert_doc("sysman", "Test Order", {"title": "含毛利", "secret_margin": 4321})

    # then: the integrator's body (and its log) leaves the margin out; the admin's has it
    bodies = {log.webhook: log for log in get_model(LOG).objects.filter(reference_name=order.name)}
    assert set(bodies) == {by_integrator, by_admin}
    sent = [json.loads(r.body)["data"] for r in server.requests]
    assert sorted("secret_margin" in data for data in sent) == [False, True]
    assert all(data["title"] == "含毛利" for data in sent)
    assert "4321" not in json.dumps(
        [getattr(bodies[by_integrator], f.name) for f in bodies[by_integrator]._meta.fields],
        default=str,
    )


def test_a_webhook_condition_cannot_probe_a_field_its_owner_cannot_read(hooked, receiver):
    server = receiver()
    _integrators_webhook(server.url, condition="doc.secret_margin > 1000")

    do_insert_doc("sysman", "Test Order", {"title": "高毛利", "secret_margin": 4321})

    assert server.requests == []
