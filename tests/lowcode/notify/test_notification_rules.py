"""Notification rules (Frappe's Notification) through the real write paths and the scheduler."""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid

import pytest
from django.apps import apps
from django.core import mail
from django.db import transaction
from django.db.models import F

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import ValidationError
from lowcode.expressions import as_of
from lowcode.jobs.scheduler import tick
from lowcode.notify.checks import check_definitions, run_checks
from lowcode.notify.loader import sync_notifications
from lowcode.notify.rules import do_send_dated_notifications
from lowcode.storage.factory import get_model
from lowcode.users import do_create_user
from lowcode.workflow.actions import do_apply_workflow
from tests.conftest import PASSWORD

T = "Test Order"
LOG = "Notification Log"


@pytest.fixture
def notifying(transactional_db, users, inline):
    """Committed users and inline jobs: notifications go out on real commits."""
    return users


def make_rule(name: str, **values) -> str:
    data = {
        "name": name,
        "document_type": T,
        "event": "New",
        "subject": "{{ doc.title }}",
        **values,
    }
    return do_insert_doc("Administrator", "Notification", data).name


def inbox(user: str) -> list:
    rows = get_model(LOG).objects.filter(for_user=user).order_by("creation")
    return [(row.subject, row.email_content, row.document_name) for row in rows]


def test_new_document_notifies_the_user_a_field_names_after_commit(notifying):
    # given: a rule on New addressed to the user in assigned_user
    make_rule(
        "新订单提醒",
        subject="新订单：{{ doc.title }}",
        message="优先级 {{ doc.priority }}",
        recipients=[{"receiver_by_document_field": "assigned_user"}],
    )

    # when: rep inserts an order naming the manager
    with transaction.atomic():
        order = do_insert_doc(
            "rep", T, {"title": "发货单", "priority": 3, "assigned_user": "manager"}
        )
        assert inbox("manager") == []  # nothing is sent while the save is open

    # then: the manager (who may read it: department scope) hears of it, rep does not
    assert inbox("manager") == [("新订单：发货单", "优先级 3", order.name)]
    assert inbox("rep") == []


def test_the_owner_column_names_a_recipient_as_in_frappe(notifying):
    make_rule("给创建人", event="Save", recipients=[{"receiver_by_document_field": "owner"}])
    order = do_insert_doc("rep", T, {"title": "我的单"})

    do_save_doc("manager", T, order.name, {"priority": 4})

    assert [n for _s, _m, n in inbox("rep")] == [order.name]


def test_rolled_back_insert_notifies_no_one(notifying):
    make_rule("回滚", recipients=[{"receiver_by_role": "Sales Manager"}])

    with pytest.raises(RuntimeError), transaction.atomic():
        do_insert_doc("rep", T, {"title": "回滚"})
        raise RuntimeError("caller failed")

    assert get_model(LOG).objects.count() == 0


def test_value_change_fires_only_when_the_field_changes(notifying):
    make_rule(
        "状态变更",
        event="Value Change",
        value_changed="status",
        subject="{{ doc.title }} → {{ doc.status }}",
        recipients=[{"receiver_by_role": "Sales Manager"}],
    )
    order = do_insert_doc("rep", T, {"title": "订单A"})
    assert inbox("manager") == []  # an insert is not a change

    do_save_doc("rep", T, order.name, {"priority": 5})
    assert inbox("manager") == []  # another field changed

    do_save_doc("rep", T, order.name, {"status": "Open"})
    assert [s for s, _m, _n in inbox("manager")] == ["订单A → Open"]


def test_save_fires_on_saves_after_the_first_and_role_members_who_cannot_read_get_nothing(
    notifying,
):
    # given: Sales Managers of two departments; the order belongs to 苏州组 (华东)
    make_rule("保存提醒", event="Save", recipients=[{"receiver_by_role": "Sales Manager"}])
    order = do_insert_doc("rep", T, {"title": "订单B"})
    assert inbox("manager") == []  # the first save is "New"

    do_save_doc("rep", T, order.name, {"priority": 2})

    assert [n for _s, _m, n in inbox("manager")] == [order.name]
    assert inbox("south_manager") == []  # 华南 cannot read a 华东 order: hears nothing
    assert get_model(LOG).objects.count() == 1


def test_templates_render_only_what_each_recipient_may_read(notifying):
    # given: a margin at permlevel 1 (Sales Managers read it, Sales Users do not)
    make_rule(
        "毛利",
        event="Save",
        message="毛利 {{ doc.secret_margin }}",
        recipients=[
            {"receiver_by_document_field": "assigned_user"},
            {"receiver_by_role": "Sales Manager"},
        ],
    )
    order = do_insert_doc("rep", T, {"title": "订单C", "assigned_user": "rep"})

    do_save_doc("sysman", T, order.name, {"secret_margin": 99})

    assert [m for _s, m, _n in inbox("manager")] == ["毛利 99.0"]
    assert [m for _s, m, _n in inbox("rep")] == ["毛利"]


