"""Every main page fits a phone's budget: at most 300 KB on the wire on a cold visit.

A byte budget, not a timing: each page is opened in a new browser context (empty cache, no
service worker) at 390×844 against the real app, static files served as `make run` serves
them, and Chromium's own count of received bytes is added up (bench/phone_bytes.py, which
`make bench` prints for the demo site).
"""

from __future__ import annotations

import pytest

from bench.phone_bytes import BUDGET_BYTES, measure_all, report
from lowcode import context
from lowcode.documents.actions import do_insert_doc
from tests.browser import o2c_data as data
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def main_pages_data(workflows):
    """A record behind each main page: a lead, a customer, a quotation, deals, a dashboard."""
    from kuaicrm.fixtures.dashboard import load_dashboard
    from kuaicrm.reports import install_reports
    from tests.kuaicrm.reports.conftest import make_deal

    install_reports()
    data.catalogue()
    customer = data.customer()
    data.opportunity(customer)
    data.quotation(customer, discount=15)  # over the threshold: it waits for approval
    do_insert_doc("rep", "Lead", {"lead_name": "王芳", "company_name": "苏州精工机械有限公司"})
    make_deal("rep", ["初步接触", "需求确认", "方案报价"], 300000)
    make_deal("rep2", ["初步接触"], 120000)
    load_dashboard()
    context.reset()
    return customer


def test_every_main_page_is_at_most_300_kb_on_a_cold_phone_visit(
    browser, desk_server, main_pages_data
):
    results = measure_all(browser, desk_server.url, "manager", PASSWORD, search="恒远")

    lines: list[str] = []
    report(results, lines.append)
    print("\n".join(lines))
    assert [r.status for r in results] == [200] * len(results), lines
    # the funnel and the dashboard draw their charts (the chart code is part of their weight)
    charted = {r.label for r in results if any("echarts" in name for name in r.files)}
    assert {"funnel report", "dashboard"} <= charted, lines
    assert charted <= {"funnel report", "dashboard", "home"}, lines
    over = [r.label for r in results if r.total > BUDGET_BYTES]
    assert not over, "\n".join(lines)
