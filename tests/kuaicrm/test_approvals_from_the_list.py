"""Approvals a manager acts on from the inbox, the home page and a notification (issue 17, item 6):
rows show amount, submitter, step and waiting time; a decision posted from a list goes through
the workflow's own action, so its rules (who decides, reasons, self-approval, 会签) hold."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from lowcode import context
from lowcode.storage.factory import get_model
from lowcode.users import do_create_user
from lowcode.workflow.actions import do_apply_workflow
from tests.browser import o2c_data as data
from tests.conftest import PASSWORD
from tests.kuaicrm.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.desk.conftest import desk  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_quotation(workflows):  # noqa: F811
    """A rep's quotation at 15 % discount: it waits for the sales manager and finance (会签)."""
    data.catalogue()
    name = data.quotation(data.customer(), discount=15)
    do_apply_workflow("rep", "Quotation", name, "Submit")
    context.reset()
    return name


def quotation(name: str):
    context.reset()
    return get_model("Quotation").objects.get(name=name)


def row_of(page: str, name: str) -> str:
    """The inbox row (<li class="ap-row" …>…</li>) that links to ``name``."""
    link = page.index(f"/quotation/{name}")
    start = page.rindex('<li class="ap-row"', 0, link)
    return page[start : page.index("</li>", link)]


def decide(client, name: str, action: str, **values):
    response = client.post(
        "/app/approvals/decide",
        {"doctype": "Quotation", "name": name, "action": action, **values},
        htmx=False,
    )
    return response.status_code, json.loads(response.content)


def logs(name: str) -> list:
    return list(
        get_model("Workflow Log")
        .objects.filter(reference_doctype="Quotation", reference_name=name)
        .order_by("timestamp", "creation")
    )


def test_an_inbox_row_shows_amount_submitter_step_waiting_time_and_the_decisions(
    desk,  # noqa: F811
    pending_quotation,
):
    page = desk("manager").get("/app/approvals").content.decode()
    row = row_of(page, pending_quotation)
    total = f"{Decimal(str(quotation(pending_quotation).grand_total)):,.2f}"
    assert (
        f'<span class="ap-amount" data-field="grand_total" title="订单总额">{total}</span>' in row
    )
    assert '<span data-field="max_discount_percentage">最大折扣率(%) 15%</span>' in row
    assert '<span class="ap-submitter">rep 提交</span>' in row
    assert '<span class="ap-step">待审批</span>' in row
    assert re.search(r'<span class="ap-waiting">已等待 \d+ 分钟</span>', row)
    assert re.findall(r'data-action="([^"]+)"', row) == ["Approve", "Reject"]
    # the return's ready-made reasons come from the workflow transition (admin-editable)
    assert "<span>折扣超出授权，请调整后重新提交</span>" in row
    # the home page shows the same row, with the same buttons
    home = desk("manager").get("/app").content.decode()
    assert re.findall(r'data-action="([^"]+)"', row_of(home, pending_quotation)) == [
        "Approve",
        "Reject",
    ]


def test_a_manager_approves_from_the_list_with_a_comment(desk, pending_quotation):  # noqa: F811
    status, answer = decide(
        desk("manager"), pending_quotation, "Approve", comment="折扣可以接受，下不为例"
    )

    assert status == 200 and answer["ok"], answer
    assert "会签 1/2" in answer["result"]  # finance still has to agree
    log = logs(pending_quotation)[-1]
    assert (log.user, log.action, log.comment) == ("manager", "Approve", "折扣可以接受，下不为例")
    assert quotation(pending_quotation).status == "Pending Approval"
    # the decision is taken: the manager's row has no buttons any more
    page = desk("manager").get("/app/approvals").content.decode()
    assert f"/quotation/{pending_quotation}" not in page
    # and the comment is on the document's timeline for the rep
    form = desk("rep").get(f"/app/quotation/{pending_quotation}").content.decode()
    assert "折扣可以接受，下不为例" in form


