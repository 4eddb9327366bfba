"""Controller of the test-only Test Order: records lifecycle calls in order."""

from __future__ import annotations

import fcntl
import os

from lowcode.exceptions import ValidationError
from lowcode.storage.document import Document

EVENTS: list[str] = []
ACTORS: list[tuple[str, str]] = []  # (event, acting user) as lifecycle hooks see them
SCHEDULED: list[str] = []


class TestOrder(Document):
    def _record(self, event: str) -> None:
        EVENTS.append(f"controller:{event}")

    def before_insert(self) -> None:
        self._record("before_insert")

    def validate(self) -> None:
        self._record("validate")
        if self.title == "explode in validate":
            raise ValidationError("controller refused")
        if self.title == IMPORT_GATE_TITLE:
            stop_or_wait_at_import_gate()

    def before_save(self) -> None:
        self._record("before_save")
        ACTORS.append(("before_save", self.acting_user))

    def after_insert(self) -> None:
        self._record("after_insert")
        if self.title == "explode after insert":
            raise ValidationError("after_insert refused")

    def on_update(self) -> None:
        self._record("on_update")

    def before_submit(self) -> None:
        self._record("before_submit")

    def on_submit(self) -> None:
        self._record("on_submit")

    def on_cancel(self) -> None:
        self._record("on_cancel")

    def on_trash(self) -> None:
        self._record("on_trash")
        ACTORS.append(("on_trash", self.acting_user))


# Data import recovery (tests/lowcode/dataio/test_import_recovery.py): a row with this title
# stops the process importing it, as a worker killed or timed out mid-import would be.
IMPORT_GATE_TITLE = "导入闸门"
STOP_PROCESS: list[bool] = []  # in-process: raise SystemExit (gunicorn's timeout does this)
GATE_ENV = "KUAICRM_TEST_IMPORT_GATE"  # in an RQ worker: block on this file's lock until killed


def stop_or_wait_at_import_gate() -> None:
    if STOP_PROCESS:
        raise SystemExit(1)
    path = os.environ.get(GATE_ENV)
    if path:
        with open(path) as gate:
            fcntl.flock(gate, fcntl.LOCK_SH)  # the test holds LOCK_EX until it kills us


def record_hook(doc, event: str) -> None:
    EVENTS.append(f"hook:{event}")


def echo(request, user, **params):
    return {"user": user, "params": params}


def scheduled_hourly() -> None:
    SCHEDULED.append("hourly")


def scheduled_quarter() -> None:
    SCHEDULED.append("quarter")


HIDE_CLOSED: list[bool] = []


def hide_closed_orders(user: str, doctype: str):
    """A permission_query_conditions hook: while switched on, closed orders are invisible."""
    from django.db.models import Q

    return ~Q(status="Closed") if HIDE_CLOSED else None


SHARE_URGENT: list[bool] = []


def share_urgent_orders(user: str, doctype: str):
    """A permission_read_grants hook: while switched on, everyone who reads orders reads urgent ones."""
    from django.db.models import Q

    return Q(urgent=1) if SHARE_URGENT else None
