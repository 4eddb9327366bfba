"""Sales Forecast (销售预测) over HTTP: per expected-close period, pipeline by category and won."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from .conftest import make_deal, money, rows_by, run

REPORT = "Sales Forecast"
CATEGORY_COLUMN = {"Pipeline": "pipeline", "Best Case": "best_case", "Commit": "commit"}


@pytest.fixture
def deals(sales_reports):
    return {
        "a": make_deal("rep", ["初步接触"], 100, close_in_days=40),
        "b": make_deal("rep", ["初步接触", "方案报价"], 200, close_in_days=40),
        "c": make_deal("rep", ["初步接触", "商务谈判"], 300, close_in_days=130),
        "d": make_deal("rep", ["初步接触", "商务谈判", "成交"], 400, close_in_days=40),
        "e": make_deal("rep", ["初步接触", "输单"], 500, close_in_days=40),
        "f": make_deal("south", ["初步接触"], 1000, close_in_days=40),
    }


def label(day: dt.date, interval: str) -> str:
    return f"{day:%Y}-Q{(day.month - 1) // 3 + 1}" if interval == "Quarter" else f"{day:%Y-%m}"


def expected(deals, interval: str = "Month") -> dict:
    """Per period of the stored expected close date: open amounts by category, weighted, won."""
    periods: dict[str, dict] = {}
    for deal in deals:
        stored = deal.stored()
        if deal.status == "Lost":
            continue
        row = periods.setdefault(
            label(stored.expected_close_date, interval),
            {"pipeline": 0.0, "best_case": 0.0, "commit": 0.0, "weighted": 0.0,
             "closed_won": 0.0, "open_count": 0},
        )  # fmt: skip
        if deal.status == "Won":
            row["closed_won"] += deal.amount
        else:
            row[CATEGORY_COLUMN[stored.forecast_category]] += deal.amount
            row["weighted"] += float(stored.weighted_amount)
            row["open_count"] += 1
    for row in periods.values():
        row["forecast"] = row["closed_won"] + row["weighted"]
        for key in row:
            if key != "open_count":
                row[key] = money(row[key])
    return periods


def observed(message) -> dict:
    keys = ("pipeline", "best_case", "commit", "weighted", "closed_won", "open_count", "forecast")
    return {p: {k: r[k] for k in keys} for p, r in rows_by(message, "period").items()}


def test_forecast_per_month_for_a_sales_user(api, deals):
    message = run(api("rep"), REPORT)
    mine = [deals[k] for k in "abcde"]
    assert observed(message) == expected(mine)
    # two months: the three deals closing in 40 days and the one in 130
    assert len(message["result"]) == 2
    periods = [row["period"] for row in message["result"]]
    assert periods == sorted(periods)


def test_quarters_and_a_date_window(api, deals):
    sysman = api("sysman")
    everyone = list(deals.values())
    assert observed(run(sysman, REPORT, {"interval": "Quarter"})) == expected(everyone, "Quarter")
    soon = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    near = [d for d in everyone if d.stored().expected_close_date <= dt.date.fromisoformat(soon)]
    assert observed(run(sysman, REPORT, {"to_date": soon})) == expected(near)
    assert observed(run(sysman, REPORT, {"sales_owner": "south"})) == expected([deals["f"]])
