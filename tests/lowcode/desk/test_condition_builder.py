"""The desk's pickers and condition builder in the admin editors, through the real views:
keys shown by their Chinese labels, rows posted and stored as the engine's expression, an
expression rows cannot say opened raw, and the builder's round trip over the API."""

from __future__ import annotations

import json

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.expressions import evaluate
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db


def _rule(condition=""):
    return do_insert_doc(
        "Administrator",
        "Assignment Rule",
        {
            "title": "华东线索",
            "document_type": "Lead",
            "strategy": "Round Robin",
            "condition": condition,
            "users": [{"user": "rep"}],
        },
    )


def test_the_assignment_editor_shows_pickers_with_labels_not_keys(desk):
    rule = _rule("doc.status == 'Open' and doc.expected_amount >= 100000")
    page = desk("sysman").get(f"/app/rules/assignment/{rule.name}").content.decode()
    # the DocType is shown as 线索, its key kept in the posted input
    assert 'data-kind="doctype"' in page and 'name="document_type" value="Lead"' in page
    assert '<span class="picker-text">线索</span>' in page
    # a row's user picker, and the condition as two rows over Lead's fields
    assert 'name="users.0.user" value="rep"' in page and 'data-kind="user"' in page
    assert page.count('class="cond-row"') == 2 + 1  # two rows and the new-row template
    assert '<span class="picker-text">状态</span>' in page


def test_rows_posted_by_the_builder_are_stored_as_the_expression(desk):
    rule = _rule()
    client = desk("sysman")
    stored = get_model("Assignment Rule").objects.get(name=rule.name)
    response = client.post(
        f"/app/rules/assignment/{rule.name}",
        {
            "title": "华东线索",
            "document_type": "Lead",
            "strategy": "Round Robin",
            "modified": to_json(stored.modified),
            "users.__present": "1",
            "users.0.name": rule.get_children("users")[0].name,
            "users.0.user": "rep",
            "condition": "doc.whatever == 1",  # the raw text is replaced in rows mode
            "condition__mode": "rows",
            "condition__join": "or",
            "condition__field": ["status", "expected_amount"],
            "condition__op": ["in", ">="],
            "condition__value": ["Open, Contacted", "100000"],
        },
    )
    assert response.status_code in (200, 204), response.content.decode()[:500]
    assert "HX-Redirect" in response.headers, response.content.decode()[:3000]
    condition = get_model("Assignment Rule").objects.get(name=rule.name).condition
    assert condition == "doc.status in ['Open', 'Contacted'] or doc.expected_amount >= 100000"
    assert evaluate(condition, {"status": "Lost", "expected_amount": 200000})


def test_an_expression_rows_cannot_say_opens_in_advanced_mode(desk):
    rule = _rule("doc.expected_amount * 2 > 10")
    page = desk("sysman").get(f"/app/rules/assignment/{rule.name}").content.decode()
    assert 'name="condition__mode" value="advanced" checked' in page
    assert "doc.expected_amount * 2 &gt; 10</textarea>" in page


def test_the_builder_turns_rows_into_an_expression_and_back_over_the_api(api):
    client = api("sysman")
    rows = [
        {"field": "status", "op": "==", "value": "Open"},
        {"field": "expected_amount", "op": ">", "value": "5"},
    ]
    written = client.get(
        "/api/method/lowcode.desk.condition",
        {"doctype": "Lead", "rows": json.dumps(rows), "join": "and"},
    ).json()["message"]
    assert written == {"expression": "doc.status == 'Open' and doc.expected_amount > 5"}
    read = client.get(
        "/api/method/lowcode.desk.condition",
        {"doctype": "Lead", "expression": written["expression"]},
    ).json()["message"]
    assert read["join"] == "and"
    assert [{k: r[k] for k in ("field", "op", "value")} for r in read["rows"]] == rows
    assert read["rows"][0]["label"] == "状态"
    raw = client.get(
        "/api/method/lowcode.desk.condition", {"doctype": "Lead", "expression": "doc.a * 2"}
    ).json()
    assert raw["message"] is None


def test_customize_form_builds_a_fields_display_condition_from_rows(desk):
    client = desk("sysman")
    base = "/app/customize-form/lead"
    page = client.get(f"{base}/field/city").content.decode()
    assert 'data-doctype="Lead"' in page and 'name="depends_on__mode"' in page
    client.post(
        f"{base}/field/city",
        {
            "label": "City",
            "depends_on": "",
            "depends_on__mode": "rows",
            "depends_on__join": "and",
            "depends_on__field": ["status"],
            "depends_on__op": ["!="],
            "depends_on__value": ["Lost"],
            "mandatory_depends_on": "",
            "mandatory_depends_on__mode": "advanced",
        },
    )
    setter = get_model("Property Setter").objects.get(
        doc_type="Lead", field_name="city", property="depends_on"
    )
    assert setter.value == "eval:doc.status != 'Lost'"  # Frappe's form of depends_on
    # reopened, the stored condition shows as its row
    page = client.get(f"{base}/field/city").content.decode()
    assert 'name="depends_on__field" value="status"' in page
    assert 'name="depends_on__mode" value="rows" checked' in page
