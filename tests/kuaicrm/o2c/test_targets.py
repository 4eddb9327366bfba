"""Sales targets (业绩目标): uniqueness, attainment, the 排行榜 with 同比 / 环比, permissions.

Hand-worked collected amounts (received receipts by receipt date):

| person | 2026-03 | 2026-02 (环比) | 2025-03 (同比) |
|---|---|---|---|
| rep  | 120,000 (+ a reversed 30,000) | 100,000 | 80,000 |
| rep2 | 150,000 | 0 | 100,000 |
| south | 50,000 | 25,000 | 0 |

rep: MoM +20.0 %, YoY +50.0 %; rep2: MoM none (nothing before), YoY +50.0 %;
south: MoM +100.0 %, YoY none. Targets for March: rep 150,000 (80.0 %), rep2 100,000
(150.0 %), 苏州组 300,000 (rep + rep2 = 270,000: 90.0 %).
"""

from __future__ import annotations

import datetime as dt

import pytest

from kuaicrm.targets import attainment, ranking
from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.exceptions import ValidationError
from lowcode.storage.factory import get_model

from .conftest import call, customer_of, message, receive, reverse, run

COLLECTED, SIGNED = "Collected Amount", "Signed Amount"


def target(whom: dict, amount: float, period: str = "2026-03", period_type: str = "Month",
           target_type: str = COLLECTED, by: str = "manager") -> str:  # fmt: skip
    return do_insert_doc(
        by,
        "Sales Target",
        {"target_type": target_type, "period_type": period_type, "period": period,
         "target_amount": amount, **whom},
    ).name  # fmt: skip


@pytest.fixture
def collected(o2c):
    for person, amounts in {
        "rep": [("2026-03-03", 70000), ("2026-03-31", 50000), ("2026-02-10", 100000),
                ("2025-03-15", 80000)],
        "rep2": [("2026-03-10", 150000), ("2025-03-01", 100000)],
        "south": [("2026-03-12", 50000), ("2026-02-28", 25000)],
    }.items():  # fmt: skip
        customer = customer_of(person)
        for day, amount in amounts:
            receive(customer, amount, day, sales_owner=person)
    reverse(receive(customer_of("rep"), 30000, "2026-03-20", sales_owner="rep"))
    # outside March: April 1st is the next month
    receive(customer_of("rep"), 999, "2026-04-01", sales_owner="rep")
    target({"user": "rep"}, 150000)
    target({"user": "rep2"}, 100000)
    target({"department": "苏州组"}, 300000)
    context.reset()


def by_user(rows: list[dict]) -> dict:
    return {row["user"]: row for row in rows}


def test_ranking_with_yoy_and_mom(collected):
    rows = ranking("sysman", "Month", "2026-03", COLLECTED)
    assert [(r["rank"], r["user"], r["actual_amount"]) for r in rows] == [
        (1, "rep2", 150000.0),
        (2, "rep", 120000.0),
        (3, "south", 50000.0),
    ]
    got = by_user(rows)
    assert (got["rep"]["previous_amount"], got["rep"]["mom"]) == (100000.0, 20.0)
    assert (got["rep"]["last_year_amount"], got["rep"]["yoy"]) == (80000.0, 50.0)
    assert (got["rep2"]["mom"], got["rep2"]["yoy"]) == (None, 50.0)
    assert (got["south"]["mom"], got["south"]["yoy"]) == (100.0, None)
    assert (got["rep"]["target_amount"], got["rep"]["attainment"]) == (150000.0, 80.0)
    assert got["rep2"]["attainment"] == 150.0


def test_ranking_by_quarter_and_year(collected):
    quarter = by_user(ranking("sysman", "Quarter", "2026-Q1", COLLECTED))
    assert quarter["rep"]["actual_amount"] == 220000.0  # Feb + March
    assert quarter["rep"]["last_year_amount"] == 80000.0
    year = by_user(ranking("sysman", "Year", "2026", COLLECTED))
    assert year["rep"]["actual_amount"] == 220999.0  # April's 999 counts for the year
    assert (year["rep"]["previous_amount"], year["rep"]["mom"]) == (80000.0, 176.2)


def test_a_rep_ranks_only_what_they_may_read_and_a_manager_the_department(collected, api):
    mine = message(
        call(api("rep"), "kuaicrm.sales_ranking", period_type="Month", period="2026-03",
             target_type=COLLECTED)
    )  # fmt: skip
    assert [r["user"] for r in mine["rows"]] == ["rep"]
    assert (mine["previous_period"], mine["last_year_period"]) == ("2026-02", "2025-03")
    team = ranking("manager", "Month", "2026-03", COLLECTED)
    assert [r["user"] for r in team] == ["rep2", "rep"]


