"""Sales Funnel (销售漏斗) end to end over HTTP: per-stage figures, conversion, filters, scope."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from lowcode.documents.actions import do_insert_doc

from .conftest import FUNNEL, backdate, make_deal, money, rows_by, run

REPORT = "Sales Funnel"


def expected(deals) -> dict:
    """Per stage: in it now (count, amount, weighted) and reached, from what was made."""
    stored = {deal.name: deal.stored() for deal in deals}
    figures: dict[str, dict] = {}
    for stage in FUNNEL:
        here = [d for d in deals if d.stage == stage]
        figures[stage] = {
            "count": len(here),
            "amount": money(sum(d.amount for d in here)),
            "weighted_amount": money(sum(stored[d.name].weighted_amount for d in here)),
            "reached": sum(1 for d in deals if d.reached(stage)),
        }
    for this, following in itertools.pairwise(FUNNEL):
        reached, onward = figures[this]["reached"], figures[following]["reached"]
        figures[this]["conversion_rate"] = round(100 * onward / reached, 1) if reached else None
    figures[FUNNEL[-1]]["conversion_rate"] = None
    return figures


def observed(message) -> dict:
    keys = ("count", "amount", "weighted_amount", "reached", "conversion_rate")
    return {stage: {k: row[k] for k in keys} for stage, row in rows_by(message, "stage").items()}


@pytest.fixture
def deals(sales_reports):
    """rep: four deals (one lost, one won); rep2 one (same 苏州组); south one (华南)."""
    product = do_insert_doc(
        "Administrator", "Product", {"product_name": "工业网关", "standard_rate": 80}
    )
    made = {
        "a": make_deal("rep", ["初步接触"], 100, source="Website"),
        "b": make_deal("rep", ["初步接触", "需求确认", "方案报价"], 200,
                       items=[{"product": product.name, "qty": 2, "rate": 100}]),
        "c": make_deal("rep", ["初步接触", "需求确认", "输单"], 300),
        "d": make_deal("rep", ["初步接触", "商务谈判", "成交"], 400),
        "e": make_deal("rep2", ["初步接触", "需求确认"], 50),
        "f": make_deal("south", ["初步接触", "商务谈判"], 1000),
    }  # fmt: skip
    made["product"] = product.name
    return made


def test_each_stage_shows_its_deals_amounts_and_conversion_to_the_next(api, deals):
    # when the manager of 华东销售部 runs it
    message = run(api("manager"), REPORT)
    # then the figures are those of rep's and rep2's deals, stage by stage, in stage order
    mine = [deals[k] for k in "abcde"]
    assert [row["stage"] for row in message["result"]] == FUNNEL
    assert observed(message) == expected(mine)
    assert message["chart"]["type"] == "funnel"
    assert message["chart"]["data"]["labels"] == FUNNEL
    assert message["chart"]["data"]["datasets"][0]["values"] == [
        expected(mine)[stage]["reached"] for stage in FUNNEL
    ]
    summary = {item["label"]: item["value"] for item in message["report_summary"]}
    assert summary["商机数"] == 5
    assert summary["赢单数"] == 1 and summary["输单数"] == 1
    assert summary["赢率"] == 50.0


def test_a_sales_user_sees_only_their_own_deals_and_the_manager_the_department(api, deals):
    assert observed(run(api("rep"), REPORT)) == expected([deals[k] for k in "abcd"])
    assert observed(run(api("rep2"), REPORT)) == expected([deals["e"]])
    assert observed(run(api("south"), REPORT)) == expected([deals["f"]])
    assert observed(run(api("south_manager"), REPORT)) == expected([deals["f"]])
    assert observed(run(api("sysman"), REPORT)) == expected([deals[k] for k in "abcdef"])


def test_a_sales_user_filtering_on_someone_else_gets_nothing_of_theirs(api, deals):
    # the filter only narrows what the permission layer allows
    message = run(api("rep"), REPORT, {"sales_owner": "rep2"})
    assert all(row["reached"] == 0 for row in message["result"])


@pytest.mark.parametrize(
    ("filters", "keys"),
    [
        ({"sales_owner": "rep2"}, "e"),
        ({"department": "苏州组"}, "abcde"),
        ({"department": "华南销售部"}, "f"),
        ({"department": "销售中心"}, "abcdef"),  # a department includes its sub-departments
        ({"source": "Website"}, "a"),
    ],
)
def test_owner_department_and_source_filters_narrow_the_funnel(api, deals, filters, keys):
    message = run(api("sysman"), REPORT, filters)
    assert observed(message) == expected([deals[k] for k in keys])


def test_the_product_filter_keeps_deals_having_an_item_of_that_product(api, deals):
    message = run(api("sysman"), REPORT, {"product": deals["product"]})
    assert observed(message) == expected([deals["b"]])


def test_period_and_date_range_filters_work_on_the_creation_date(api, deals):
    # given c was created last year and e eight days ago
    now = timezone.now()
    backdate(deals["c"].name, creation=now.replace(year=now.year - 1))
    backdate(deals["e"].name, creation=now - dt.timedelta(days=8))
    today = timezone.localdate()
    this_year = {"period": "Year", "date": today.isoformat()}
    last_year = {"period": "Year", "date": today.replace(year=today.year - 1).isoformat()}
    recent = {"from_date": (today - dt.timedelta(days=2)).isoformat(), "to_date": today.isoformat()}
    sysman = api("sysman")
    # then
    assert observed(run(sysman, REPORT, last_year)) == expected([deals["c"]])
    if (today - dt.timedelta(days=8)).year == today.year:
        assert observed(run(sysman, REPORT, this_year)) == expected([deals[k] for k in "abdef"])
    assert observed(run(sysman, REPORT, recent)) == expected([deals[k] for k in "abdf"])


@pytest.mark.parametrize(
    "filters", [{"period": "Fortnight"}, {"from_date": "yesterday"}, {"source": ["a", "b"]}]
)
def test_a_bad_filter_value_is_a_clear_400(api, sales_reports, filters):
    response = api("manager").get(
        "/api/method/frappe.desk.query_report.run", {"report_name": REPORT, "filters": filters}
    )
    assert response.status_code == 400, response.content


def test_a_user_without_a_sales_role_cannot_run_it(api, sales_reports):
    response = api("nobody").get(
        "/api/method/frappe.desk.query_report.run", {"report_name": REPORT}
    )
    assert response.status_code == 404
