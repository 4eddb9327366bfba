"""A DocType created at run time (POST /api/resource/DocType) works at once everywhere.

One definition, "Service Ticket" (服务工单), made through the REST API as an administrator
would, then used through every subsystem's own public path: REST CRUD, OpenAPI, the desk's
list / form / kanban / calendar, a Report Builder report, import and export, a workflow,
scoring / assignment / duplicate rules, a server script, a number card and a chart, and the
permission layer. No restart, no migration: each test makes the DocType and uses it.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.models import Assignment
from lowcode.storage.factory import get_model
from tests.lowcode.dataio.conftest import csv_bytes, read_csv
from tests.lowcode.workflow.helpers import state_after

pytestmark = pytest.mark.django_db(transaction=True)  # schema changes refuse an open one

TICKET = "Service Ticket"
RESOURCE = "/api/resource/Service Ticket"
SLUG = "service-ticket"

DEFINITION = {
    "name": TICKET,
    "label": "服务工单",
    "module": "CRM",
    "custom": 1,
    "autoname": "hash",
    "title_field": "subject",
    "track_changes": 1,
    "fields": [
        {"fieldname": "subject", "label": "主题", "fieldtype": "Data", "reqd": 1,
         "in_list_view": 1},
        {"fieldname": "status", "label": "状态", "fieldtype": "Select",
         "options": "Open\nWorking\nClosed", "default": "Open", "in_list_view": 1,
         "in_standard_filter": 1},
        {"fieldname": "customer", "label": "客户", "fieldtype": "Link", "options": "Customer"},
        {"fieldname": "due_date", "label": "到期日", "fieldtype": "Date"},
        {"fieldname": "amount", "label": "金额", "fieldtype": "Currency"},
        {"fieldname": "mobile_no", "label": "手机", "fieldtype": "Data"},
        {"fieldname": "priority", "label": "优先级", "fieldtype": "Select",
         "options": "Low\nHigh"},
        {"fieldname": "score", "label": "评分", "fieldtype": "Int"},
        {"fieldname": "notes", "label": "备注", "fieldtype": "Small Text"},
    ],
    "permissions": [
        {"role": "System Manager", "read": 1, "write": 1, "create": 1, "allow_delete": 1,
         "report": 1, "export": 1, "allow_import": 1},
        {"role": "Sales User", "scope": "all", "read": 1, "write": 1, "create": 1,
         "allow_delete": 1, "report": 1, "export": 1, "allow_import": 1},
    ],
}  # fmt: skip


@pytest.fixture
def ticket_doctype(api):
    """Service Ticket made through the REST API by the administrator; no Sales Manager rights."""
    response = api("Administrator").post("/api/resource/DocType", DEFINITION)
    assert response.status_code == 200, response.content.decode()
    context.reset()
    return TICKET


def ticket(user: str, subject: str, **values) -> str:
    return do_insert_doc(user, TICKET, {"subject": subject, **values}).name


# ---------------------------------------------------------------- REST and OpenAPI


def test_rest_crud_works_on_a_doctype_made_at_run_time(ticket_doctype, api):
    rep = api("rep")

    created = rep.post(RESOURCE, {"subject": "打印机卡纸", "amount": 120})
    assert created.status_code == 200, created.content.decode()
    name = created.json()["data"]["name"]
    assert created.json()["data"]["status"] == "Open"  # the field's default

    changed = rep.put(f"{RESOURCE}/{name}", {"status": "Working"})
    assert changed.status_code == 200, changed.content.decode()
    listed = rep.get(RESOURCE, {"fields": ["name", "subject", "status"]})
    assert listed.json()["data"] == [{"name": name, "subject": "打印机卡纸", "status": "Working"}]

    refused = rep.post(RESOURCE, {"subject": "x", "status": "Lost"})
    assert refused.status_code == 417  # a Select value the definition does not list

    assert rep.delete(f"{RESOURCE}/{name}").status_code == 202
    assert rep.get(f"{RESOURCE}/{name}").status_code == 404


def test_openapi_describes_a_doctype_made_at_run_time(ticket_doctype, api):
    document = api("sysman").get("/api/openapi.json").json()

    assert "/api/resource/Service Ticket" in document["paths"]
    schemas = json.dumps(document["components"]["schemas"], ensure_ascii=False)
    assert '"subject"' in schemas and '"Open"' in schemas


def test_a_role_without_read_gets_no_rows_and_no_document(ticket_doctype, api, desk):
    name = ticket("rep", "仅销售可见")

    manager = api("manager")  # Sales Manager: no rule on Service Ticket
    assert manager.get(RESOURCE).status_code == 403
    assert manager.get(f"{RESOURCE}/{name}").status_code == 404
    assert desk("manager").get(f"/app/{SLUG}").status_code == 404
    assert desk("manager").get(f"/app/{SLUG}/{name}").status_code == 404


# ---------------------------------------------------------------- the desk


def test_the_desk_lists_shows_and_saves_a_doctype_made_at_run_time(ticket_doctype, desk):
    name = ticket("rep", "空调不制冷", due_date="2026-12-15", status="Working")
    rep = desk("rep")

    listed = rep.get(f"/app/{SLUG}")
    assert listed.status_code == 200
    assert "空调不制冷" in listed.content.decode()
    assert "服务工单" in listed.content.decode()  # the label, not the English name

    form = rep.get(f"/app/{SLUG}/{name}").content.decode()
    assert 'id="in-subject"' in form and 'value="空调不制冷"' in form

    saved = rep.post(f"/app/{SLUG}/new", {"subject": "新工单", "status": "Open"})
    assert saved.status_code == 204, saved.content.decode()[:1000]
    assert saved["HX-Redirect"].startswith(f"/app/{SLUG}/")

    board = rep.get(f"/app/{SLUG}/view/kanban", {"field": "status"})
    assert board.status_code == 200 and "空调不制冷" in board.content.decode()
    moved = rep.post(
        f"/app/{SLUG}/view/kanban/move",
        {"name": name, "field": "status", "value": "Closed"},
        HTTP_ACCEPT="application/json",
    )
    assert moved.status_code == 200, moved.content.decode()
    assert get_model(TICKET).objects.get(name=name).status == "Closed"
    calendar = rep.get(f"/app/{SLUG}/view/calendar", {"field": "due_date", "month": "2026-12"})
    assert calendar.status_code == 200 and "空调不制冷" in calendar.content.decode()
    # the report builder offers it and its fields
    builder = rep.get("/app/report-builder", {"doctype": TICKET})
    assert builder.status_code == 200 and "主题" in builder.content.decode()


def test_a_report_builder_report_reads_a_doctype_made_at_run_time(ticket_doctype, api):
    ticket("rep", "一", status="Open", amount=100)
    ticket("rep", "二", status="Open", amount=20)
    ticket("rep", "三", status="Closed", amount=7)
    do_insert_doc(
        "Administrator",
        "Report",
        {
            "report_name": "Tickets By Status",
            "report_type": "Report Builder",
            "ref_doctype": TICKET,
            "json": {
                "group_by": ["status"],
                "aggregates": [{"function": "sum", "field": "amount"}],
            },
        },
    )

    response = api("rep").get(
        "/api/method/frappe.desk.query_report.run", {"report_name": "Tickets By Status"}
    )

    assert response.status_code == 200, response.content.decode()
    rows = {r["status"]: r["sum_amount"] for r in response.json()["message"]["result"]}
    assert rows == {"Open": 120, "Closed": 7}


# ---------------------------------------------------------------- import and export


def test_import_and_export_a_doctype_made_at_run_time(
    ticket_doctype, api, desk, make_import, run_import, tmp_path, settings
):
    settings.FILES_PATH = tmp_path / "files"
    rep = api("rep")
    content = csv_bytes(
        [["主题", "状态", "金额"], ["门禁坏了", "Open", "50"], ["网络慢", "Closed", "8"]]
    )

    name = make_import(rep, content, "tickets.csv", reference_doctype=TICKET)
    status = run_import(rep, name)

    assert status["status"] == "Success", status
    stored = get_model(TICKET).objects.order_by("subject").values_list("subject", "amount")
    assert [(s, float(a)) for s, a in stored] == [("网络慢", 8.0), ("门禁坏了", 50.0)]
    exported = rep.get(
        "/api/method/lowcode.dataio.export", {"doctype": TICKET, "fields": ["subject"]}
    )
    assert exported.status_code == 200, exported.content.decode()
    assert sorted(row[0] for row in read_csv(exported.content)[1:]) == ["网络慢", "门禁坏了"]
    # the desk's import screen offers it, and its list exports it
    screen = desk("rep")
    assert f'value="{TICKET}"' in screen.get("/app/import").content.decode()
    listed = screen.get(f"/app/{SLUG}/export", {"file_type": "csv"})
    assert listed.status_code == 200
    assert sorted(row[1] for row in read_csv(listed.content)[1:]) == ["网络慢", "门禁坏了"]


# ---------------------------------------------------------------- workflow and rules


def test_a_workflow_runs_on_a_doctype_made_at_run_time(ticket_doctype, api):
    do_insert_doc(
        "Administrator",
        "Workflow",
        {
            "workflow_name": "Ticket Flow",
            "document_type": TICKET,
            "is_active": 1,
            "states": [
                {"state": "Open", "doc_status": "0"},
                {
                    "state": "Resolved",
                    "doc_status": "0",
                    "is_final": 1,
                    "update_field": "status",
                    "update_value": "Closed",
                },
            ],
            "transitions": [
                {
                    "state": "Open",
                    "action": "Resolve",
                    "next_state": "Resolved",
                    "allowed": "Sales User",
                },
            ],
        },
    )
    context.reset()
    name = ticket("rep", "投影仪无信号")

    assert state_after(api("rep"), TICKET, name, "Resolve") == "Resolved"
    assert get_model(TICKET).objects.get(name=name).status == "Closed"


def test_scoring_assignment_and_duplicate_rules_apply_to_a_doctype_made_at_run_time(
    ticket_doctype, api
):
    admin = api("Administrator")
    for doctype, data in (
        ("Scoring Rule", {"title": "工单评分", "document_type": TICKET, "score_field": "score",
                          "criteria": [{"fieldname": "priority", "operator": "=",
                                        "value": "High", "points": 40}]}),
        ("Assignment Rule", {"title": "工单分配", "document_type": TICKET,
                             "strategy": "Round Robin", "users": [{"user": "rep2"}]}),
        ("Duplicate Rule", {"title": "工单手机号", "document_type": TICKET, "action": "Block",
                            "fields": [{"fieldname": "mobile_no", "normaliser": "Phone"}]}),
    ):  # fmt: skip
        response = admin.post(f"/api/resource/{doctype}", data)
        assert response.status_code == 200, (doctype, response.content.decode())
    context.reset()
    rep = api("rep")

    first = rep.post(
        RESOURCE, {"subject": "服务器宕机", "priority": "High", "mobile_no": "13800138000"}
    )
    assert first.status_code == 200, first.content.decode()
    name = first.json()["data"]["name"]
    assert first.json()["data"]["score"] == 40
    assigned = Assignment.objects.filter(ref_doctype=TICKET, docname=name)
    assert list(assigned.values_list("user", flat=True)) == ["rep2"]
    again = rep.post(RESOURCE, {"subject": "再报一次", "mobile_no": "138-0013-8000"})
    assert again.status_code == 417, again.content.decode()
    [error] = again.json()["errors"]
    assert (error["field"], error["rule"]) == ("mobile_no", "duplicate")
    assert "服务工单" in error["message"]  # named by its label, as app DocTypes are


# ---------------------------------------------------------------- server scripts and dashboards


def test_a_server_script_runs_on_a_doctype_made_at_run_time(
    ticket_doctype, scripts_on, make_script, api
):
    make_script(
        "ticket-notes",
        script_type="DocType Event",
        reference_doctype=TICKET,
        doctype_event="Before Save",
        script="doc.notes = doc.subject + ' / ' + frappe.session.user",
    )
    context.reset()

    response = api("rep").post(RESOURCE, {"subject": "键盘失灵"})

    assert response.status_code == 200, response.content.decode()
    assert response.json()["data"]["notes"] == "键盘失灵 / rep"


def test_a_number_card_and_a_chart_count_a_doctype_made_at_run_time(ticket_doctype, desk):
    ticket("rep", "一", status="Open")
    ticket("rep", "二", status="Open")
    ticket("rep2", "三", status="Closed")
    do_insert_doc("Administrator", "Number Card", {"label": "Tickets", "document_type": TICKET})
    do_insert_doc(
        "Administrator",
        "Dashboard Chart",
        {"chart_name": "Tickets by Status", "document_type": TICKET, "group_by": "status"},
    )

    text = desk("rep").get("/app/dashboard").content.decode()

    cards = dict(re.findall(r'data-card="([^"]+)".*?data-value="([^"]*)"', text, flags=re.S))
    assert float(cards["Tickets"]) == 3
    [chart] = [json.loads(html.unescape(raw)) for raw in re.findall(r'data-chart="([^"]+)"', text)]
    values = dict(zip(chart["data"]["labels"], chart["data"]["datasets"][0]["values"], strict=True))
    assert sorted(values.values()) == [1, 2]
