"""The order-to-cash reports and the home card, over HTTP, with hand-worked figures.

Aging: installments of one plan due ``today − N`` days for N = 0 (due today: not due), 1, 30
(0–30), 31, 60 (31–60), 61, 90 (61–90), 91 (>90, 40 of its 640 paid) and one due in 10 days:

| N | −10 | 0 | 1 | 30 | 31 | 60 | 61 | 90 | 91 |
|---|---|---|---|---|---|---|---|---|---|
| outstanding | 1280 | 5 | 10 | 20 | 40 | 80 | 160 | 320 | 600 |

not due 1285, 0–30 30, 31–60 120, 61–90 480, >90 600; overdue 1230 over 7 installments.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode.documents.actions import do_insert_doc
from lowcode.permissions.core import full_names
from lowcode.storage.factory import get_model

from .conftest import call, customer_of, message, plan, product, receive, run

DAYS = [-10, 0, 1, 30, 31, 60, 61, 90, 91]
AMOUNTS = [1280, 5, 10, 20, 40, 80, 160, 320, 640]


def due(days_overdue: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days_overdue)).isoformat()


@pytest.fixture
def receivables(o2c):
    customer = customer_of("rep")
    p = plan("rep", customer, [(due(n), a) for n, a in zip(DAYS, AMOUNTS, strict=True)],
             sales_owner="rep")  # fmt: skip
    receive(customer, 40, due(0), [(p["rows"][-1], 40)])
    south = customer_of("south")
    plan("south", south, [(due(45), 7000)], sales_owner="south")
    return {"customer": customer, "plan": p["name"]}


BUCKETS = {"not_due": 1285, "days_0_30": 30, "days_31_60": 120, "days_61_90": 480,
           "days_over_90": 600}  # fmt: skip


def test_aging_buckets_at_the_boundary_days(receivables, api):
    result = run(api("rep"), "Receivables Aging")
    # the rep sees only their customer (south's plan is not theirs)
    assert [row["customer"] for row in result["result"]] == [receivables["customer"]]
    row = result["result"][0]
    # the customer by its name, not its code
    customer_name = get_model("Customer").objects.get(name=receivables["customer"]).customer_name
    assert row["title"] == customer_name and customer_name.startswith("rep客户")
    assert {key: row[key] for key in BUCKETS} == BUCKETS
    assert (row["overdue"], row["outstanding"]) == (1230, 2515)
    assert result["chart"]["data"]["datasets"][0]["values"] == list(BUCKETS.values())


def test_aging_by_sales_owner_for_a_manager_and_everyone(receivables, api):
    team = run(api("manager"), "Receivables Aging", {"group_by": "Sales Owner"})
    assert [row["sales_owner"] for row in team["result"]] == ["rep"]
    everyone = run(api("sysman"), "Receivables Aging", {"group_by": "Sales Owner"})
    rows = {row["sales_owner"]: row for row in everyone["result"]}
    assert rows["south"]["days_31_60"] == 7000
    assert rows["south"]["title"] == full_names(["south"]).get("south", "south")
    # a day later every boundary moves one bucket on: 30 → 31–60, 60 → 61–90, 90 → >90
    later = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    row = run(api("rep"), "Receivables Aging", {"date": later})["result"][0]
    assert (row["not_due"], row["days_0_30"], row["days_31_60"], row["days_61_90"],
            row["days_over_90"]) == (1280, 5 + 10, 20 + 40, 80 + 160, 320 + 600)  # fmt: skip


def test_collection_forecast_by_month(receivables, api):
    result = run(api("rep"), "Collection Forecast")
    rows = {row["period"]: row for row in result["result"]}
    overdue = result["result"][0]
    assert (overdue["installments"], overdue["expected"]) == (7, 1230)
    expected: dict[str, float] = {}
    for n, amount in ((-10, 1280), (0, 5)):
        day = timezone.localdate() - dt.timedelta(days=n)
        expected[f"{day:%Y-%m}"] = expected.get(f"{day:%Y-%m}", 0) + amount
    assert {k: rows[k]["expected"] for k in expected} == expected
    assert result["result"][-1]["cumulative"] == 2515


def test_home_sales_summary(receivables, api):
    summary = message(call(api("rep"), "kuaicrm.home_sales_summary"))
    overdue = summary["overdue_receivables"]
    assert (overdue["count"], overdue["amount"]) == (7, 1230)
    assert [row["days_overdue"] for row in overdue["top"]] == [91, 90, 61, 60, 31]
    assert overdue["top"][0]["outstanding_amount"] == 600
    assert (
        message(call(api("rep2"), "kuaicrm.home_sales_summary"))["overdue_receivables"]["count"]
        == 0
    )


def test_contract_execution(o2c, api):
    customer = customer_of("rep")
    name = do_insert_doc("rep", "Contract", {"contract_title": "执行合同", "customer": customer,
                                             "amount": 100000, "sales_owner": "rep"}).name  # fmt: skip
    get_model("Contract").objects.filter(name=name).update(
        docstatus=1, sign_date=timezone.localdate(), invoiced_amount=50000,
        collected_amount=30000, delivered_amount=100000, outstanding_amount=70000,
    )  # fmt: skip
    other = do_insert_doc("south", "Contract", {"contract_title": "华南合同",
                                                "customer": customer_of("south"),
                                                "amount": 1, "sales_owner": "south"}).name  # fmt: skip
    get_model("Contract").objects.filter(name=other).update(docstatus=1)
    result = run(api("rep"), "Contract Execution")
    assert [row["name"] for row in result["result"]] == [name]
    row = result["result"][0]
    assert (row["invoiced_percent"], row["collected_percent"], row["delivered_percent"]) == (
        50.0, 30.0, 100.0,
    )  # fmt: skip
    # summary: contract amount, invoiced, collected, delivered, outstanding
    assert [s["value"] for s in result["report_summary"]] == [100000, 50000, 30000, 100000, 70000]


def test_quotation_win_rate_and_average_discount(o2c, api):
    item = product("空压机 GA37", "Compressors", 1000)
    Quotation = get_model("Quotation")
    made = []
    for status in ("Accepted", "Lost", "Draft", "Lost"):
        made.append(do_insert_doc("rep", "Quotation", {
            "customer": customer_of("rep"), "quotation_date": "2026-03-10",
            "valid_till": "2026-04-10",
            "items": [{"product": item, "qty": 1, "discount_percentage": 10}],
        }).name)  # fmt: skip
        Quotation.objects.filter(name=made[-1]).update(status=status)
    # the last one was superseded by a revision (cancelled): it does not count
    Quotation.objects.filter(name=made[-1]).update(docstatus=2)
    result = run(api("rep"), "Quotation Analysis", {"group_by": "Month"})
    row = {r["group"]: r for r in result["result"]}["2026-03"]
    assert (row["quotations"], row["accepted"], row["lost"], row["win_rate"]) == (3, 1, 1, 50.0)
    assert (row["quoted_amount"], row["won_amount"], row["average_discount"]) == (2700, 900, 10.0)
    assert run(api("rep2"), "Quotation Analysis")["result"] == []
    by_owner = run(api("rep"), "Quotation Analysis", {"group_by": "Sales Owner"})["result"]
    owner_row = {r["group"]: r for r in by_owner}
    assert set(owner_row) == {"rep"}
    assert (owner_row["rep"]["quotations"], owner_row["rep"]["win_rate"]) == (3, 50.0)


@pytest.mark.parametrize(
    "report",
    [
        "Receivables Aging",
        "Collection Forecast",
        "Contract Execution",
        "Quotation Analysis",
        "Target Attainment",
        "Commission Summary",
    ],
)
def test_report_query_count_does_not_grow_with_the_data(receivables, report):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lowcode import context
    from lowcode.reports.engine import run_report

    def queries() -> int:
        context.reset()
        with CaptureQueriesContext(connection) as captured:
            run_report("manager", report)
        return len(captured)

    queries()  # the first run also loads metadata that later runs find cached
    few = queries()
    for person in ("rep", "rep2"):
        customer = customer_of(person)
        p = plan(person, customer, [(due(5), 100), (due(-40), 200)], sales_owner=person)
        receive(customer, 50, due(3), [(p["rows"][0], 50)])
    assert queries() == few