@pytest.fixture
def approval(notifying):
    do_create_user("sysman2", PASSWORD, roles=["System Manager"], department="销售中心")
    do_insert_doc(
        "Administrator",
        "Workflow",
        {
            "workflow_name": "Order Approval",
            "document_type": T,
            "is_active": 1,
            "states": [
                {"state": "Draft", "doc_status": "0"},
                {"state": "Approved", "doc_status": "1"},
                {"state": "Cancelled", "doc_status": "2"},
            ],
            "transitions": [
                {
                    "state": "Draft",
                    "action": "Approve",
                    "next_state": "Approved",
                    "allowed": "System Manager",
                },
                {
                    "state": "Approved",
                    "action": "Cancel",
                    "next_state": "Cancelled",
                    "allowed": "System Manager",
                },
            ],
        },
    )
    context.reset()


def test_submit_through_a_workflow_transition_notifies(approval):
    make_rule(
        "已批准",
        event="Submit",
        subject="{{ doc.title }} 已批准",
        recipients=[{"receiver_by_document_field": "assigned_user"}],
    )
    order = do_insert_doc("rep", T, {"title": "订单D", "assigned_user": "manager"})
    assert inbox("manager") == []  # the New event has no rule

    do_apply_workflow("sysman2", T, order.name, "Approve")

    assert inbox("manager") == [("订单D 已批准", None, order.name)]


def test_days_before_runs_from_the_daily_scheduler_once_per_document(notifying):
    # given: a rule three days before the order date, and orders due in 3 and 2 days
    day = dt.date(2031, 5, 10)
    make_rule(
        "交期提醒",
        event="Days Before",
        date_changed="order_date",
        days_in_advance=3,
        subject="{{ doc.title }} 三天后到期",
        recipients=[{"receiver_by_role": "Sales Manager"}],
    )
    due = do_insert_doc("rep", T, {"title": "到期", "order_date": "2031-05-13"})
    do_insert_doc("rep", T, {"title": "未到期", "order_date": "2031-05-12"})

    # when: the scheduler's daily run on that day, then a second run the same day
    with as_of(day):
        fired = tick(dt.datetime(2031, 5, 10, 9, 0, tzinfo=dt.UTC))
        again = do_send_dated_notifications()

    # then: one notice for the order due in three days, never twice
    assert "daily:lowcode.notify.rules.do_send_dated_notifications" in fired
    assert inbox("manager") == [("到期 三天后到期", None, due.name)]
    assert again == 0
    assert inbox("south_manager") == []


def test_condition_rows_from_the_builder_decide(notifying, api):
    # given: the condition builder's rows turned into the expression by its own method
    admin = api("Administrator")
    rows = [{"field": "priority", "op": ">", "value": "3"}]
    answer = admin.post(
        "/api/method/lowcode.desk.condition",
        {"doctype": T, "rows": json.dumps(rows), "join": "and"},
    )
    assert answer.status_code == 200, answer.content
    expression = answer.json()["message"]["expression"]
    assert expression == "doc.priority > 3"
    created = admin.post(
        "/api/resource/Notification",
        {
            "name": "高优先级",
            "document_type": T,
            "event": "New",
            "condition": expression,
            "subject": "{{ doc.title }}",
            "recipients": [{"receiver_by_role": "Sales Manager"}],
        },
    )
    assert created.status_code == 200, created.content

    # when
    do_insert_doc("rep", T, {"title": "低", "priority": 1})
    high = do_insert_doc("rep", T, {"title": "高", "priority": 5})

    # then
    assert [n for _s, _m, n in inbox("manager")] == [high.name]


def test_email_channel_mails_readers_with_an_address(notifying):
    do_create_user(
        "mailed_manager",
        PASSWORD,
        roles=["Sales Manager"],
        department="华东销售部",
        email="mm@example.com",
    )
    do_create_user(
        "far_manager",
        PASSWORD,
        roles=["Sales Manager"],
        department="华南销售部",
        email="far@example.com",
    )
    make_rule("邮件提醒", channel="Email", recipients=[{"receiver_by_role": "Sales Manager"}])

    do_insert_doc("rep", T, {"title": "邮件单"})

    assert [m.to for m in mail.outbox] == [["mm@example.com"]]
    assert mail.outbox[0].subject == "邮件单"
    assert get_model(LOG).objects.count() == 0  # email only


