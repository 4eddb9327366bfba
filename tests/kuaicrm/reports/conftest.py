"""Sales report fixtures: the standard Report records, and opportunities moved through stages.

Opportunities are made and moved through the actions layer (``do_insert_doc`` /
``do_save_doc`` as the selling user), so the controller fills status, probability, weighted
amount, furthest stage and the stage history as it does for real users.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from kuaicrm.reports import install_reports
from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.storage.factory import get_model

RUN = "/api/method/frappe.desk.query_report.run"
# The default stages (kuaicrm.setup): name → (order, type).
STAGES = {
    "初步接触": (1, "Open"),
    "需求确认": (2, "Open"),
    "方案报价": (3, "Open"),
    "商务谈判": (4, "Open"),
    "成交": (5, "Won"),
    "输单": (6, "Lost"),
}
FUNNEL = [name for name, (_order, kind) in STAGES.items() if kind != "Lost"]
_numbers = count(1)


@pytest.fixture
def sales_reports(users):
    """The six standard sales reports, as ``kuaicrm migrate`` installs them."""
    install_reports()
    context.reset()
    return [
        "Sales Funnel",
        "Stage Dwell Time",
        "Lead Source Analysis",
        "Win Loss Analysis",
        "Sales Forecast",
        "Process Health",
    ]


@dataclass
class Deal:
    """What a test made, so it can work out the expected figures on its own."""

    name: str
    owner: str
    path: list[str]
    amount: float
    values: dict = field(default_factory=dict)

    @property
    def stage(self) -> str:
        return self.path[-1]

    @property
    def status(self) -> str:
        return STAGES[self.stage][1]

    def reached(self, stage: str) -> bool:
        """Whether the deal ever stood at ``stage`` or beyond (lost moves do not count)."""
        best = max(STAGES[s][0] for s in self.path if STAGES[s][1] != "Lost")
        return best >= STAGES[stage][0]

    def stored(self):
        return get_model("Opportunity").objects.get(name=self.name)


def customer_of(user: str) -> str:
    return do_insert_doc(user, "Customer", {"customer_name": f"{user}客户{next(_numbers)}"}).name


def make_deal(
    user: str,
    path: list[str],
    amount: float,
    *,
    lost_reason: str = "Price",
    close_in_days: int = 30,
    **values,
) -> Deal:
    """Create an opportunity at ``path[0]`` as ``user`` and move it along the rest of the path."""
    doc = do_insert_doc(
        user,
        "Opportunity",
        {
            "opportunity_name": f"商机{next(_numbers)}",
            "customer": customer_of(user),
            "amount": amount,
            "expected_close_date": (timezone.localdate() + dt.timedelta(days=close_in_days)),
            "stage": path[0],
            **values,
        },
    )
    for stage in path[1:]:
        move(user, doc.name, stage, lost_reason=lost_reason)
    context.reset()
    return Deal(doc.name, user, list(path), amount, values)


def move(user: str, name: str, stage: str, *, lost_reason: str = "Price") -> None:
    data = {"stage": stage, "stage_reason": "测试推进"}
    if STAGES[stage][1] == "Lost":
        data["lost_reason"] = lost_reason
    do_save_doc(user, "Opportunity", name, data)


def backdate(name: str, **fields) -> None:
    """Pretend time has passed: set stored timestamps of an opportunity (test setup only)."""
    get_model("Opportunity").objects.filter(name=name).update(**fields)


def run(client, report: str, filters: dict | None = None) -> dict:
    """Run a report over HTTP and return Frappe's message (result, columns, chart, ...)."""
    response = client.get(RUN, {"report_name": report, "filters": filters or {}})
    assert response.status_code == 200, response.content.decode()[:800]
    return response.json()["message"]


def rows_by(message: dict, key: str) -> dict:
    return {row[key]: row for row in message["result"]}


def money(value) -> float:
    return round(float(Decimal(str(value or 0))), 2)
