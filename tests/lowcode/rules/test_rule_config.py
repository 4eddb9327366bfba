"""Rule configuration: bad references are refused with field-named errors; changes apply at once."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc, do_save_doc


def refused(admin, doctype: str, data: dict) -> list[tuple[str, str]]:
    response = admin.post(f"/api/resource/{doctype}", data)
    assert response.status_code == 417, response.content.decode()
    return [(e["field"], e["rule"]) for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("doctype", "data", "errors"),
    [
        (
            "Scoring Rule",
            {
                "title": "x",
                "document_type": "Lead",
                "criteria": [{"fieldname": "no_such_field", "operator": "=", "points": 1}],
            },
            [("criteria", "field")],
        ),
        (
            "Scoring Rule",
            {"title": "x", "document_type": "Lead", "score_field": "lead_name"},
            [("score_field", "field")],
        ),
        (
            "Scoring Rule",
            {"title": "x", "document_type": "No Such Type"},
            [("document_type", "link")],
        ),
        (
            "Assignment Rule",
            {
                "title": "x",
                "document_type": "Lead",
                "condition": "__import__('os')",
                "users": [{"user": "rep"}],
            },
            [("condition", "expression")],
        ),
        (
            "Duplicate Rule",
            {
                "title": "x",
                "document_type": "Lead",
                "fields": [
                    {
                        "fieldname": "mobile_no",
                        "other_doctype": "Customer",
                        "other_fieldname": "nope",
                    }
                ],
            },
            [("fields", "field")],
        ),
        (
            "Working Calendar",
            {
                "calendar_name": "坏日历",
                "work_days": "1,2,8",
                "work_start": "18:00:00",
                "work_end": "09:00:00",
                "timezone": "Mars/Olympus",
            },
            [("work_days", "format"), ("work_end", "range"), ("timezone", "format")],
        ),
    ],
)
def test_bad_configuration_is_refused_naming_the_field(admin, doctype, data, errors):
    assert refused(admin, doctype, data) == errors


def test_an_sla_rule_escalating_to_a_role_needs_the_role(admin, make_rule):
    make_rule("Working Calendar", {"calendar_name": "默认"})

    errors = refused(
        admin,
        "SLA Rule",
        {
            "title": "x",
            "document_type": "Lead",
            "target_hours": 8,
            "met_condition": "doc.status != 'Open'",
            "calendar": "默认",
            "escalate_to": "Role",
        },
    )

    assert errors == [("escalate_role", "reqd")]


def test_only_system_managers_configure_rules(api):
    response = api("manager").post(
        "/api/resource/Scoring Rule", {"title": "x", "document_type": "Lead"}
    )

    assert response.status_code == 403


def test_rule_changes_apply_to_the_next_save_in_the_same_request(users):
    rule = do_insert_doc(
        "Administrator",
        "Scoring Rule",
        {
            "title": "来源",
            "document_type": "Lead",
            "criteria": [{"fieldname": "source", "operator": "=", "value": "Website", "points": 3}],
        },
    )
    first = do_insert_doc("rep", "Lead", {"lead_name": "一", "source": "Website"})
    row = rule.get_children("criteria")[0]

    do_save_doc(
        "Administrator",
        "Scoring Rule",
        rule.name,
        {
            "criteria": [
                {
                    "name": row.name,
                    "fieldname": "source",
                    "operator": "=",
                    "value": "Website",
                    "points": 9,
                }
            ]
        },
    )
    second = do_insert_doc("rep", "Lead", {"lead_name": "二", "source": "Website"})
    do_save_doc("Administrator", "Scoring Rule", rule.name, {"enabled": 0})
    third = do_insert_doc("rep", "Lead", {"lead_name": "三", "source": "Website"})

    assert (first.score, second.score, third.score or 0) == (3, 9, 0)