@pytest.mark.django_db
def test_a_template_the_sandbox_refuses_is_refused_on_save_field_named(users):
    with pytest.raises(ValidationError) as caught:
        make_rule("越权", message="{{ doc.__class__.__mro__ }}")
    assert [e.fieldname for e in caught.value.errors] == ["message"]


@pytest.mark.django_db
def test_recipient_field_must_hold_a_user_or_an_email(users):
    with pytest.raises(ValidationError) as caught:
        make_rule("错字段", recipients=[{"receiver_by_document_field": "title"}])
    (error,) = caught.value.errors
    assert (error.fieldname, error.table, error.row) == (
        "receiver_by_document_field",
        "recipients",
        1,
    )


@pytest.mark.django_db
def test_check_e003_reports_a_notification_naming_a_missing_doctype_or_field(users):
    # given: stored rows that went stale (a fixture, or a DocType/field removed since)
    good = make_rule("正常", event="Value Change", value_changed="status")
    Notification = get_model("Notification")
    stale = Notification.objects.get(name=good)
    Notification.objects.filter(name=good).update(value_changed="gone_field")
    do_insert_doc(
        "Administrator",
        "Notification",
        {"name": "另一个", "document_type": T, "event": "New", "subject": "x"},
    )
    Notification.objects.filter(name="另一个").update(document_type="No Such DocType")
    assert stale.name == good

    # when
    errors = [e for e in check_definitions() if e.id == "notify.E003"]

    # then: both named, with what is missing
    assert sorted(e.obj for e in errors) == ["Notification 另一个", "Notification 正常"]
    assert any("gone_field" in e.msg for e in errors)
    assert any("No Such DocType" in e.msg for e in errors)


@pytest.fixture
def fixture_app(tmp_path, monkeypatch, settings):
    """An importable app whose fixtures/notification.json the test writes (Frappe's export)."""
    package = f"lc_notify_app_{uuid.uuid4().hex[:8]}"
    root = tmp_path / package
    (root / "fixtures").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.LOWCODE_APPS = [*settings.LOWCODE_APPS, package]

    def write(rows: list[dict]) -> None:
        (root / "fixtures" / "notification.json").write_text(
            json.dumps(rows, ensure_ascii=False), encoding="utf-8"
        )

    yield write
    sys.modules.pop(package, None)


FIXTURE_ROW = {
    "doctype": "Notification",
    "name": "订单到期",
    "module": "Tests",
    "document_type": T,
    "event": "Days After",
    "date_changed": "order_date",
    "days_in_advance": 1,
    "subject": "{{ doc.title }} 已过期",
    "recipients": [
        {"doctype": "Notification Recipient", "receiver_by_document_field": "assigned_user"}
    ],
}


@pytest.mark.django_db
def test_check_e003_reports_a_fixture_naming_a_missing_doctype_or_field(users, fixture_app):
    # given: a Frappe export with a typo in a field and one on a DocType that does not exist
    fixture_app(
        [
            {**FIXTURE_ROW, "date_changed": "order_dat"},
            {**FIXTURE_ROW, "name": "幽灵", "document_type": "Test Ordr"},
            {**FIXTURE_ROW, "name": "正确"},
        ]
    )

    # when
    errors = [e for e in run_checks(databases=["default"]) if e.id == "notify.E003"]

    # then: the two broken ones, named with the file, not the good one
    assert sorted(e.obj for e in errors) == ["Notification 幽灵", "Notification 订单到期"]
    assert all("fixtures/notification.json" in e.msg for e in errors)
    assert any("order_dat'" in e.msg for e in errors)
    assert any("Test Ordr" in e.msg for e in errors)
    # and the migration carries on: only the good one is inserted
    assert sync_notifications() == ["正确"]


@pytest.mark.django_db
def test_fixture_notifications_are_inserted_once_and_an_edited_one_is_kept(users, fixture_app):
    fixture_app([FIXTURE_ROW])

    assert sync_notifications() == ["订单到期"]
    stored = get_model("Notification").objects.get(name="订单到期")
    assert (stored.event, stored.date_changed, stored.days_in_advance) == (
        "Days After",
        "order_date",
        1,
    )
    assert [r.receiver_by_document_field for r in stored.get_children("recipients")] == [
        "assigned_user"
    ]
    do_save_doc("Administrator", "Notification", "订单到期", {"days_in_advance": 2})

    assert sync_notifications() == []
    assert get_model("Notification").objects.get(name="订单到期").days_in_advance == 2


