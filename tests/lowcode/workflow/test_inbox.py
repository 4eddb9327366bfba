"""Inbox boxes: permission-filtered, coloured, and without a query per item."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow
from tests.lowcode.workflow.helpers import inbox

pytestmark = pytest.mark.django_db
C = "Contract"


def _submitted(count: int) -> list[str]:
    names = []
    for _ in range(count):
        doc = do_insert_doc("rep", C, {"contract_title": "合同", "amount": 1000})
        do_apply_workflow("rep", C, doc.name, "Submit")
        names.append(doc.name)
    context.reset()
    return names


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        inbox(client, "pending")
    return len(captured)


def test_pending_inbox_costs_the_same_for_one_or_many_items(workflows, api):
    manager = api("manager")
    _submitted(1)
    inbox(manager, "pending")  # warm the per-process metadata caches
    one = _queries(manager)
    _submitted(4)
    assert len(inbox(manager, "pending")) == 5
    assert _queries(manager) == one


def test_overdue_items_are_red_and_others_do_not_see_them(workflows, api):
    late, on_time = _submitted(2)
    get_model("Workflow Action").objects.filter(reference_name=late).update(
        escalate_at=timezone.now() - dt.timedelta(hours=1)
    )
    pending = inbox(api("manager"), "pending")
    assert (pending[late]["colour"], pending[on_time]["colour"]) == ("red", "yellow")
    assert pending[late]["responsible"] == "Sales Manager"
    assert inbox(api("south_manager"), "pending") == {}
    assert set(inbox(api("rep"), "submitted")) == {late, on_time}
    assert inbox(api("rep2"), "submitted") == {}


def test_unknown_box_is_refused(workflows, api):
    response = api("rep").get("/api/method/lowcode.workflow.inbox", {"box": "spam"})
    assert response.status_code == 400
