"""Making the month's commission statements without the API: the scheduler on the 1st, and
the manager's 生成提成单 on the Commission Statement list (hooks ``desk_list_actions``).

The receipts are dated in the month before today, the month both paths close: the scheduler's
job reads today's date as it would on the 1st (any day of this month names the same month).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape

import pytest
from django.utils import timezone

from kuaicrm.commission import make_last_month_statements, previous_month
from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.jobs.scheduler import tick
from lowcode.storage.factory import get_model
from tests.lowcode.desk.conftest import desk  # noqa: F401

from .conftest import customer_of, d, receive

LAST_MONTH = previous_month(timezone.localdate())
STATEMENT = "Commission Statement"
LIST = "/app/commission-statement"
MAKE = f"{LIST}/_list_action/make"


def day_of_last_month(day: int) -> str:
    return f"{LAST_MONTH}-{day:02d}"


@pytest.fixture
def collected(o2c):
    """A 1 % rule for everyone; last month rep collected 100,000 and rep2 40,000."""
    do_insert_doc(
        "fin",
        "Commission Rule",
        {
            "rule_name": "回款提成",
            "calculation": "Whole Amount",
            "effective_from": "2020-01-01",
            "tiers": [{"from_amount": 0, "rate": 1}],
        },
    )
    receive(customer_of("rep"), 100000, day_of_last_month(3), sales_owner="rep")
    receive(customer_of("rep2"), 40000, day_of_last_month(20), sales_owner="rep2")
    # a receipt of this month belongs to next month's statement
    receive(customer_of("rep"), 7000, str(timezone.localdate()), sales_owner="rep")
    context.reset()


def statements(period: str = LAST_MONTH) -> dict[str, tuple]:
    rows = get_model(STATEMENT).objects.filter(period=period, docstatus__lt=2)
    return {r.user: (r.name, d(r.collected_amount), d(r.total_commission)) for r in rows}


def first_of_this_month() -> dt.datetime:
    today = timezone.localdate()
    return timezone.make_aware(dt.datetime(today.year, today.month, 1, 0, 5))


# ---------------------------------------------------------------- the scheduler


def test_previous_month_crosses_the_year():
    assert previous_month(dt.date(2027, 1, 1)) == "2026-12"
    assert previous_month(dt.date(2026, 3, 31)) == "2026-02"


def test_the_monthly_tick_makes_last_months_statements_once(
    collected, settings, django_capture_on_commit_callbacks
):
    settings.LOWCODE_JOBS_INLINE = True
    key = "monthly:kuaicrm.commission.make_last_month_statements"
    # when the scheduler ticks on the 1st (inline jobs run when the tick's writes commit)
    with django_capture_on_commit_callbacks(execute=True):
        fired = tick(first_of_this_month())
    # then the job fired and each person with money collected last month has one statement
    assert key in fired
    assert statements() == {
        "rep": (f"CS-{LAST_MONTH}-rep", d(100000), d(1000)),
        "rep2": (f"CS-{LAST_MONTH}-rep2", d(40000), d(400)),
    }
    assert get_model(STATEMENT).objects.get(name=f"CS-{LAST_MONTH}-rep").status == "Draft"
    # a later tick in the same month does not run it again
    with django_capture_on_commit_callbacks(execute=True):
        assert key not in tick(first_of_this_month() + dt.timedelta(hours=1))
    assert len(statements()) == 2


def test_a_second_run_recomputes_and_duplicates_nothing(collected):
    first = make_last_month_statements()
    assert sorted(first["created"]) == [f"CS-{LAST_MONTH}-rep", f"CS-{LAST_MONTH}-rep2"]
    # given a receipt recorded late for last month
    receive(customer_of("rep"), 20000, day_of_last_month(28), sales_owner="rep")

    # when the job runs again (a retried job, or a manager made them first)
    again = make_last_month_statements()

    # then the Drafts are recomputed, none is created twice
    assert again["created"] == []
    assert sorted(again["updated"]) == sorted(first["created"])
    assert statements()["rep"] == (f"CS-{LAST_MONTH}-rep", d(120000), d(1200))
    assert get_model(STATEMENT).objects.filter(user="rep", period=LAST_MONTH).count() == 1


# ---------------------------------------------------------------- the desk


def dialog_period(html: str) -> str | None:
    found = re.search(r'<input id="fa-make-period" name="period"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else None


def test_a_manager_makes_the_statements_from_the_list(desk, collected):  # noqa: F811
    client = desk("manager")
    # the list offers 生成提成单, its dialog starting at last month
    page = client.get(LIST)
    html = unescape(page.content.decode())
    assert page.status_code == 200
    assert 'data-dialog="fa-make"' in html and "生成提成单" in html
    assert f'action="{MAKE}"' in html
    assert dialog_period(html) == LAST_MONTH

    # when the manager confirms last month
    response = client.post(MAKE, {"period": LAST_MONTH}, HTTP_HX_CURRENT_URL=f"http://t{LIST}")

    # then the team's statements exist and the list is re-read with the counts in a toast
    assert response.status_code == 204, response.content.decode()[:500]
    trigger = json.loads(response["HX-Trigger"])
    assert "desk:refresh" in trigger
    assert trigger["desk:flash"]["message"] == (
        f"{LAST_MONTH} 提成单：新生成 2 张，重新计算 0 张，已提交 0 张"
    )
    assert set(statements()) == {"rep", "rep2"}
    # the same month again duplicates nothing
    again = json.loads(client.post(MAKE, {"period": LAST_MONTH})["HX-Trigger"])
    assert "新生成 0 张，重新计算 2 张" in again["desk:flash"]["message"]
    assert get_model(STATEMENT).objects.filter(period=LAST_MONTH).count() == 2


def test_a_malformed_month_is_answered_in_the_dialog(desk, collected):  # noqa: F811
    response = desk("fin").post(MAKE, {"period": "2026/3"})

    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert 'class="fa-form"' in html and f'action="{MAKE}"' in html
    assert "2026/3" in html  # the input kept, with the refusal above it
    assert 'role="alert"' in html
    assert not statements()


def test_a_sales_user_sees_no_button_and_cannot_post(desk, collected):  # noqa: F811
    client = desk("rep")
    html = client.get(LIST).content.decode()
    assert 'data-dialog="fa-make"' not in html

    assert client.post(MAKE, {"period": LAST_MONTH}).status_code == 404
    assert not statements()