def test_attainment_mine_and_my_team(collected, api):
    march = dt.date(2026, 3, 15)
    mine = {(r["user"], r["department"]): r for r in attainment("rep", march)}
    assert mine[("rep", None)]["actual_amount"] == 120000.0
    assert mine[("rep", None)]["attainment"] == 80.0
    assert mine[(None, "苏州组")]["actual_amount"] == 270000.0
    assert mine[(None, "苏州组")]["attainment"] == 90.0
    assert ("rep2", None) not in mine  # a rep does not read a colleague's target
    team = {r["user"] for r in attainment("manager", march)}
    assert {"rep", "rep2"} <= team
    answer = message(call(api("rep"), "kuaicrm.target_attainment", date="2026-03-15"))
    assert [r["user"] for r in answer["mine"]] == ["rep"]
    assert answer["periods"] == {"Month": "2026-03", "Quarter": "2026-Q1", "Year": "2026"}


def test_one_target_per_type_period_and_person(o2c):
    target({"user": "rep"}, 100000)
    with pytest.raises(ValidationError, match="已有回款额目标"):
        target({"user": "rep"}, 200000)
    target({"user": "rep"}, 100000, target_type=SIGNED)  # another type is another target
    with pytest.raises(ValidationError, match="2026-03"):
        target({"user": "rep"}, 1, period="2026-3")
    with pytest.raises(ValidationError, match="不能同时设置"):
        target({"user": "rep", "department": "苏州组"}, 1, period="2026-04")


def test_signed_amount_counts_signed_contracts_and_orders_without_a_contract(o2c):
    customer = customer_of("rep")
    Contract = get_model("Contract")
    signed = do_insert_doc(
        "rep",
        "Contract",
        {"contract_title": "甲", "customer": customer, "amount": 200000, "sales_owner": "rep"},
    ).name
    draft = do_insert_doc(
        "rep",
        "Contract",
        {"contract_title": "乙", "customer": customer, "amount": 500000, "sales_owner": "rep"},
    ).name
    # signed through the contract workflow elsewhere; here only its outcome on a past day
    Contract.objects.filter(name=signed).update(docstatus=1, sign_date=dt.date(2026, 3, 9))
    Contract.objects.filter(name=draft).update(sign_date=dt.date(2026, 3, 9))
    # approved orders: one on its own counts, one made from the signed contract does not
    # (the same sale), a returned one does not
    Order = get_model("Sales Order")
    orders = {}
    for key, extra in (("own", {}), ("from_contract", {"contract": signed}), ("returned", {})):
        orders[key] = do_insert_doc("rep", "Sales Order", {
            "customer": customer, "order_date": "2026-03-20", "sales_owner": "rep",
            "items": [{"item_name": "备件", "qty": 1, "rate": 30000, "tax_rate": "0"}], **extra,
        }).name  # fmt: skip
    Order.objects.filter(name__in=list(orders.values())).update(docstatus=1)
    Order.objects.filter(name=orders["returned"]).update(status="Returned")
    target({"user": "rep"}, 400000, target_type=SIGNED)
    rows = {r["user"]: r for r in attainment("rep", dt.date(2026, 3, 1)) if r["user"]}
    each = float(Order.objects.get(name=orders["own"]).grand_total)
    assert each == 30000.0
    total = 200000.0 + each
    assert rows["rep"]["actual_amount"] == total
    assert rows["rep"]["attainment"] == round(total * 100 / 400000, 1)


def test_target_attainment_report(collected, api):
    message_ = run(
        api("manager"),
        "Target Attainment",
        {"period_type": "Month", "period": "2026-03", "target_type": COLLECTED},
    )
    assert [r["user"] for r in message_["result"]] == ["rep2", "rep"]
    assert message_["chart"]["type"] == "bar"


def test_ranking_and_home_card_queries_do_not_grow_with_the_data(collected):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kuaicrm.home_summary import sales_summary

    def queries() -> tuple[int, int]:
        counts = []
        for call_ in (
            lambda: ranking("manager", "Month", "2026-03", COLLECTED),
            lambda: sales_summary("rep"),
        ):
            context.reset()
            with CaptureQueriesContext(connection) as captured:
                call_()
            counts.append(len(captured))
        return counts[0], counts[1]

    queries()
    few = queries()
    for person in ("rep", "rep2"):
        customer = customer_of(person)
        for day in ("2026-03-05", "2026-02-05", "2025-03-05"):
            receive(customer, 1000, day, sales_owner=person)
    assert queries() == few


def test_a_sales_director_reads_the_whole_ranking_and_the_quotation_analysis(collected, api):
    """销售总监 sees every team's figures; it once failed on Sales Order and Department reads."""
    from lowcode.users import do_create_user
    from tests.conftest import PASSWORD

    do_create_user("director", PASSWORD, roles=["Sales Director"], full_name="何军")
    context.reset()
    director = api("director")
    report = run(
        director,
        "Target Attainment",
        {"period_type": "Month", "period": "2026-03", "target_type": COLLECTED},
    )
    # the whole company, beyond the 苏州组 a department-scoped manager sees
    assert [r["user"] for r in report["result"]] == ["rep2", "rep", "south"]
    by_owner = run(director, "Quotation Analysis", {"group_by": "Sales Owner"})
    assert "result" in by_owner
    assert director.get("/api/resource/Department").status_code == 200
