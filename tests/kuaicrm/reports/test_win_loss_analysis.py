"""Win Loss Analysis (赢单输单分析) over HTTP: won/lost by period and owner, win rate, lost reasons."""

from __future__ import annotations

import pytest
from django.utils import timezone

from lowcode.i18n import _

from .conftest import backdate, make_deal, money, rows_by, run

REPORT = "Win Loss Analysis"
WON, LOST = ["初步接触", "商务谈判", "成交"], ["初步接触", "需求确认", "输单"]


@pytest.fixture
def deals(sales_reports):
    made = {
        "w1": make_deal("rep", WON, 400),
        "w2": make_deal("rep", WON, 100),
        "l1": make_deal("rep", LOST, 300, lost_reason="Price"),
        "l2": make_deal("rep", LOST, 50, lost_reason="Competitor"),
        "o1": make_deal("rep", ["初步接触"], 999),
        "l3": make_deal("rep2", LOST, 70, lost_reason="Price"),
        "w3": make_deal("south", WON, 1000),
    }
    # w2 was won a year ago
    today = timezone.localdate()
    backdate(made["w2"].name, closed_on=today.replace(year=today.year - 1))
    return made


def figures(deals) -> dict:
    won = [d for d in deals if d.status == "Won"]
    lost = [d for d in deals if d.status == "Lost"]
    return {
        "won": len(won),
        "lost": len(lost),
        "win_rate": round(100 * len(won) / (len(won) + len(lost)), 1),
        "won_amount": money(sum(d.amount for d in won)),
        "lost_amount": money(sum(d.amount for d in lost)),
    }


def observed(message) -> dict:
    keys = ("won", "lost", "win_rate", "won_amount", "lost_amount")
    return {key: {k: r[k] for k in keys} for key, r in rows_by(message, "key").items()}


def test_won_and_lost_per_year_for_a_sales_user(api, deals):
    year = timezone.localdate().year
    message = run(api("rep"), REPORT, {"group_by": "Year"})
    assert observed(message) == {
        str(year - 1): figures([deals["w2"]]),
        str(year): figures([deals[k] for k in ("w1", "l1", "l2")]),
    }
    summary = {item["label"]: item["value"] for item in message["report_summary"]}
    assert (
        summary[_("Win Rate")] == figures([deals[k] for k in ("w1", "w2", "l1", "l2")])["win_rate"]
    )


def test_by_month_by_default_and_by_owner_for_the_manager(api, deals):
    today = timezone.localdate()
    by_month = run(api("manager"), REPORT)
    assert set(rows_by(by_month, "key")) == {
        f"{today:%Y-%m}",
        f"{today.replace(year=today.year - 1):%Y-%m}",
    }
    by_owner = run(api("manager"), REPORT, {"group_by": "Sales Owner"})
    assert observed(by_owner) == {
        "rep": figures([deals[k] for k in ("w1", "w2", "l1", "l2")]),
        "rep2": figures([deals["l3"]]),
    }


def test_lost_reasons_are_broken_down_with_their_share(api, deals):
    message = run(api("manager"), REPORT, {"group_by": "Lost Reason"})
    rows = rows_by(message, "lost_reason")
    assert {k: (r["count"], r["amount"], r["share"]) for k, r in rows.items()} == {
        _("Price"): (2, money(300 + 70), round(100 * 2 / 3, 1)),
        _("Competitor"): (1, money(50), round(100 * 1 / 3, 1)),
    }
    assert message["chart"]["type"] == "pie"
    summary = {item["label"]: item["value"] for item in message["report_summary"]}
    assert summary[_("Top Lost Reason")] == _("Price")


def test_the_period_filter_keeps_deals_closed_in_it(api, deals):
    today = timezone.localdate().isoformat()
    message = run(api("sysman"), REPORT, {"group_by": "Sales Owner", "period": "Year",
                                          "date": today})  # fmt: skip
    assert observed(message) == {
        "rep": figures([deals[k] for k in ("w1", "l1", "l2")]),
        "rep2": figures([deals["l3"]]),
        "south": figures([deals["w3"]]),
    }
