"""Exception Path Usage (绿色通道使用记录): every 绿色通道 use, for Sales Managers and above."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kuaicrm.reports import install_reports
from lowcode import context
from lowcode.reports.engine import run_report
from lowcode.workflow.actions import do_process_workflow_timers
from tests.kuaicrm.workflow.conftest import approvers, signers, workflows  # noqa: F401
from tests.lowcode.desk.conftest import desk  # noqa: F401
from tests.lowcode.workflow.helpers import attach_signed_scan, state_after

from .conftest import RUN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signers")]
REPORT = "Exception Path Usage"
C = "Contract"
REQUEST = "Request Urgent Signing"
REVIEWERS = ["finance1", "finance2", "legal1", "legal2"]


@pytest.fixture
def clients(api):
    install_reports()
    context.reset()
    names = ["rep", "south", "manager", "director", "opsvp", "sysman", *REVIEWERS]
    return {name: api(name) for name in names}


def _urgent(clients, owner: str, reason: str, risk: str, co_sign: bool = True) -> str:
    response = clients[owner].post(
        "/api/resource/Contract", {"contract_title": f"{owner}加急合同", "amount": 500000}
    )
    assert response.status_code == 200, response.content
    name = response.json()["data"]["name"]
    state_after(clients[owner], C, name, REQUEST, reason=reason, risk_note=risk)
    if co_sign:
        state_after(clients["director"], C, name, "Approve")
        state_after(clients["opsvp"], C, name, "Approve")
    return name


def _rows(client) -> dict[str, dict]:
    response = client.get(RUN, {"report_name": REPORT, "filters": {}})
    assert response.status_code == 200, response.content.decode()[:800]
    return {row["reference_name"]: row for row in response.json()["message"]["result"]}


def test_sales_managers_see_their_departments_exceptions_and_sales_users_cannot_run_it(clients):
    # given: one request in 华东 (co-signed, awaiting 补审) and one in 华南 (awaiting co-signers)
    east = _urgent(clients, "rep", "客户周末出差", "法务财务不在岗")
    south = _urgent(clients, "south", "月底冲量", "价格低于底价", co_sign=False)

    # when / then: the 华东 manager sees 华东's request only, with its reason and risk note
    rows = _rows(clients["manager"])
    assert set(rows) == {east}
    row = rows[east]
    assert (row["reference_doctype"], row["action"], row["user"]) == ("合同", "申请紧急签约", "rep")
    assert (row["reason"], row["risk_note"]) == ("客户周末出差", "法务财务不在岗")
    assert (row["from_state"], row["to_state"]) == ("草稿", "紧急签约会签")
    assert (row["current_state"], row["post_review"]) == ("待补审", "待补审")
    assert row["timestamp"]
    # the co-signers and System Managers see every request
    for user in ("director", "opsvp", "sysman"):
        assert set(_rows(clients[user])) == {east, south}, user
    assert _rows(clients["director"])[south]["current_state"] == "紧急签约会签"
    assert _rows(clients["director"])[south]["post_review"] == ""
    # the reps who use the exception path do not audit it
    for user in ("rep", "south"):
        refused = clients[user].get(RUN, {"report_name": REPORT, "filters": {}})
        assert refused.status_code in (403, 404), (user, refused.status_code)


def test_the_post_review_outcome_follows_the_document(clients):
    passed = _urgent(clients, "rep", "周末签约", "条款沿用模板")
    failed = _urgent(clients, "rep", "客户催签", "账期未审")
    entered = timezone.now()

    do_process_workflow_timers(now=entered + dt.timedelta(hours=73))
    context.reset()
    assert {n: r["post_review"] for n, r in _rows(clients["manager"]).items()} == {
        passed: "补审逾期",
        failed: "补审逾期",
    }

    attach_signed_scan(clients["rep"], passed)  # 已签约 needs the signed scan
    for reviewer in REVIEWERS:
        state_after(clients[reviewer], C, passed, "Pass Post Review")
    state_after(clients["legal1"], C, failed, "Fail Post Review", reason="违约条款缺失")
    rows = _rows(clients["manager"])
    assert (rows[passed]["current_state"], rows[passed]["post_review"]) == ("已签署", "补审已通过")
    assert (rows[failed]["current_state"], rows[failed]["post_review"]) == (
        "补审未通过",
        "补审未通过",
    )
    state_after(clients["manager"], C, failed, "Cancel", reason="作废")
    assert _rows(clients["manager"])[failed]["post_review"] == "补审未通过"


def test_report_query_count_does_not_grow_with_the_rows(clients):
    def queries() -> int:
        context.reset()
        with CaptureQueriesContext(connection) as captured:
            run_report("manager", REPORT)
        return len(captured)

    _urgent(clients, "rep", "一", "一")
    queries()  # the first run also loads metadata that later runs find cached
    few = queries()
    for n in range(3):
        _urgent(clients, "rep", f"原因{n}", f"风险{n}", co_sign=n % 2 == 0)
    assert queries() == few


def test_the_desk_page_shows_it_to_a_manager_not_to_a_rep(clients, desk):  # noqa: F811
    name = _urgent(clients, "rep", "客户周末出差", "法务财务不在岗")

    page = desk("manager").get(f"/app/query-report/{REPORT}")

    assert page.status_code == 200
    html = page.content.decode()
    assert "绿色通道使用记录" in html
    assert name in html and "法务财务不在岗" in html
    assert desk("rep").get(f"/app/query-report/{REPORT}").status_code in (403, 404)
