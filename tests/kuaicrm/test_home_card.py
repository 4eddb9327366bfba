"""The home page's 回款 card (kuaicrm/home_card.py through the desk's desk_home_cards hook):
my overdue receivables with links to their plans and my attainment bars, in Chinese."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode.documents.actions import do_insert_doc
from tests.kuaicrm.o2c.conftest import customer_of, o2c, plan, receive  # noqa: F401
from tests.lowcode.desk.conftest import desk  # noqa: F401

pytestmark = pytest.mark.django_db


def ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


@pytest.fixture
def rep_cash(o2c):  # noqa: F811
    """The rep's plan: 3,000 due 45 days ago (1,000 of it paid today), 5,000 due in 10 days;
    a collected-amount target of 4,000 for this month."""
    customer = customer_of("rep")
    p = plan("rep", customer, [(ago(45), 3000), (ago(-10), 5000)], sales_owner="rep")
    receive(customer, 1000, ago(0), [(p["rows"][0], 1000)], sales_owner="rep")
    today = timezone.localdate()
    do_insert_doc(
        "manager",
        "Sales Target",
        {"target_type": "Collected Amount", "period_type": "Month", "period": f"{today:%Y-%m}",
         "target_amount": 4000, "user": "rep"},
    )  # fmt: skip
    return {"customer": customer, "plan": p["name"], "month": f"{today:%Y-%m}"}


def sales_card(page: str) -> str:
    start = page.index('data-card="sales-summary"')
    return page[start : page.index("</section>", start)]


def test_the_rep_sees_overdue_receivables_and_attainment(desk, rep_cash):  # noqa: F811
    card = sales_card(desk("rep").get("/app").content.decode())
    assert ">我的回款与业绩</h2>" in card
    assert (
        '<span class="figure-label">逾期应收</span><span class="figure-value">¥2,000.00</span>'
        in card
    )
    assert '<span class="figure-label">逾期笔数</span><span class="figure-value">1</span>' in card
    assert f'<a href="/app/payment-plan/{rep_cash["plan"]}"><b>rep客户' in card
    assert '<span class="pill pill-red">逾期 45 天</span>' in card
    assert f"应收日 {ago(45)} · 尚欠 ¥2,000.00" in card
    # 1,000 collected of 4,000 this month
    assert f"<span>本月（{rep_cash['month']}）回款额</span>" in card
    assert '<b class="progress-percent">25.0%</b>' in card
    assert "¥1,000.00 / ¥4,000.00" in card


def test_another_rep_has_nothing_overdue_and_no_target(desk, rep_cash):  # noqa: F811
    # rep2's only plan is due in ten days
    plan("rep2", customer_of("rep2"), [(ago(-10), 5000)], sales_owner="rep2")
    card = sales_card(desk("rep2").get("/app").content.decode())
    assert '<a class="figure tone-green"' in card and "¥0.00" in card
    assert "rep客户" not in card
    assert "本期未设业绩目标。" in card


def test_no_card_for_someone_who_owns_no_plan_and_has_no_target(desk, rep_cash):  # noqa: F811
    # finance reads every plan but owns none: "my receivables" would be an empty card
    assert 'data-card="sales-summary"' not in desk("fin").get("/app").content.decode()
