"""In-app notifications, their inbox API and email."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lowcode.notify.actions import do_notify
from lowcode.storage.factory import get_model
from lowcode.users import do_create_user

NL = "Notification Log"
M = "/api/method/lowcode.notify"


def names_for(user: str) -> list[str]:
    return list(
        get_model(NL)
        .objects.filter(for_user=user)
        .order_by("creation")
        .values_list("name", flat=True)
    )


def test_notification_is_visible_only_to_its_recipient(users, api):
    # given
    do_notify(
        ["rep"], "新线索分配给你", "线索 L-1", reference_doctype="Test Order", reference_name="TO-1"
    )
    (name,) = names_for("rep")

    # when / then: the recipient reads it through the ordinary REST path
    response = api("rep").get(f"/api/resource/{NL}/{name}")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["subject"] == "新线索分配给你"
    assert data["document_name"] == "TO-1"
    assert data["owner"] == "rep"

    # then: anyone else gets the same 404 as for a missing record
    assert api("rep2").get(f"/api/resource/{NL}/{name}").status_code == 404
    assert api("manager").get(f"/api/resource/{NL}/{name}").status_code == 404
    assert api("rep2").get(f"{M}.get_notifications").json()["message"] == []


def test_inbox_lists_unread_first_and_marks_read(users, api):
    # given: three notifications for rep, one for rep2
    for subject in ("一", "二", "三"):
        do_notify(["rep"], subject)
    do_notify(["rep2"], "别人的")
    first, second, third = names_for("rep")
    rep = api("rep")
    assert rep.get(f"{M}.get_unread_count").json()["message"] == 3

    # when: the oldest is marked read
    assert rep.post(f"{M}.mark_as_read", {"docname": first}).status_code == 200

    # then: unread come first, newest first among them; the read one last
    listed = rep.get(f"{M}.get_notifications").json()["message"]
    assert [row["name"] for row in listed] == [third, second, first]
    assert [row["read"] for row in listed] == [0, 0, 1]
    assert rep.get(f"{M}.get_unread_count").json()["message"] == 2

    # then: another user cannot mark rep's notification (404, nothing changes)
    other = api("rep2").post(f"{M}.mark_as_read", {"docname": second})
    assert other.status_code == 404
    assert get_model(NL).objects.get(name=second).read == 0

    # when: mark all
    assert rep.post(f"{M}.mark_all_as_read").json()["message"] == 2
    assert rep.get(f"{M}.get_unread_count").json()["message"] == 0
    # then: rep2's notification stays unread
    assert api("rep2").get(f"{M}.get_unread_count").json()["message"] == 1


def test_notify_sends_email_to_users_with_an_address(
    users, mailoutbox, settings, django_capture_on_commit_callbacks
):
    # given: one recipient with an email address, one without
    settings.LOWCODE_JOBS_INLINE = True
    do_create_user("mailed", "x" * 12, email="mailed@example.com", roles=["Sales User"])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        do_notify(["mailed", "rep"], "合同待审批", "合同 C-9 等待你审批")

    # then: both get the in-app record, only the one with an address gets mail
    assert len(names_for("mailed")) == 1 and len(names_for("rep")) == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["mailed@example.com"]
    assert mailoutbox[0].subject == "合同待审批"
    assert "C-9" in mailoutbox[0].body


def test_no_email_when_the_notifying_transaction_rolls_back(
    users, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.LOWCODE_JOBS_INLINE = True
    do_create_user("mailed", "x" * 12, email="mailed@example.com", roles=["Sales User"])

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        do_notify(["mailed"], "不会发送")
        raise RuntimeError("caller failed")

    assert mailoutbox == []
    assert names_for("mailed") == []


def test_inbox_query_count_does_not_grow_with_notifications(users, api):
    rep = api("rep")
    do_notify(["rep"], "一条")
    rep.get(f"{M}.get_notifications")  # warm the per-process metadata

    with CaptureQueriesContext(connection) as one:
        assert len(rep.get(f"{M}.get_notifications").json()["message"]) == 1
    for index in range(9):
        do_notify(["rep"], f"第 {index} 条")
    with CaptureQueriesContext(connection) as ten:
        assert len(rep.get(f"{M}.get_notifications").json()["message"]) == 10
    assert len(ten) == len(one)
