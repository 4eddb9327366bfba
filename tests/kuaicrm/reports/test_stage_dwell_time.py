"""Stage Dwell Time (阶段停留分析) over HTTP: dwell per stage, time in the current stage, bottleneck."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode.storage.factory import get_model

from .conftest import backdate, make_deal, move, rows_by, run

REPORT = "Stage Dwell Time"


def stay(user: str, hours_per_stage: list[tuple[str, float]], then: str | None = None):
    """A deal that spent the given hours in each stage, moved on; optionally ``then`` open."""
    deal = make_deal(user, [hours_per_stage[0][0]], 100)
    for (_stage, hours), (following, _next) in zip(
        hours_per_stage, [*hours_per_stage[1:], (then, 0)], strict=True
    ):
        backdate(deal.name, stage_changed_on=timezone.now() - dt.timedelta(hours=hours))
        if following:
            move(user, deal.name, following)
    return deal


def dwell_rows(deals) -> dict[str, list[float]]:
    """The dwell hours stored for the stays that ended, per stage left (read back)."""
    found: dict[str, list[float]] = {}
    rows = get_model("Opportunity Stage Change").objects.filter(
        parent__in=[d.name for d in deals], from_stage__isnull=False
    )
    for row in rows:
        found.setdefault(row.from_stage, []).append(float(row.dwell_hours))
    return found


@pytest.fixture
def stays(sales_reports):
    return {
        # rep: 10 h then 30 h; 20 h then (open in 需求确认 for 5 h)
        "x": stay("rep", [("初步接触", 10), ("需求确认", 30)], then="方案报价"),
        "y": stay("rep", [("初步接触", 20), ("需求确认", 5)]),
        # rep2 (same department): 100 h in 初步接触
        "z": stay("rep2", [("初步接触", 100)], then="需求确认"),
        # south: 500 h elsewhere
        "w": stay("south", [("初步接触", 500)], then="需求确认"),
    }


def test_average_and_longest_dwell_per_stage_and_the_bottleneck(api, stays):
    message = run(api("rep"), REPORT)
    rows = rows_by(message, "stage")
    stored = dwell_rows([stays["x"], stays["y"]])
    for stage, values in stored.items():
        assert rows[stage]["moves_out"] == len(values)
        assert rows[stage]["avg_dwell_hours"] == round(sum(values) / len(values), 1)
        assert rows[stage]["max_dwell_hours"] == round(max(values), 1)
    # the stays lasted what the test made them last
    assert rows["初步接触"]["avg_dwell_hours"] == pytest.approx(15, abs=0.1)
    assert rows["需求确认"]["max_dwell_hours"] == pytest.approx(30, abs=0.1)
    # y has been in 需求确认 for 5 hours; x just entered 方案报价
    assert rows["需求确认"]["open_now"] == 1
    assert rows["需求确认"]["avg_current_hours"] == pytest.approx(5, abs=0.1)
    assert rows["方案报价"]["open_now"] == 1
    assert rows["方案报价"]["avg_current_hours"] == pytest.approx(0, abs=0.1)
    # the longest average dwell is the bottleneck: 需求确认 (30 h) for rep
    assert [r["stage"] for r in message["result"] if r["bottleneck"]] == ["需求确认"]
    assert "需求确认" in message["message"]


def test_the_manager_sees_the_department_and_so_another_bottleneck(api, stays):
    message = run(api("manager"), REPORT)
    rows = rows_by(message, "stage")
    stored = dwell_rows([stays["x"], stays["y"], stays["z"]])
    assert rows["初步接触"]["moves_out"] == len(stored["初步接触"]) == 3
    assert rows["初步接触"]["avg_dwell_hours"] == round(sum(stored["初步接触"]) / 3, 1)
    assert rows["初步接触"]["max_dwell_hours"] == pytest.approx(100, abs=0.1)  # not south's 500
    assert [r["stage"] for r in message["result"] if r["bottleneck"]] == ["初步接触"]


def test_owner_filter_and_date_window_narrow_the_stays(api, stays):
    sysman = api("sysman")
    south_only = rows_by(run(sysman, REPORT, {"sales_owner": "south"}), "stage")
    assert south_only["初步接触"]["max_dwell_hours"] == pytest.approx(500, abs=0.1)
    assert south_only["初步接触"]["moves_out"] == 1
    last_year = (timezone.localdate() - dt.timedelta(days=366)).isoformat()
    old = run(sysman, REPORT, {"from_date": last_year, "to_date": last_year})
    assert sum(row["moves_out"] for row in old["result"]) == 0
    everything = run(sysman, REPORT)
    assert sum(row["moves_out"] for row in everything["result"]) == 5  # x 2, y, z, w 1 each
