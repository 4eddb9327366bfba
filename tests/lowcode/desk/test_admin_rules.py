"""Rule editors: System Manager only, saved through the actions with errors next to fields,
a scoring test that writes nothing, a duplicate test, and each user's load."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_assign_doc, do_insert_doc
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db
T = "Test Order"


def _scoring_rule(**extra):
    return do_insert_doc(
        "Administrator",
        "Scoring Rule",
        {
            "title": "订单评分",
            "document_type": T,
            "score_field": "priority",
            "criteria": [
                {
                    "fieldname": "urgent",
                    "operator": "=",
                    "value": "1",
                    "points": 30,
                    "label": "加急",
                },
                {"fieldname": "amount", "operator": ">=", "value": "1000", "points": 20},
            ],
            **extra,
        },
    )


def _rows(table: str, rows: list[dict]) -> dict:
    data = {f"{table}.__present": "1"}
    for i, row in enumerate(rows):
        data.update({f"{table}.{i}.{k}": v for k, v in row.items()})
    return data


@pytest.mark.parametrize(
    "path",
    [
        "/app/rules",
        "/app/rules/scoring/new",
        "/app/rules/duplicate/new",
        "/app/rules/assignment/new",
    ],
)
def test_rule_screens_answer_404_to_everyone_but_a_system_manager(desk, path):
    assert desk("manager").get(path).status_code == 404
    assert desk("sysman").get(path).status_code == 200


def test_the_hub_lists_every_kind_of_rule(desk, django_assert_max_num_queries):
    _scoring_rule()
    client = desk("sysman")
    client.get("/app/rules")  # warm the per-process metadata cache
    with django_assert_max_num_queries(14):
        page = client.get("/app/rules").content.decode()
    for anchor in (
        "/app/rules/scoring/new",
        "/app/rules/assignment/new",
        "/app/rules/duplicate/new",
    ):
        assert anchor in page
    assert "/app/sla-rule/new" in page and "/app/working-calendar/new" in page
    assert "订单评分" in page


def test_a_scoring_rule_is_saved_with_a_new_criterion(desk, django_assert_max_num_queries):
    rule = _scoring_rule()
    client = desk("sysman")
    url = f"/app/rules/scoring/{rule.name}"
    client.get(url)
    with django_assert_max_num_queries(16):
        page = client.get(url).content.decode()
    assert page.count('class="editor-row rule-row') == 3  # two rows and the template
    stored = rule.get_children("criteria")
    data = {
        "modified": to_json(rule.modified),
        "title": "订单评分",
        "document_type": T,
        "score_field": "priority",
        "enabled": ["0", "1"],
        **_rows(
            "criteria",
            [
                *[
                    {
                        "name": r.name,
                        "fieldname": r.fieldname,
                        "operator": r.operator,
                        "value": r.value,
                        "points": r.points,
                    }
                    for r in stored
                ],
                {"fieldname": "discount", "operator": "is set", "points": "5", "label": "有折扣"},
            ],
        ),
    }
    response = client.post(url, data)
    assert response.status_code == 204, response.content.decode()[:2000]
    rows = get_model("Scoring Criterion").objects.filter(parent=rule.name).order_by("idx")
    assert [r.fieldname for r in rows] == ["urgent", "amount", "discount"]


def test_a_criterion_on_an_unknown_field_is_shown_on_its_row_and_nothing_is_saved(desk):
    rule = _scoring_rule()
    data = {
        "modified": to_json(rule.modified),
        "title": "订单评分",
        "document_type": T,
        "score_field": "priority",
        "enabled": ["0", "1"],
        **_rows(
            "criteria",
            [{"fieldname": "no_such_field", "operator": "=", "value": "x", "points": "1"}],
        ),
    }
    response = desk("sysman").post(f"/app/rules/scoring/{rule.name}", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "no_such_field" in page and 'class="alert alert-red"' in page
    assert "field-error" in page  # next to the criteria table
    assert get_model("Scoring Criterion").objects.filter(parent=rule.name).count() == 2


def test_score_test_explains_the_posted_criteria_and_writes_no_score_log(desk):
    # given an order scored under the stored rule, then a criterion changed on the page only
    rule = _scoring_rule()
    order = do_insert_doc(
        "rep", T, {"title": "加急订单", "urgent": 1, "urgent_reason": "客户催", "amount": 500}
    )
    logs = get_model("Score Log").objects.count()
    data = {
        "__name": rule.name,
        "__test_doc": order.name,
        "document_type": T,
        "score_field": "priority",
        **_rows(
            "criteria",
            [
                {
                    "fieldname": "urgent",
                    "operator": "=",
                    "value": "1",
                    "points": "30",
                    "label": "加急",
                },
                {"fieldname": "amount", "operator": ">=", "value": "100", "points": "20"},
            ],
        ),
    }
    response = desk("sysman").post("/app/rules/scoring/_test", data)
    page = response.content.decode()
    # then the unsaved criteria score 50, each explained; nothing is written
    assert response.status_code == 200
    assert re.search(r'id="score-total">50<', page)
    assert "加急" in page and page.count('class="hit"') == 2
    assert get_model("Score Log").objects.count() == logs
    assert get_model(T).objects.get(name=order.name).priority == 30  # the stored rule's score


def test_duplicate_test_finds_the_existing_record_by_normalised_phone(
    desk, django_capture_on_commit_callbacks
):
    inline_jobs = django_capture_on_commit_callbacks
    with inline_jobs(execute=True):
        rule = do_insert_doc(
            "Administrator",
            "Duplicate Rule",
            {
                "title": "电话查重",
                "document_type": T,
                "action": "Warn",
                "fields": [{"fieldname": "phone", "normaliser": "Phone"}],
            },
        )
    with inline_jobs(execute=True):
        order = do_insert_doc("rep", T, {"title": "有电话", "phone": "13812345678"})
    data = {
        "__name": rule.name,
        "__test_field": "phone",
        "__test_value": "+86 138-1234-5678",
        "document_type": T,
        **_rows("fields", [{"fieldname": "phone", "normaliser": "Phone"}]),
    }
    page = desk("sysman").post("/app/rules/duplicate/_test", data).content.decode()
    assert "13812345678" in page
    assert f"/app/test-order/{order.name}" in page
    data["__test_value"] = "13900000000"
    page = desk("sysman").post("/app/rules/duplicate/_test", data).content.decode()
    assert 'class="duplicate-match"' not in page


def test_assignment_editor_shows_open_assignments_per_user(desk, django_assert_max_num_queries):
    rule = do_insert_doc(
        "Administrator",
        "Assignment Rule",
        {
            "title": "订单分配",
            "document_type": T,
            "strategy": "Load Balancing",
            "enabled": 0,
            "users": [{"user": "rep"}, {"user": "rep2"}],
        },
    )
    for title in ("一", "二"):
        order = do_insert_doc("manager", T, {"title": title})
        do_assign_doc("Administrator", T, order.name, "rep", ignore_permissions=True)
    client = desk("sysman")
    url = f"/app/rules/assignment/{rule.name}"
    client.get(url)
    with django_assert_max_num_queries(18):
        page = client.get(url).content.decode()
    counts = dict(
        re.findall(r'<tr class="load-row"><td>(\w+)</td><td class="load-count">(\d+)</td>', page)
    )
    assert counts == {"rep": "2", "rep2": "0"}


def test_sla_rules_and_calendars_open_in_the_generic_form_with_errors_next_to_fields(desk):
    client = desk("sysman")
    calendar = {
        "calendar_name": "上海工作日",
        "timezone": "Asia/Shanghai",
        "work_days": "1,2,3,4,5",
        "work_start": "09:00",
        "work_end": "18:00",
        **_rows("holidays", [{"date": "", "description": "国庆"}]),
    }
    page = client.post("/app/working-calendar/new", calendar).content.decode()
    assert 'id="err-holidays"' in page  # the row's missing date, next to its table
    assert not get_model("Working Calendar").objects.exists()
    sla = {
        "title": "首次响应",
        "document_type": T,
        "target_hours": "4",
        "met_condition": "doc.status == 'Open'",
    }
    page = client.post("/app/sla-rule/new", sla).content.decode()
    assert 'id="err-calendar"' in page
    assert not get_model("SLA Rule").objects.exists()
