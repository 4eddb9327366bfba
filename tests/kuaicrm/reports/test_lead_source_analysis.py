"""Lead Source Analysis (线索来源分析) over HTTP: counts, score bands, conversion, time to convert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kuaicrm.doctype.lead.lead import PRIORITY_BANDS
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.storage.factory import get_model

from .conftest import rows_by, run

REPORT = "Lead Source Analysis"
HIGH, MEDIUM = PRIORITY_BANDS[0][0], PRIORITY_BANDS[1][0]


def lead(user: str, source: str, score: int, converted_after_days: float | None = None) -> str:
    name = do_insert_doc(
        user, "Lead", {"lead_name": f"{source}{score}", "source": source, "score": score}
    ).name
    if converted_after_days is not None:
        created = timezone.now() - dt.timedelta(days=converted_after_days)
        get_model("Lead").objects.filter(name=name).update(creation=created)  # time has passed
        do_save_doc(user, "Lead", name, {"converted_on": timezone.now()})
    return name


def expected(names: list[str]) -> dict:
    """Per source, from the leads as stored (their scores after any scoring rule)."""
    by_source: dict[str, list] = {}
    for row in get_model("Lead").objects.filter(name__in=names):
        by_source.setdefault(row.source, []).append(row)
    figures = {}
    for source, leads in by_source.items():
        scores = [r.score for r in leads if r.score is not None]
        converted = [r for r in leads if r.converted_on]
        days = [(r.converted_on - r.creation).total_seconds() / 86400 for r in converted]
        figures[source] = {
            "leads": len(leads),
            "avg_score": round(sum(scores) / len(scores), 1) if scores else None,
            "high": sum(1 for s in scores if s >= HIGH),
            "medium": sum(1 for s in scores if MEDIUM <= s < HIGH),
            "low": len(leads) - sum(1 for s in scores if s >= MEDIUM),
            "converted": len(converted),
            "conversion_rate": round(100 * len(converted) / len(leads), 1),
            "avg_days_to_convert": round(sum(days) / len(days), 1) if days else None,
        }
    return figures


def observed(message) -> dict:
    keys = ("leads", "avg_score", "high", "medium", "low", "converted", "conversion_rate",
            "avg_days_to_convert")  # fmt: skip
    return {source: {k: r[k] for k in keys} for source, r in rows_by(message, "source").items()}


@pytest.fixture
def leads(sales_reports):
    return {
        "rep": [
            lead("rep", "Website", 80, converted_after_days=10),
            lead("rep", "Website", 45, converted_after_days=4),
            lead("rep", "Website", 10),
            lead("rep", "Referral", 65, converted_after_days=2.5),
            lead("rep", "Exhibition", 20),
        ],
        "rep2": [lead("rep2", "Website", 90)],
        "south": [lead("south", "Referral", 30, converted_after_days=30)],
    }


def test_each_source_shows_volume_quality_and_conversion(api, leads):
    message = run(api("rep"), REPORT)
    assert observed(message) == expected(leads["rep"])
    # the conversions took the days the test made them take
    rows = rows_by(message, "source")
    assert rows["Website"]["avg_days_to_convert"] == pytest.approx(7, abs=0.1)
    assert rows["Website"]["converted"] == 2 and rows["Website"]["leads"] == 3
    # most leads first
    assert message["result"][0]["source"] == "Website"


def test_the_manager_sees_the_department_and_a_rep_only_their_own(api, leads):
    assert observed(run(api("manager"), REPORT)) == expected(leads["rep"] + leads["rep2"])
    assert observed(run(api("south"), REPORT)) == expected(leads["south"])


def test_source_owner_and_date_filters_narrow_the_leads(api, leads):
    sysman = api("sysman")
    everyone = leads["rep"] + leads["rep2"] + leads["south"]
    assert observed(run(sysman, REPORT)) == expected(everyone)
    referral = [n for n in everyone if get_model("Lead").objects.get(name=n).source == "Referral"]
    assert observed(run(sysman, REPORT, {"source": "Referral"})) == expected(referral)
    assert observed(run(sysman, REPORT, {"owner": "rep2"})) == expected(leads["rep2"])
    # created within the last 3 days: not the leads created 4, 10 and 30 days ago
    since = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    recent = [n for n in everyone if get_model("Lead").objects.get(name=n).creation
              >= timezone.now() - dt.timedelta(days=3.5)]  # fmt: skip
    assert len(recent) == len(everyone) - 3
    assert observed(run(sysman, REPORT, {"from_date": since})) == expected(recent)