def test_a_rule_changed_by_another_worker_holds_from_this_workers_next_request(notifying, api):
    """Rules are cached per process under the metadata generation: another process's save
    (the row and a new generation) is seen on this process's next request, no restart."""
    make_rule("保存提醒", event="Save", recipients=[{"receiver_by_role": "Sales Manager"}])
    rep = api("rep")
    order = rep.post("/api/resource/Test Order", {"title": "缓存"}).json()["data"]["name"]
    assert rep.put(f"/api/resource/Test Order/{order}", {"priority": 1}).status_code == 200
    assert len(inbox("manager")) == 1  # the rule is cached here now

    # what another worker's save of the rule leaves in the database: disabled, a new generation
    get_model("Notification").objects.filter(name="保存提醒").update(enabled=0)
    MetaGeneration = apps.get_model("lowcode", "MetaGeneration")
    if not MetaGeneration.objects.filter(pk=1).update(generation=F("generation") + 1):
        MetaGeneration.objects.create(pk=1, generation=1)

    assert rep.put(f"/api/resource/Test Order/{order}", {"priority": 2}).status_code == 200
    assert len(inbox("manager")) == 1


def test_cancel_through_a_workflow_transition_notifies_and_submit_rules_stay_quiet(approval):
    make_rule("已提交", event="Submit", recipients=[{"receiver_by_role": "Sales Manager"}])
    make_rule(
        "已取消",
        event="Cancel",
        subject="{{ doc.title }} 已取消",
        recipients=[{"receiver_by_role": "Sales Manager"}],
    )
    order = do_insert_doc("rep", T, {"title": "订单E"})
    do_apply_workflow("sysman2", T, order.name, "Approve")

    do_apply_workflow("sysman2", T, order.name, "Cancel")

    assert [s for s, _m, _n in inbox("manager")] == ["订单E", "订单E 已取消"]


def test_a_user_named_by_a_field_who_cannot_read_the_document_gets_nothing(notifying):
    # rep2 is named on rep's order, but Sales Users read only their own (or assigned) orders
    make_rule("指定人", recipients=[{"receiver_by_document_field": "assigned_user"}])

    do_insert_doc("rep", T, {"title": "别人的单", "assigned_user": "rep2"})

    assert inbox("rep2") == []
    assert get_model(LOG).objects.count() == 0


def test_days_after_a_datetime_field_counts_the_local_day(notifying):
    make_rule(
        "送达回访",
        event="Days After",
        date_changed="deliver_at",
        days_in_advance=2,
        subject="{{ doc.title }} 送达两天",
        recipients=[{"receiver_by_role": "Sales Manager"}],
    )
    delivered = do_insert_doc("rep", T, {"title": "已送达", "deliver_at": "2031-05-08 10:00:00"})
    do_insert_doc("rep", T, {"title": "昨天送达", "deliver_at": "2031-05-09 10:00:00"})

    with as_of(dt.date(2031, 5, 10)):
        assert do_send_dated_notifications() == 1

    assert inbox("manager") == [("已送达 送达两天", None, delivered.name)]


def test_a_template_refused_only_with_real_values_sends_nothing_and_the_save_stands(notifying):
    # passes the save's dry run (empty document), reaches for an unsafe attribute with data
    make_rule(
        "暗藏",
        message="{% if doc.title %}{{ doc.title.__class__.__mro__ }}{% endif %}",
        recipients=[{"receiver_by_role": "Sales Manager"}],
    )

    order = do_insert_doc("rep", T, {"title": "探测"})

    assert get_model(T).objects.filter(name=order.name).exists()
    assert get_model(LOG).objects.count() == 0


def test_a_system_notification_reaches_the_robot_taking_notifications_once(notifying, receiver):
    # given: a WeCom robot taking Test Order notifications; two managers will be notified
    do_create_user("manager2", PASSWORD, roles=["Sales Manager"], department="华东销售部")
    server = receiver(wecom_key="k-9")
    do_insert_doc(
        "Administrator",
        "Robot Channel",
        {
            "channel_name": "订单群",
            "platform": "wecom",
            "webhook_url": f"{server.url}?key=k-9",
            "send_notifications": 1,
            "document_types": T,
        },
    )
    make_rule(
        "群里说",
        subject="新订单 {{ doc.title }}",
        recipients=[{"receiver_by_role": "Sales Manager"}],
    )

    do_insert_doc("rep", T, {"title": "群发单"})

    # then: one post naming both readers (the same wording), not one per recipient
    (request,) = server.requests
    content = json.loads(request.body)["markdown"]["content"]
    assert "新订单 群发单" in content
    assert "manager、manager2" in content
    assert "south_manager" not in content
