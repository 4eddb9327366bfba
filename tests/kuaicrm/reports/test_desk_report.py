"""The desk renders the sales reports: filters, summary, the funnel chart and the table."""

from __future__ import annotations

import json
import re
from html import unescape

from tests.lowcode.desk.conftest import desk  # noqa: F401

from .conftest import make_deal


def test_the_sales_funnel_page_renders_with_its_funnel_chart(desk, sales_reports):  # noqa: F811
    make_deal("rep", ["初步接触", "需求确认"], 120)
    make_deal("south", ["初步接触"], 999)
    # when
    response = desk("manager").get("/app/query-report/Sales Funnel")
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "销售漏斗" in page
    for fieldname in ("sales_owner", "department", "product", "source", "period", "from_date"):
        assert f'name="{fieldname}"' in page
    chart = json.loads(unescape(re.search(r'data-chart="([^"]*)"', page).group(1)))
    assert chart["type"] == "funnel"
    # the manager's funnel counts rep's deal, not south's: 1 reached 初步接触 and 需求确认
    assert chart["data"]["datasets"][0]["values"][:2] == [1, 1]
    assert 'id="report-table"' in page and "需求确认" in page


def test_a_filter_from_the_page_reaches_the_report(desk, sales_reports):  # noqa: F811
    make_deal("rep", ["初步接触"], 120, source="Website")
    page = desk("rep").get("/app/query-report/Sales Funnel", {"source": "Referral"})
    chart = json.loads(unescape(re.search(r'data-chart="([^"]*)"', page.content.decode()).group(1)))
    assert chart["data"]["datasets"][0]["values"][0] == 0
