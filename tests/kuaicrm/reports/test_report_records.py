"""The standard sales reports' records: installed once, role-gated, and light on queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kuaicrm.reports import REPORTS, ROLES, install_reports
from lowcode import context
from lowcode.documents.actions import do_save_doc
from lowcode.reports.engine import run_report, runnable_reports
from lowcode.storage.factory import get_model

from .conftest import make_deal


def test_install_creates_each_report_once_and_keeps_an_admins_edits(sales_reports):
    Report = get_model("Report")
    assert set(Report.objects.values_list("name", flat=True)) >= set(sales_reports)
    for name in sales_reports:
        report = Report.objects.get(name=name)
        assert (report.report_type, report.is_standard) == ("Script Report", 1)
        assert {row.role for row in report.get("roles")} == set(ROLES)
    do_save_doc("Administrator", "Report", "Sales Forecast", {"disabled": 1})
    # when migrate runs again
    assert install_reports() == 0
    assert Report.objects.get(name="Sales Forecast").disabled == 1
    assert len(REPORTS) == len(sales_reports)


def test_sales_roles_may_run_them_and_others_not(sales_reports):
    for user in ("rep", "manager", "sysman"):
        assert {r.name for r in runnable_reports(user)} >= set(sales_reports), user
    assert not {r.name for r in runnable_reports("nobody")} & set(sales_reports)


@pytest.mark.parametrize(
    "report",
    [
        "Sales Funnel",
        "Stage Dwell Time",
        "Lead Source Analysis",
        "Win Loss Analysis",
        "Sales Forecast",
        "Process Health",
    ],
)
def test_report_query_count_does_not_grow_with_the_data(sales_reports, report):
    def queries() -> int:
        context.reset()
        with CaptureQueriesContext(connection) as captured:
            run_report("manager", report)
        return len(captured)

    make_deal("rep", ["初步接触", "需求确认"], 10)
    queries()  # the first run also loads metadata that later runs find cached
    few = queries()
    for amount in range(5):
        make_deal("rep2", ["初步接触", "方案报价", "输单"], amount, lost_reason="Timing")
        make_deal("rep", ["初步接触", "成交"], amount)
    assert queries() == few
