"""A scored document shows why, as rows (criterion, value, points); Score Logs are found by
document; a rule's re-score job shows its progress (n of N) on the rule's editor."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.rules import scoring
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_lead(users):
    do_insert_doc(
        "Administrator",
        "Scoring Rule",
        {
            "title": "线索评分",
            "document_type": "Lead",
            "score_field": "score",
            "criteria": [
                {
                    "fieldname": "source",
                    "operator": "=",
                    "value": "Referral",
                    "points": 30,
                    "label": "转介绍",
                },
                {
                    "fieldname": "expected_amount",
                    "operator": ">=",
                    "value": "500000",
                    "points": 20,
                    "label": "大额",
                },
                {"fieldname": "company_name", "operator": "like", "value": "%集团%", "points": 5},
            ],
        },
    )
    return do_insert_doc(
        "rep",
        "Lead",
        {
            "lead_name": "王磊",
            "company_name": "苏州精工",
            "source": "Referral",
            "expected_amount": 800000,
        },
    )


def _rows(page: str) -> list[list[str]]:
    body = page.split('id="score-rows"', 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r'<tr class="score-row">(.*?)</tr>', body, re.S)
    ]


def test_the_document_shows_its_score_explanation_as_rows(desk, scored_lead):
    page = desk("rep").get(f"/app/lead/{scored_lead.name}").content.decode()

    assert 'id="score-explanation"' in page
    assert 'id="score-total">50<' in page
    assert _rows(page) == [["转介绍", "转介绍", "+30"], ["大额", "800,000.00", "+20"]]
    assert '"criteria"' not in page  # no JSON


def test_unscored_doctypes_show_no_explanation(desk, scored_lead):
    order = do_insert_doc("Administrator", "Test Order", {"title": "普通"})

    page = desk("Administrator").get(f"/app/test-order/{order.name}").content.decode()

    assert 'id="score-explanation"' not in page


def test_the_score_log_shows_rows_not_json_and_is_found_by_document(desk, scored_lead):
    admin = desk("sysman")
    other = do_insert_doc("rep", "Lead", {"lead_name": "李娜", "source": "Website"})
    log = get_model("Score Log").objects.get(reference_name=scored_lead.name)

    found = admin.get("/app/score-log", {"q": scored_lead.name}).content.decode()
    filtered = admin.get(
        "/app/score-log", {"f_reference_doctype": "Lead", "f_reference_name": other.name}
    ).content.decode()
    form = admin.get(f"/app/score-log/{log.name}").content.decode()

    assert f"/app/score-log/{log.name}" in found
    assert other.name not in found
    assert other.name in filtered and f"/app/score-log/{log.name}" not in filtered
    assert _rows(form)[0] == ["转介绍", "转介绍", "+30"]
    assert 'name="details"' not in form


def test_the_rule_editor_shows_the_rescore_progress_and_polls_while_it_runs(desk, scored_lead):
    admin = desk("sysman")
    rule = get_model("Scoring Rule").objects.get(document_type="Lead")

    scoring._set_progress("Lead", "running", 2, 5)
    running = admin.get(f"/app/rules/scoring/{rule.name}").content.decode()
    scoring._set_progress("Lead", "done", 5, 5, changed=3)
    done = admin.get("/app/rules/scoring/_rescore", {"doctype": "Lead"}).content.decode()

    assert "进行中：2 / 5" in running and 'hx-trigger="every 1s"' in running
    assert "已完成：5 / 5 条已重新评分，3 条分数变化" in done
    assert "hx-trigger" not in done  # stops polling
    assert desk("rep").get("/app/rules/scoring/_rescore", {"doctype": "Lead"}).status_code == 404
