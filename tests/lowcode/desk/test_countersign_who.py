"""A 会签 step names who has approved and who is awaited: on the form, in the approvals inbox
and on the home page's pending list (item 10), and in the progress the API answers."""

from __future__ import annotations

import html
import re

import pytest

from lowcode.workflow.actions import do_apply_workflow
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401 - fixtures
from tests.lowcode.workflow.test_countersign_roles import Q, pending  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
WHO = "已同意：manager（销售经理）；等待：财务专员"


def text(page: str, pattern: str) -> str:
    found = re.search(pattern, page, re.S)
    assert found, pattern
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_the_form_names_who_approved_and_who_is_awaited(desk, pending):  # noqa: F811
    do_apply_workflow("manager", Q, pending, "Approve")

    form = desk("finance1").get(f"/app/quotation/{pending}").content.decode()

    assert (
        text(form, r'data-testid="approval-progress">(.*?)</p>') == "会签 1/2 已同意，等待 财务专员"
    )
    assert text(form, r'data-testid="approval-who">(.*?)</p>') == WHO


def test_the_inbox_and_home_name_them_too(desk, api, pending):  # noqa: F811
    do_apply_workflow("manager", Q, pending, "Approve")
    client = desk("finance1")

    inbox = client.get("/app/approvals").content.decode()
    home = client.get("/app").content.decode()
    progress = api("rep").get(
        "/api/method/lowcode.workflow.get_progress", {"doctype": Q, "name": pending}
    )

    row = rf'href="/app/quotation/{pending}".*?class="muted wf-inbox-who">(.*?)</span>'
    assert text(inbox, row) == WHO
    assert text(home, row) == WHO
    assert progress.json()["message"]["approved_names"] == ["manager（销售经理）"]


def test_before_anyone_approves_it_says_so(desk, pending):  # noqa: F811
    form = desk("manager").get(f"/app/quotation/{pending}").content.decode()

    assert text(form, r'data-testid="approval-who">(.*?)</p>') == (
        "已同意：暂无；等待：销售经理、财务专员"
    )
