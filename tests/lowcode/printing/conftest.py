"""Fixtures of the printing tests: a real SMTP server on 127.0.0.1, print formats on Customer."""

from __future__ import annotations

import contextlib
import email
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

import pytest

from lowcode.documents.actions import do_insert_doc


@dataclass
class Mailbox:
    """Messages a local SMTP server received, parsed."""

    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        mailbox: Mailbox = self.server.mailbox  # type: ignore[attr-defined]
        sender, recipients = "", []
        self.reply("220 localhost test SMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode().strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-localhost")
                self.reply("250 8BITMIME")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                mailbox.messages.append(email.message_from_bytes(b"".join(chunks)))
                mailbox.envelopes.append((sender, recipients))
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


@contextlib.contextmanager
def local_smtp_server(settings) -> Iterator[Mailbox]:
    """Run a real SMTP server on a free local port; point Django's SMTP backend at it."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.mailbox = Mailbox()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.server_address[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield server.mailbox  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def smtp_server(settings):
    """The messages a real local SMTP server received during the test."""
    with local_smtp_server(settings) as mailbox:
        yield mailbox


CUSTOMER_FORMAT = """<h1>{{ doctype_label }} {{ doc.customer_name }}</h1>
<p class="rev">{{ label("annual_revenue") }}: {{ format_money(doc.annual_revenue) }}</p>
<p class="words">{{ money_in_words(doc.annual_revenue or 0) }}</p>
<p class="phone">{{ doc.phone }}</p>"""


@pytest.fixture
def customer_format(users):
    """A Print Format of Customer that prints the permlevel-1 annual revenue."""
    return do_insert_doc(
        "Administrator",
        "Print Format",
        {
            "print_format_name": "Customer Card",
            "doc_type": "Customer",
            "default": 1,
            "html": CUSTOMER_FORMAT,
        },
    )


@pytest.fixture
def customers(users):
    """rep's customer with a revenue (permlevel 1) and south's customer (not rep's to read)."""
    mine = do_insert_doc(
        "rep", "Customer", {"customer_name": "苏州精工<机械>有限公司", "phone": "0512-66881234"}
    )
    from lowcode.documents.actions import do_save_doc

    do_save_doc("Administrator", "Customer", mine.name, {"annual_revenue": "1045.6"})
    other = do_insert_doc("south", "Customer", {"customer_name": "广州南方贸易有限公司"})
    return mine.name, other.name
