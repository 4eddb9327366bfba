"""Printing writes: email a document with its PDF, recorded as a Communication on its timeline."""

from __future__ import annotations

import base64
import re

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.jobs import enqueue
from lowcode.permissions.core import access_doc
from lowcode.printing import render

COMMUNICATION = "Communication"
MAX_RECIPIENTS = 50


def parse_recipients(value: str | list | None) -> list[str]:
    """Split "a@x.cn, b@y.cn; c@z.cn" (or a list) into checked addresses; refuse bad ones."""
    items = value if isinstance(value, list) else re.split(r"[,;\s]+", value or "")
    addresses = list(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
    if not addresses:
        message = _("{field} is required", field=_("Recipients"))
        raise ValidationError(message, [FieldError("recipients", "reqd", message)])
    if len(addresses) > MAX_RECIPIENTS:
        message = _("At most {count} recipients", count=MAX_RECIPIENTS)
        raise ValidationError(message, [FieldError("recipients", "length", message)])
    for address in addresses:
        try:
            validate_email(address)
        except DjangoValidationError:
            message = _("{value} is not a valid email address", value=address)
            raise ValidationError(message, [FieldError("recipients", "email", message)]) from None
    return addresses


def pdf_filename(doctype: str, name: str) -> str:
    """A file name for the document's PDF, safe on every mail client (no slashes)."""
    return re.sub(r'[\\/:*?"<>|\s]+', "_", f"{_(doctype)}-{name}") + ".pdf"


@transaction.atomic
def do_send_document_email(
    user: str,
    doctype: str,
    name: str,
    recipients: str | list | None,
    subject: str = "",
    message: str = "",
    print_format: str | None = None,
    attach_pdf: bool = True,
):
    """Email a document the user may read, its PDF attached; record it on the timeline.

    The PDF is made now, as the sender (what they may read is what is attached); the mail
    leaves after commit through Django's email backend, and the Communication says whether
    it went (Queued → Sent or Error).
    """
    access_doc(user, doctype, name, "read")
    addresses = parse_recipients(recipients)
    subject = (subject or "").strip() or f"{_(doctype)} {name}"
    attachment_name, attachment = "", ""
    format_name = ""
    if attach_pdf:
        rendered = render.render_document(user, doctype, name, print_format)
        attachment = base64.b64encode(render.render_pdf(user, rendered)).decode("ascii")
        attachment_name = pdf_filename(doctype, name)
        format_name = rendered.print_format
    communication = do_insert_doc(
        user,
        COMMUNICATION,
        {
            "subject": subject[:255],
            "communication_medium": "Email",
            "sent_or_received": "Sent",
            "sender": settings.DEFAULT_FROM_EMAIL,
            "recipients": ", ".join(addresses),
            "content": message or "",
            "reference_doctype": doctype,
            "reference_name": name,
            "print_format": format_name,
            "attachments": attachment_name,
            "status": "Queued",
        },
        ignore_permissions=True,  # the sender may read the document; the record is the engine's
    )
    sent_to = ", ".join(addresses)
    # The desk's timeline shows comments: an Info comment says who mailed what to whom.
    do_insert_doc(
        user,
        "Comment",
        {
            "reference_doctype": doctype,
            "reference_name": name,
            "comment_type": "Info",
            "content": (
                _(
                    "Emailed {subject} to {recipients} with the PDF",
                    subject=subject,
                    recipients=sent_to,
                )
                if attach_pdf
                else _("Emailed {subject} to {recipients}", subject=subject, recipients=sent_to)
            )[:4000],
        },
        ignore_permissions=True,
    )
    enqueue(
        "lowcode.printing.actions.send_communication",
        communication=communication.name,
        attachment=attachment,
    )
    return communication


def send_communication(communication: str, attachment: str = "") -> None:
    """Send one recorded Communication (a job); mark it Sent, or Error and raise."""
    from lowcode.storage.factory import get_model

    record = get_model(COMMUNICATION).objects.get(name=communication)
    email = EmailMessage(
        subject=record.subject,
        body=record.content or "",
        from_email=record.sender or settings.DEFAULT_FROM_EMAIL,
        to=[a.strip() for a in (record.recipients or "").split(",") if a.strip()],
    )
    if attachment:
        email.attach(
            record.attachments or "document.pdf", base64.b64decode(attachment), "application/pdf"
        )
    try:
        email.send(fail_silently=False)
    except Exception:
        do_save_doc(
            "Administrator",
            COMMUNICATION,
            communication,
            {"status": "Error"},
            ignore_permissions=True,
        )
        raise
    do_save_doc(
        "Administrator", COMMUNICATION, communication, {"status": "Sent"}, ignore_permissions=True
    )
