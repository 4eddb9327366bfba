"""Report list, report view and dashboard through the desk, as each user sees them."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kuaicrm.fixtures.dashboard import DASHBOARD_CHARTS, NUMBER_CARDS, load_dashboard
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def make_report(name: str, report_type: str = "Query Report", **values) -> str:
    values.setdefault("ref_doctype", "Lead")
    data = {"report_name": name, "report_type": report_type, **values}
    return do_insert_doc("Administrator", "Report", data).name


def lead(owner: str, status: str = "Open", **values) -> str:
    data = {"lead_name": f"{owner}的线索", "company_name": "苏州精工", "status": status, **values}
    return do_insert_doc(owner, "Lead", data).name


def page(client, path: str, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200, response.content[:800]
    return response.content.decode()


def chart_payloads(text: str) -> list[dict]:
    return [json.loads(html.unescape(raw)) for raw in re.findall(r'data-chart="([^"]+)"', text)]


def card_values(text: str) -> dict[str, str]:
    """Number card name → the figure it counts."""
    found = re.findall(r'data-card="([^"]+)".*?data-value="([^"]*)"', text, flags=re.S)
    return {name: float(value) for name, value in found}


# ---------------------------------------------------------------- reports


def test_the_report_list_shows_only_reports_the_user_may_run(desk):
    make_report("Managers Only", query="SELECT 1 AS one", roles=[{"role": "Sales Manager"}])
    make_report("Lead Overview", query="SELECT 1 AS one")  # report permission on Lead decides
    make_report("Retired", query="SELECT 1 AS one", disabled=1)

    manager, rep, nobody = desk("manager"), desk("rep"), desk("nobody")

    assert {"Managers Only", "Lead Overview"} <= set(
        re.findall(r"<b>([^<]+)</b>", page(manager, "/app/reports"))
    )
    rep_page = page(rep, "/app/reports")
    assert "Lead Overview" in rep_page and "Managers Only" not in rep_page
    assert "Retired" not in rep_page
    assert "Lead Overview" not in page(nobody, "/app/reports")
    assert rep.get("/app/query-report/Managers Only").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_query_report_renders_its_filter_form_and_rows(desk):
    # given (committed, so MariaDB's separate read-only connection sees the rows)
    lead("rep", "Open", lead_name="甲线索")
    lead("rep", "Contacted", lead_name="乙线索")
    make_report(
        "Leads By Status",
        query="SELECT lead_name, status FROM `tabLead` WHERE status = %(status)s ORDER BY lead_name",
        filters=[{"fieldname": "status", "label": "Status", "fieldtype": "Select",
                  "options": "Open\nContacted", "default": "Open", "reqd": 1}],
    )  # fmt: skip
    manager = desk("manager")
    # when
    first = page(manager, "/app/query-report/Leads By Status")
    contacted = page(manager, "/app/query-report/Leads By Status", status="Contacted")
    # then: the default runs at once; the form carries the filter
    assert 'id="rf-status"' in first and '<option value="Open" selected>' in first
    assert "甲线索" in first and "乙线索" not in first
    assert "乙线索" in contacted and "甲线索" not in contacted
    assert 'id="export-csv"' in first


def test_a_script_report_shows_its_chart_summary_and_message(desk):
    for title, status, amount in (("甲", "Open", 100), ("乙", "Open", 50), ("丙", "Closed", 20)):
        do_insert_doc("rep", "Test Order", {"title": title, "status": status, "amount": amount})
    make_report("Test Order Summary", "Script Report", ref_doctype="Test Order")

    text = page(desk("manager"), "/app/query-report/Test Order Summary")

    [chart] = chart_payloads(text)
    assert chart["type"] == "bar"
    assert chart["data"]["labels"] == ["Closed", "Open"]
    assert chart["data"]["datasets"][0]["values"] == [20.0, 150.0]
    assert "2 statuses" in text  # the message
    assert 'class="summary"' in text
    assert "vendor/echarts/echarts.common.min.js" in text


def test_a_missing_required_filter_is_asked_for_and_a_failing_query_is_a_readable_message(desk):
    make_report(
        "Needs Status",
        query="SELECT %(status)s AS s",
        filters=[{"fieldname": "status", "label": "Status", "reqd": 1}],
    )
    make_report("Broken", query="SELECT no_such_column FROM `tabLead`")
    manager = desk("manager")

    asked = page(manager, "/app/query-report/Needs Status")
    broken = page(manager, "/app/query-report/Broken")

    assert "请先填写必填筛选条件" in asked and 'id="report-table"' not in asked
    assert 'id="report-error"' in broken and "no_such_column" in broken


def test_the_export_button_downloads_the_rows_as_csv(desk):
    make_report("One Row", query="SELECT '苏州' AS city")

    response = desk("manager").get("/app/query-report/One Row/export", {"file_format_type": "CSV"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "苏州" in response.content.decode("utf-8-sig")


# ---------------------------------------------------------------- dashboard


@pytest.fixture
def leads(users):
    """rep: 2 open + 1 contacted; rep2: 1 open; south: 1 open."""
    made = [lead("rep", expected_amount=100), lead("rep", expected_amount=50)]
    made += [lead("rep", "Contacted", expected_amount=10), lead("rep2"), lead("south")]
    return made


def test_dashboard_numbers_differ_by_what_each_user_may_read(desk, leads):
    load_dashboard()

    rep = card_values(page(desk("rep"), "/app/dashboard"))
    manager = card_values(page(desk("manager"), "/app/dashboard"))
    sysman = card_values(page(desk("sysman"), "/app/dashboard"))

    assert (rep["Open Leads"], manager["Open Leads"], sysman["Open Leads"]) == (2, 3, 4)
    assert rep["Expected Amount of Open Leads"] == 160


def test_a_card_opens_the_list_with_its_filters(desk, leads):
    load_dashboard()

    text = page(desk("rep"), "/app/dashboard")

    href = html.unescape(re.search(r'data-card="Open Leads" href="([^"]+)"', text).group(1))
    assert href.startswith("/app/lead?filters=")
    listed = page(desk("rep"), href)
    assert listed.count('class="row-title"') == 2


def test_cards_and_charts_on_doctypes_the_user_may_not_read_are_left_out(desk, leads):
    load_dashboard()
    do_insert_doc("Administrator", "Number Card", {"label": "Roles", "document_type": "Role"})

    rep = page(desk("rep"), "/app/dashboard")

    assert 'data-card="Roles"' not in rep
    assert 'data-card="Roles"' in page(desk("sysman"), "/app/dashboard")


def test_a_chart_groups_what_the_user_may_read(desk, leads):
    load_dashboard()

    text = page(desk("rep"), "/app/dashboard")

    charts = dict(
        zip(re.findall(r'data-chart-name="([^"]+)"', text), chart_payloads(text), strict=False)
    )
    by_status = charts["Leads by Status"]
    counts = dict(
        zip(by_status["data"]["labels"], by_status["data"]["datasets"][0]["values"], strict=True)
    )
    assert counts == {"待跟进": 2, "已联系": 1}  # rep's own leads only, labels in Chinese
    assert by_status["type"] == "donut"
    assert all(h.startswith("/app/lead?filters=") for h in by_status["hrefs"])


def test_a_chart_may_group_by_a_custom_field(desk, leads):
    # given a custom field (stored in _custom) set on some leads
    do_insert_doc(
        "Administrator",
        "Custom Field",
        {"dt": "Lead", "fieldname": "visit_grade", "label": "Visit Grade", "fieldtype": "Select",
         "options": "\nGold\nSilver", "insert_after": "status"},
    )  # fmt: skip
    from lowcode.documents.actions import do_save_doc

    do_save_doc("rep", "Lead", leads[0], {"visit_grade": "Gold"})
    do_save_doc("rep", "Lead", leads[1], {"visit_grade": "Gold"})
    do_save_doc("rep", "Lead", leads[2], {"visit_grade": "Silver"})
    do_insert_doc(
        "Administrator",
        "Dashboard Chart",
        {"chart_name": "Leads by Grade", "document_type": "Lead", "group_by": "visit_grade",
         "function": "Sum", "aggregate_field": "expected_amount", "chart_type": "Bar"},
    )  # fmt: skip

    text = page(desk("manager"), "/app/dashboard")

    [chart] = chart_payloads(text)
    values = dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["values"], strict=True))
    assert values["Gold"] == 150 and values["Silver"] == 10


@pytest.mark.usefixtures("workflows")  # the demo's lead funnel groups by the workflow's state
def test_the_dashboard_costs_one_query_per_card_and_chart(
    desk, leads, django_assert_max_num_queries
):
    # given one card and one chart: measure
    do_insert_doc("Administrator", "Number Card", {"label": "Open Leads", "document_type": "Lead"})
    do_insert_doc(
        "Administrator",
        "Dashboard Chart",
        {"chart_name": "Leads by Source", "document_type": "Lead", "group_by": "source"},
    )
    client = desk("manager")
    page(client, "/app/dashboard")  # warm per-process caches
    with CaptureQueriesContext(connection) as baseline:
        page(client, "/app/dashboard")
    # when the demo adds more cards and charts, and more leads arrive
    added = load_dashboard()
    for _index in range(10):
        lead("rep")
    # then each extra card or chart costs one aggregate, each extra DocType one permission read
    more_doctypes = {c["document_type"] for c in NUMBER_CARDS + DASHBOARD_CHARTS} - {"Lead"}
    # Customer's read scope also reads the enabled pools (its permission_read_grants hook); the
    # funnel chart, which used to fail before its query, hid that one until charts were checked.
    pool_grants = 1
    with django_assert_max_num_queries(len(baseline) + added + len(more_doctypes) + pool_grants):
        text = page(client, "/app/dashboard")
    assert text.count("data-card=") == len(NUMBER_CARDS)


def test_big_figures_are_short_on_a_card(site):
    from lowcode.desk.lib.dashboard import compact_number

    assert compact_number(17_570_000.0) == "1,757.0万"
    assert compact_number(211_000) == "21.1万"
    assert compact_number(1234) == "1,234"
    assert compact_number(12.5) == "12.50"


@pytest.mark.usefixtures("workflows")  # the lead funnel chart groups by the workflow's state
def test_the_demo_dashboard_loads_once(site):
    first = load_dashboard()
    again = load_dashboard()

    assert first == len(NUMBER_CARDS) + len(DASHBOARD_CHARTS)
    assert again == 0
    assert get_model("Number Card").objects.count() == len(NUMBER_CARDS)


@pytest.mark.usefixtures("workflows")
def test_a_chart_of_workflow_states_shows_them_in_chinese(desk):
    lead("rep")
    do_insert_doc(
        "Administrator",
        "Dashboard Chart",
        {"chart_name": "Funnel", "document_type": "Lead", "group_by": "workflow_state"},
    )

    charts = chart_payloads(page(desk("manager"), "/app/dashboard"))

    assert charts[0]["data"]["labels"] == ["新线索"]
