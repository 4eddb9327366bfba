"""Scoring rules: automatic on save, explained, manually overridable with a reason, re-scorable."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.rules.scoring import criterion_matches
from lowcode.storage.factory import get_model

LEADS = "/api/resource/Lead"


@pytest.fixture
def lead_rule(make_rule):
    return make_rule(
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
                    "fieldname": "company_size",
                    "operator": "in",
                    "value": "1000-4999,5000+",
                    "points": 25,
                },
                {"fieldname": "budget_range", "operator": "is set", "points": 10},
                {"fieldname": "expected_amount", "operator": ">=", "value": "500000", "points": 20},
                {"fieldname": "company_name", "operator": "like", "value": "%集团%", "points": 5},
            ],
        },
    )


@pytest.mark.parametrize(
    ("actual", "operator", "expected", "result"),
    [
        ("Referral", "=", "Referral", True),
        ("Website", "!=", "Referral", True),
        (10, ">", "9", True),
        (10, "<", "9", False),
        (10, ">=", "10", True),
        (None, "<=", "10", False),
        ("B", "in", "A, B", True),
        ("C", "not in", "A,B", True),
        ("苏州精工集团", "like", "%集团%", True),
        ("苏州精工", "like", "集团", False),
        ("", "is set", None, False),
        (None, "is not set", None, True),
    ],
)
def test_each_operator_compares_as_documented(actual, operator, expected, result):
    assert criterion_matches(actual, operator, expected) is result


def test_a_lead_is_scored_on_save_with_an_explanation(api, lead_rule):
    rep = api("rep")

    response = rep.post(
        LEADS,
        {
            "lead_name": "王磊",
            "company_name": "苏州精工集团",
            "source": "Referral",
            "company_size": "5000+",
            "expected_amount": 800000,
        },
    )

    assert response.status_code == 200, response.content
    lead = response.json()["data"]
    assert lead["score"] == 30 + 25 + 20 + 5
    log = rep.get(
        "/api/method/lowcode.rules.get_score_log", {"doctype": "Lead", "name": lead["name"]}
    ).json()["message"]
    assert log["manual"] is False
    assert {c["label"]: c["points"] for c in log["criteria"]} == {
        "转介绍": 30,
        "company_size": 25,
        "expected_amount": 20,
        "company_name": 5,
    }
    assert log["score"] == 80

    changed = rep.put(f"{LEADS}/{lead['name']}", {"source": "Website", "budget_range": "Over 2M"})
    assert changed.json()["data"]["score"] == 25 + 20 + 5 + 10


def test_a_custom_field_can_be_scored(admin, lead_rule, make_rule):
    response = admin.post(
        "/api/resource/Custom Field",
        {"dt": "Test Order", "fieldname": "custom_vip", "fieldtype": "Check", "label": "VIP"},
    )
    assert response.status_code == 200, response.content
    make_rule(
        "Scoring Rule",
        {
            "title": "订单评分",
            "document_type": "Test Order",
            "score_field": "priority",
            "criteria": [
                {"fieldname": "custom_vip", "operator": "=", "value": "1", "points": 7},
                {"fieldname": "amount", "operator": ">", "value": "100", "points": 3},
            ],
        },
    )

    order = admin.post(
        "/api/resource/Test Order", {"title": "大单", "custom_vip": 1, "amount": 500}
    ).json()["data"]

    assert order["priority"] == 10


def test_a_manual_override_needs_a_reason_and_sticks_until_cleared(api, lead_rule):
    rep = api("rep")
    lead = rep.post(LEADS, {"lead_name": "李娜", "source": "Referral"}).json()["data"]
    assert lead["score"] == 30
    method = "/api/method/lowcode.rules.override_score"

    missing = rep.post(method, {"doctype": "Lead", "name": lead["name"], "score": 95})
    assert missing.status_code == 417
    assert missing.json()["exc_type"] == "ValidationError"

    done = rep.post(
        method, {"doctype": "Lead", "name": lead["name"], "score": 95, "reason": "老客户推荐"}
    )
    assert done.status_code == 200, done.content
    assert rep.get(f"{LEADS}/{lead['name']}").json()["data"]["score"] == 95

    # A later automatic save recomputes the explanation but keeps the manual score.
    saved = rep.put(f"{LEADS}/{lead['name']}", {"company_size": "5000+"}).json()["data"]
    assert saved["score"] == 95
    log = rep.get(
        "/api/method/lowcode.rules.get_score_log", {"doctype": "Lead", "name": lead["name"]}
    ).json()["message"]
    assert (log["manual"], log["reason"], log["automatic_score"]) == (True, "老客户推荐", 55)

    cleared = rep.post(
        "/api/method/lowcode.rules.clear_score_override", {"doctype": "Lead", "name": lead["name"]}
    )
    assert cleared.json()["message"]["score"] == 55
    assert rep.get(f"{LEADS}/{lead['name']}").json()["data"]["score"] == 55


def test_an_override_needs_write_permission_on_the_document(api, lead_rule):
    lead = api("rep").post(LEADS, {"lead_name": "赵强"}).json()["data"]

    response = api("south").post(
        "/api/method/lowcode.rules.override_score",
        {"doctype": "Lead", "name": lead["name"], "score": 1, "reason": "试试"},
    )

    assert response.status_code == 404
    assert api("rep").get(f"{LEADS}/{lead['name']}").json()["data"]["score"] == 0


def test_bulk_rescore_runs_as_a_job_for_system_managers_only(api, users, inline_jobs):
    old = [
        do_insert_doc("rep", "Lead", {"lead_name": f"老线索{i}", "source": "Referral"})
        for i in range(3)
    ]
    assert all(lead.score in (None, 0) for lead in old)
    do_insert_doc(
        "Administrator",
        "Scoring Rule",
        {
            "title": "转介绍加分",
            "document_type": "Lead",
            "criteria": [
                {"fieldname": "source", "operator": "=", "value": "Referral", "points": 40}
            ],
        },
    )

    refused = api("rep").post("/api/method/lowcode.rules.rescore", {"doctype": "Lead"})
    assert refused.status_code == 403
    with inline_jobs(execute=True):
        queued = api("sysman").post("/api/method/lowcode.rules.rescore", {"doctype": "Lead"})
    assert queued.status_code == 200, queued.content

    scores = (
        get_model("Lead")
        .objects.filter(name__in=[d.name for d in old])
        .values_list("score", flat=True)
    )
    assert list(scores) == [40, 40, 40]


def test_saves_of_doctypes_without_rules_write_no_score_log(users, lead_rule):
    order = do_insert_doc("Administrator", "Test Order", {"title": "普通"})
    do_save_doc("Administrator", "Test Order", order.name, {"amount": 5})

    assert not get_model("Score Log").objects.filter(reference_doctype="Test Order").exists()


def test_a_second_enabled_scoring_rule_for_the_same_doctype_is_refused(admin, lead_rule):
    response = admin.post(
        "/api/resource/Scoring Rule",
        {"title": "第二套评分", "document_type": "Lead", "score_field": "score", "criteria": []},
    )
    assert response.status_code == 417
    assert [(e["field"], e["rule"]) for e in response.json()["errors"]] == [("enabled", "unique")]
    # disabled, it may wait as the next model
    spare = admin.post(
        "/api/resource/Scoring Rule",
        {"title": "备用评分", "document_type": "Lead", "score_field": "score", "enabled": 0},
    )
    assert spare.status_code == 200, spare.content


def test_the_score_explanation_hides_criteria_on_fields_the_reader_cannot_read(api, make_rule):
    # given: a criterion on the permlevel-1 internal rating, which a Sales User cannot read
    make_rule(
        "Scoring Rule",
        {
            "title": "内部评级",
            "document_type": "Lead",
            "score_field": "score",
            "criteria": [
                {"fieldname": "internal_rating", "operator": "=", "value": "Hot", "points": 40},
                {"fieldname": "source", "operator": "=", "value": "Referral", "points": 30},
            ],
        },
    )
    rep, manager = api("rep"), api("manager")
    lead = rep.post(LEADS, {"lead_name": "王磊", "source": "Referral"}).json()["data"]
    assert manager.put(f"{LEADS}/{lead['name']}", {"internal_rating": "Hot"}).status_code == 200

    # when
    method = "/api/method/lowcode.rules.get_score_log"
    as_rep = rep.get(method, {"doctype": "Lead", "name": lead["name"]}).json()["message"]
    as_manager = manager.get(method, {"doctype": "Lead", "name": lead["name"]}).json()["message"]

    # then
    assert [c["fieldname"] for c in as_rep["criteria"]] == ["source"]
    assert [c["fieldname"] for c in as_manager["criteria"]] == ["internal_rating", "source"]
