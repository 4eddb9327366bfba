"""Notification writes: in-app Notification Log records, email, inbox state, robot messages."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import DoesNotExistError
from lowcode.i18n import _
from lowcode.jobs import enqueue
from lowcode.notify import robots
from lowcode.permissions.core import permitted_queryset
from lowcode.storage.factory import get_model

NOTIFICATION_LOG = "Notification Log"


@transaction.atomic
def do_notify(
    recipients: list[str],
    subject: str,
    message: str = "",
    *,
    reference_doctype: str | None = None,
    reference_name: str | None = None,
    notification_type: str = "Alert",
) -> None:
    """Create one Notification Log per recipient, email those who have an address, post to robots.

    Each record is owned by its recipient, so the "own" permission scope shows it to
    them alone. Email goes out after commit: a rolled-back save must not mail anyone.
    """
    users = get_user_model().objects.filter(username__in=set(recipients), is_active=True)
    emails, names = [], []
    for user in users.select_related("profile").order_by("username"):
        do_insert_doc(
            user.username,
            NOTIFICATION_LOG,
            {
                "for_user": user.username,
                "type": notification_type,
                "subject": subject[:255],
                "email_content": message,
                "document_type": reference_doctype,
                "document_name": reference_name,
            },
            ignore_permissions=True,
        )
        if user.email:
            emails.append(user.email)
        names.append(getattr(getattr(user, "profile", None), "full_name", "") or user.username)
    if emails:
        enqueue(
            "lowcode.notify.actions.send_notification_email",
            subject=subject,
            message=message,
            emails=emails,
        )
    if names:
        text = "\n\n".join(
            part for part in (message, _("Recipients: {names}", names="、".join(names))) if part
        )
        do_post_to_robots(robots.NOTIFICATIONS, reference_doctype, subject, text)


def send_notification_email(subject: str, message: str, emails: list[str]) -> None:
    """Send one email per address through Django's email backend (a job)."""
    for email in emails:
        # One message per recipient so addresses are never disclosed to each other.
        send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False)


def do_mark_notification_read(user: str, name: str) -> None:
    """Mark one of the user's notifications read (404 if it is not theirs to write)."""
    do_save_doc(user, NOTIFICATION_LOG, name, {"read": 1})


@transaction.atomic
def do_mark_all_notifications_read(user: str) -> int:
    """Mark every unread notification of the user read; return how many changed."""
    queryset = permitted_queryset(user, NOTIFICATION_LOG, "write").filter(for_user=user, read=0)
    # One UPDATE: marking read changes nothing a lifecycle hook needs to see.
    return queryset.update(read=1, modified=timezone.now(), modified_by=user)


def do_send_robot_message(channel: str, title: str, text: str) -> None:
    """Post a markdown message to a WeCom or DingTalk group robot (logged, retried, after commit)."""
    robot = get_model("Robot Channel").objects.filter(name=channel).first()
    if robot is None:
        raise DoesNotExistError(_("Robot Channel {name} not found", name=channel))
    enqueue(
        "lowcode.notify.delivery.deliver",
        target={"kind": "robot", "name": robot.name},
        body=json.dumps(robot_payload(robot.platform, title, text), ensure_ascii=False),
        reference={},
    )


def do_post_to_robots(kind: str, doctype: str | None, title: str, text: str) -> int:
    """Post to every channel that takes ``kind`` for ``doctype`` (after commit); return how many.

    Delivery goes through the same signed, logged and retried path as a direct robot
    message, so a dead robot never fails the save that caused the message.
    """
    routes = [route for route in robots.robot_routes() if route.takes(kind, doctype)]
    for route in routes:
        enqueue(
            "lowcode.notify.delivery.deliver",
            target={"kind": "robot", "name": route.channel},
            body=json.dumps(robot_payload(route.platform, title, text), ensure_ascii=False),
            reference={},
        )
    return len(routes)


def do_post_workflow_step(log) -> int:
    """Post one Workflow Log (a transition just taken) to the channels taking workflow events."""
    doctype = log.reference_doctype
    title = _(
        "{doctype} {name}: {action}",
        doctype=_(doctype),
        name=log.reference_name,
        action=_(log.action or ""),
    )
    lines = [
        _(
            "{from_state} → {to_state} by {user}",
            from_state=_(log.from_state or ""),
            to_state=_(log.to_state or ""),
            user=log.user,
        )
    ]
    if log.comment:
        lines.append(_("Comment: {comment}", comment=log.comment))
    if log.reason:
        lines.append(_("Reason: {reason}", reason=log.reason))
    return do_post_to_robots(robots.WORKFLOW_EVENTS, doctype, title, "\n\n".join(lines))


def robot_payload(platform: str, title: str, text: str) -> dict:
    """Return the platform's markdown message body."""
    if platform == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    # WeCom's markdown message has no title; a bold first line plays that part.
    content = f"**{title}**\n{text}" if title else text
    return {"msgtype": "markdown", "markdown": {"content": content}}
