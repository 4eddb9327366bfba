"""Deleting a DocType made at run time: the configuration made for it goes with it (workflow,
rules, notifications, webhooks, reports, charts, cards), what a person wrote for it (server
scripts, code reports) stops the delete and is named, and its runtime child DocTypes that no
other DocType uses are deleted with it, tables included, all or nothing."""

from __future__ import annotations

import pytest
from django.db import connection

from lowcode import context
from lowcode.documents.actions import do_delete_doc, do_insert_doc
from lowcode.documents.schema import do_create_doctype
from lowcode.exceptions import ValidationError
from lowcode.meta import registry
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db(transaction=True)  # schema changes refuse an open one

GADGET = "Gadget"
RIGHTS = {"role": "System Manager", "read": 1, "write": 1, "create": 1, "allow_delete": 1}
CONFIG = {
    "Workflow": {
        "workflow_name": "Gadget Flow",
        "document_type": GADGET,
        "is_active": 1,
        "states": [{"state": "Open", "doc_status": "0"}, {"state": "Done", "doc_status": "0", "is_final": 1}],
        "transitions": [
            {"state": "Open", "action": "Finish", "next_state": "Done", "allowed": "Sales User"}
        ],
    },
    "Scoring Rule": {
        "title": "小工具评分",
        "document_type": GADGET,
        "score_field": "score",
        "criteria": [{"fieldname": "title", "operator": "=", "value": "x", "points": 5}],
    },
    "Assignment Rule": {
        "title": "小工具分配",
        "document_type": GADGET,
        "strategy": "Round Robin",
        "users": [{"user": "rep2"}],
    },
    "Number Card": {"label": "Gadgets", "document_type": GADGET},
    "Dashboard Chart": {"chart_name": "Gadgets by Title", "document_type": GADGET, "group_by": "title"},
    "Report": {
        "report_name": "Gadget Report",
        "report_type": "Report Builder",
        "ref_doctype": GADGET,
        "json": {"group_by": ["title"]},
    },
}  # fmt: skip


def tables() -> set[str]:
    return set(connection.introspection.table_names())


@pytest.fixture
def gadget(users):
    """Gadget with its own child table (Gadget Part) and one it shares with Kit (Shared Part)."""
    for child in ("Gadget Part", "Shared Part"):
        do_create_doctype(
            "Administrator",
            {"name": child, "istable": 1, "fields": [{"fieldname": "part", "fieldtype": "Data"}]},
        )
    do_create_doctype(
        "Administrator",
        {
            "name": GADGET,
            "module": "CRM",
            "fields": [
                {"fieldname": "title", "label": "标题", "fieldtype": "Data"},
                {"fieldname": "score", "label": "评分", "fieldtype": "Int"},
                {
                    "fieldname": "status",
                    "label": "状态",
                    "fieldtype": "Select",
                    "options": "Open\nClosed",
                },
                {"fieldname": "parts", "fieldtype": "Table", "options": "Gadget Part"},
                {"fieldname": "shared", "fieldtype": "Table", "options": "Shared Part"},
            ],
            "permissions": [RIGHTS],
        },
    )
    do_create_doctype(
        "Administrator",
        {
            "name": "Kit",
            "module": "CRM",
            "fields": [{"fieldname": "shared", "fieldtype": "Table", "options": "Shared Part"}],
            "permissions": [RIGHTS],
        },
    )
    context.reset()
    do_insert_doc("Administrator", GADGET, {"title": "一", "parts": [{"part": "螺丝"}]})
    for doctype, data in CONFIG.items():
        do_insert_doc("Administrator", doctype, data)
    context.reset()
    return GADGET


def test_the_plan_lists_what_goes_with_the_doctype(gadget):
    from lowcode.documents.schema import delete_plan

    plan = delete_plan(GADGET)

    assert plan["children"] == ["Gadget Part"]  # Shared Part is Kit's too
    assert {doctype for doctype, _name in plan["config"]} == set(CONFIG)
    assert plan["refused"] == [] and plan["links"] == []


def test_its_configuration_and_own_child_doctypes_go_with_it(gadget, api):
    response = api("sysman").delete(f"/api/resource/DocType/{GADGET}")

    assert response.status_code == 202, response.content.decode()[:300]
    registry.clear_local_cache()
    assert not registry.exists(GADGET) and not registry.exists("Gadget Part")
    assert registry.exists("Shared Part") and registry.exists("Kit")
    assert {"tabGadget", "tabGadget Part"}.isdisjoint(tables())
    assert "tabShared Part" in tables()
    for doctype in CONFIG:
        assert not get_model(doctype).objects.exists(), doctype
    assert not get_model("Workflow Document State").objects.filter(parent="Gadget Flow").exists()


def test_a_server_script_or_a_script_report_naming_it_stops_the_delete_and_is_named(
    gadget, scripts_on, make_script
):
    make_script(
        "gadget-notes",
        script_type="DocType Event",
        reference_doctype=GADGET,
        doctype_event="Before Save",
        script="doc.title = doc.title",
    )

    with pytest.raises(ValidationError) as refused:
        do_delete_doc("sysman", "DocType", GADGET)

    assert "gadget-notes" in refused.value.message
    assert [e.fieldname for e in refused.value.errors] == ["name"]
    registry.clear_local_cache()
    assert registry.exists(GADGET) and registry.exists("Gadget Part")
    assert {"tabGadget", "tabGadget Part"} <= tables()
    for doctype in CONFIG:  # nothing half-deleted
        assert get_model(doctype).objects.exists(), doctype
    assert get_model(GADGET).objects.count() == 1


def test_a_failure_midway_leaves_everything_as_it_was(gadget, monkeypatch):
    from lowcode.documents import actions

    real = actions.delete_record

    def failing(user, doctype, name, **kwargs):
        if doctype == "DocType" and name == "Gadget Part":
            raise ValidationError("boom")
        return real(user, doctype, name, **kwargs)

    monkeypatch.setattr(actions, "delete_record", failing)

    with pytest.raises(ValidationError):
        do_delete_doc("sysman", "DocType", GADGET)

    registry.clear_local_cache()
    assert registry.exists(GADGET) and registry.exists("Gadget Part")
    assert {"tabGadget", "tabGadget Part"} <= tables()
    for doctype in CONFIG:
        assert get_model(doctype).objects.exists(), doctype
    assert get_model("Gadget Part").objects.filter(parenttype=GADGET).count() == 1


def test_the_delete_dialog_lists_what_goes_with_it_or_what_stops_it(
    gadget, desk, scripts_on, make_script
):
    admin = desk("sysman")

    page = admin.get(f"/app/doctype/{GADGET}").content.decode()
    listed = page.split('id="dt-delete-with"', 1)[1].split("</div>", 1)[0]
    assert "Gadget Flow" in listed and "Gadget Part" in listed and "Gadget Report" in listed
    assert 'id="dt-delete-blocked"' not in page

    make_script(
        "gadget-notes",
        script_type="DocType Event",
        reference_doctype=GADGET,
        doctype_event="Before Save",
        script="doc.title = doc.title",
    )
    page = admin.get(f"/app/doctype/{GADGET}").content.decode()
    assert "gadget-notes" in page.split('id="dt-delete-blocked"', 1)[1].split("</div>", 1)[0]
