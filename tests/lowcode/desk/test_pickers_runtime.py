"""Pickers include DocTypes made at run time (registry.doctype_names): offered, their fields
listed, and a rule may target them."""

from __future__ import annotations

import pytest
from django.db import connection

from lowcode.documents.actions import do_insert_doc
from lowcode.documents.schema import do_create_doctype
from lowcode.meta import registry
from lowcode.storage import factory

pytestmark = pytest.mark.django_db(transaction=True)
PICK = "/api/method/lowcode.desk.pick"


@pytest.fixture(autouse=True)
def drop_runtime_tables():
    """Drop the tables a test made (they are not managed, so the flush leaves them)."""
    before = set(connection.introspection.table_names())
    yield
    with connection.cursor() as cursor:
        for table in sorted(set(connection.introspection.table_names()) - before):
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    for name in list(factory._runtime_models):
        factory.forget_runtime_model(name)
    registry.clear_local_cache()


def test_a_doctype_made_at_run_time_is_picked_with_its_fields(api):
    do_create_doctype(
        "Administrator",
        {
            "name": "Service Ticket",
            "label": "服务工单",
            "module": "Service",
            "autoname": "hash",
            "fields": [
                {"fieldname": "subject", "label": "主题", "fieldtype": "Data", "reqd": 1},
                {"fieldname": "level", "label": "级别", "fieldtype": "Select", "options": "低\n高"},
                {"fieldname": "score", "label": "分数", "fieldtype": "Int"},
            ],
            "permissions": [{"role": "System Manager", "read": 1, "write": 1, "create": 1}],
        },
    )
    client = api("sysman")
    doctypes = {
        c["value"]: c["label"] for c in client.get(PICK, {"kind": "doctype"}).json()["message"]
    }
    assert doctypes["Service Ticket"] == "服务工单"
    fields = client.get(PICK, {"kind": "field", "doctype": "Service Ticket"}).json()["message"]
    assert {"value": "level", "label": "级别", "fieldtype": "Select"} in fields
    # a rule over it saves; a field it lacks is refused naming the field
    rule = {
        "title": "工单评分",
        "document_type": "Service Ticket",
        "score_field": "score",
        "criteria": [{"fieldname": "level", "operator": "=", "value": "高", "points": 10}],
    }
    assert do_insert_doc("Administrator", "Scoring Rule", rule).name
    response = client.post(
        "/api/resource/Dashboard Chart",
        {
            "chart_name": "工单级别",
            "document_type": "Service Ticket",
            "group_by": "no_such_field",
        },
    )
    assert response.status_code == 417
    assert "no_such_field" in response.content.decode()