def test_a_return_needs_a_reason_and_takes_a_template(desk, pending_quotation):  # noqa: F811
    manager = desk("manager")
    status, answer = decide(manager, pending_quotation, "Reject", comment="请调整")
    assert status == 200 and not answer["ok"]
    assert set(answer["errors"]) == {"reason"} and "原因" in answer["errors"]["reason"]
    assert quotation(pending_quotation).status == "Pending Approval"

    status, answer = decide(
        manager,
        pending_quotation,
        "Reject",
        reason="折扣超出授权，请调整后重新提交",
        comment="客户是老客户，可以到12%",
    )
    assert status == 200 and answer["ok"], answer
    assert quotation(pending_quotation).status == "Draft"
    log = logs(pending_quotation)[-1]
    assert (log.reason, log.comment) == (
        "折扣超出授权，请调整后重新提交",
        "客户是老客户，可以到12%",
    )
    # the rep reads both on the timeline: why it came back, and the manager's advice
    form = desk("rep").get(f"/app/quotation/{pending_quotation}").content.decode()
    assert "折扣超出授权，请调整后重新提交 · 客户是老客户，可以到12%" in form


def test_no_one_approves_their_own_quotation_from_the_list(desk, workflows):  # noqa: F811
    # given: a player-coach (sales user and sales manager) submits a quotation needing approval
    do_create_user(
        "coach", PASSWORD, roles=["Sales User", "Sales Manager"], department="华东销售部"
    )
    context.reset()
    data.catalogue()
    name = data.quotation(data.customer(), discount=15)
    get_model("Quotation").objects.filter(name=name).update(owner="coach")
    do_apply_workflow("coach", "Quotation", name, "Submit")
    coach = desk("coach")

    # then: their inbox offers no decision on it, and a posted one is refused
    page = coach.get("/app/approvals").content.decode()
    assert 'class="ap-decide' not in row_of(page, name)
    status, answer = decide(coach, name, "Approve", comment="自己批")
    assert status == 403 and not answer["ok"]
    assert "通过" in answer["message"]
    assert quotation(name).status == "Pending Approval"
    assert not [log for log in logs(name) if log.user == "coach" and log.action == "Approve"]


def test_a_user_who_cannot_read_the_quotation_gets_404(desk, pending_quotation):  # noqa: F811
    status, answer = decide(desk("south"), pending_quotation, "Approve")
    assert status == 404 and not answer["ok"]
    # a System Manager may read it, but is no approver of this step
    status, answer = decide(desk("sysman"), pending_quotation, "Approve")
    assert status == 403 and not answer["ok"]
    assert quotation(pending_quotation).status == "Pending Approval"
    assert [log.action for log in logs(pending_quotation)] == ["Submit"]


def test_a_notification_carries_the_decision(desk, pending_quotation):  # noqa: F811
    manager = desk("manager")
    page = manager.get("/app/notifications").content.decode()
    start = page.index(f"/app/quotation/{pending_quotation}")
    item = page[page.rindex("<li", 0, start) : page.index("</li>", start)]
    assert re.findall(r'data-action="([^"]+)"', item) == ["Approve", "Reject"]
    notification = re.search(r'data-notification="([^"]+)"', item).group(1)
    assert 'class="unread' in item

    status, answer = decide(
        manager, pending_quotation, "Approve", comment="同意", notification=notification
    )
    assert status == 200 and answer["ok"]
    context.reset()
    assert get_model("Notification Log").objects.get(name=notification).read  # acted on: read
    page = manager.get("/app/notifications").content.decode()
    assert 'data-action="Approve"' not in page  # decided: the notification is a plain line again


def test_the_inbox_costs_a_bounded_number_of_queries_a_row(
    desk,  # noqa: F811
    workflows,  # noqa: F811
    monkeypatch,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lowcode.desk.lib import approvals

    monkeypatch.setattr(approvals, "DETAILED", 3)
    data.catalogue()
    customer = data.customer()
    manager = desk("manager")

    def inbox_queries(rows: int) -> int:
        while get_model("Quotation").objects.filter(status="Pending Approval").count() < rows:
            name = data.quotation(customer, discount=15)
            do_apply_workflow("rep", "Quotation", name, "Submit")
        context.reset()
        manager.get("/app/approvals")  # warm the per-process caches (metadata, workflows)
        with CaptureQueriesContext(connection) as queries:
            page = manager.get("/app/approvals").content.decode()
        assert page.count('class="ap-row"') == rows
        return len(queries)

    one, three, five = inbox_queries(1), inbox_queries(3), inbox_queries(5)
    assert (three - one) / 2 <= 10  # a detailed row: its decisions, progress and figures
    assert five - three <= 2  # rows past DETAILED only link to their document
