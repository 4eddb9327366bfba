"""The bulk insert path: the same results as one insert per row, batches that fail fall back.

Each import runs through the HTTP API (``lowcode.dataio.start_import``, job run on commit).
The per-row path is what a DocType gets when its controller declares ``bulk_insert = False``.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lowcode.documents.actions import do_insert_doc
from lowcode.models import Assignment, Version
from lowcode.storage.factory import get_model
from tests.lowcode.dataio.conftest import METHOD, call, csv_bytes

HEADERS = ["联系人姓名", "公司名称", "手机", "邮箱", "线索来源"]


@pytest.fixture
def rules(admin, users):
    """Block on mobile (also against customers' phones), Warn on company, a score, round robin."""
    for doctype, data in [
        (
            "Duplicate Rule",
            {
                "title": "手机",
                "document_type": "Lead",
                "action": "Block",
                "fields": [
                    {
                        "fieldname": "mobile_no",
                        "normaliser": "Phone",
                        "other_doctype": "Customer",
                        "other_fieldname": "phone",
                    }
                ],
            },
        ),
        (
            "Duplicate Rule",
            {
                "title": "公司",
                "document_type": "Lead",
                "action": "Warn",
                "fields": [
                    {
                        "fieldname": "company_name",
                        "normaliser": "Company Name",
                        "other_doctype": "Customer",
                        "other_fieldname": "customer_name",
                    }
                ],
            },
        ),
        (
            "Scoring Rule",
            {
                "title": "来源",
                "document_type": "Lead",
                "score_field": "score",
                "criteria": [
                    {"fieldname": "source", "operator": "=", "value": "Exhibition", "points": 30},
                    {"fieldname": "email_id", "operator": "is set", "points": 10},
                ],
            },
        ),
        (
            "Assignment Rule",
            {
                "title": "轮流",
                "document_type": "Lead",
                "strategy": "Round Robin",
                "priority": 1,
                "users": [{"user": "rep"}, {"user": "rep2"}],
            },
        ),
    ]:
        response = admin.post(f"/api/resource/{doctype}", data)
        assert response.status_code == 200, response.content.decode()


@pytest.fixture
def existing(rules):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "王磊", "mobile_no": "13912345678"})
    customer = do_insert_doc(  # rep's, so the importing manager (华东销售部) may read it
        "rep",
        "Customer",
        {"customer_name": "上海精工机械有限公司", "phone": "021-6234 5678"},
    )
    return lead, customer


FILE = [
    HEADERS,
    ["周杰", "甲公司", "13600001111", "zhou@example.com", "展会"],  # 2 created, scored 40
    ["王磊", "苏州精工", "+86 139 1234 5678", "", "网站"],  # 3 merged into the lead
    ["赵六", "", "(021) 62345678", "", ""],  # 4 a customer's phone: skipped
    ["孙七", "精工机械（中国）", "13500003333", "", "展会"],  # 5 created, linked to the customer
    ["", "乙公司", "13400004444", "bad-email", ""],  # 6 error: name and email
    ["周杰伦", "丙公司", "136 0000 1111", "", ""],  # 7 same mobile as row 2: merged into it
    ["吴敏", "甲公司", "13300005555", "", "未知来源"],  # 8 error: source; company of row 2
    ["郑八", "甲公司", "13200006666", "", ""],  # 9 created, warned: company of row 2
]


def _run(client, content: bytes, capture, **values) -> dict:
    response = client.post("/api/resource/Data Import", {"reference_doctype": "Lead", **values})
    assert response.status_code == 200, response.content.decode()
    name = response.json()["data"]["name"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = client.client.post(
        "/api/method/upload_file",
        {
            "file": SimpleUploadedFile("leads.csv", content),
            "doctype": "Data Import",
            "docname": name,
            "fieldname": "import_file",
        },
        HTTP_AUTHORIZATION=client.header,
    )
    assert upload.status_code == 200, upload.content.decode()
    with capture(execute=True):
        call(client, "start_import", data_import=name)
    status = client.get(METHOD + "get_import_status", {"data_import": name, "limit": 200})
    assert status.status_code == 200
    return status.json()["message"]


def _outcome(status: dict) -> dict:
    """Everything an import did, in comparable form: log, documents, keys, scores, tasks."""
    leads = get_model("Lead").objects.order_by("name")
    fields = ["lead_name", "company_name", "mobile_no", "email_id", "source", "status"]
    fields += ["score", "priority", "customer", "owner", "workflow_state", "_custom"]
    score_logs = get_model("Score Log").objects.filter(reference_doctype="Lead")
    keys = get_model("Duplicate Key").objects.filter(reference_doctype="Lead")
    return {
        "counts": {k: status[k] for k in ("created", "merged", "skipped", "failed", "status")},
        "log": sorted(
            (e["row_index"], e["outcome"], e["docname"], e["message"], str(e["errors"]))
            for e in status["log"]
        ),
        "leads": [(lead.name, *(getattr(lead, f, None) for f in fields)) for lead in leads],
        "keys": sorted(keys.values_list("reference_name", "fieldname", "key")),
        "scores": sorted(
            score_logs.values_list("reference_name", "score", "automatic_score", "details")
        ),
        "versions": sorted(
            (v.docname, str(_timeless(v.data))) for v in Version.objects.filter(ref_doctype="Lead")
        ),
        "assignments": sorted(
            Assignment.objects.filter(ref_doctype="Lead").values_list("docname", "user")
        ),
    }


def _timeless(data: dict) -> dict:
    """A Version's data without the times of the save (they differ between two runs)."""
    from lowcode.meta import registry

    meta = registry.get_meta("Lead")
    timed = {f.fieldname for f in meta.data_fields if f.fieldtype in ("Datetime", "Date")}
    return {**data, "changed": [c for c in data.get("changed", []) if c[0] not in timed]}


def _import_rolled_back(
    client, capture, monkeypatch, *, per_row: bool, content: bytes, **values
) -> dict:
    """Run one import, record what it did, then roll it all back (naming counters too)."""
    with monkeypatch.context() as patch:
        if per_row:
            patch.setattr(get_model("Lead"), "bulk_insert", False, raising=False)
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            outcome = _outcome(_run(client, content, capture, **values))
            transaction.set_rollback(True)
    table = connection.ops.quote_name("tabLead")  # "tabLead" on SQLite, `tabLead` on MariaDB
    inserts = [q["sql"] for q in queries.captured_queries if f"INSERT INTO {table}" in q["sql"]]
    return outcome, len(inserts)


def test_bulk_and_row_by_row_imports_give_the_same_documents_keys_and_errors(
    api, existing, django_capture_on_commit_callbacks, monkeypatch
):
    # given
    manager = api("manager")
    content = csv_bytes(FILE)

    # when: the same file, once per path, from the same starting point
    results = [
        _import_rolled_back(
            manager,
            django_capture_on_commit_callbacks,
            monkeypatch,
            per_row=per_row,
            content=content,
            dedup_mode="Merge Into Existing",
        )
        for per_row in (True, False)
    ]

    # then: identical, and what the file asked for
    (per_row, row_inserts), (bulk, bulk_inserts) = results
    assert bulk == per_row
    assert (row_inserts, bulk_inserts) == (3, 2)  # one INSERT per batch written (see row 7)
    assert bulk["counts"] == {
        "created": 3,
        "merged": 2,
        "skipped": 1,
        "failed": 2,
        "status": "Partial Success",
    }
    outcomes = {row: outcome for row, outcome, *_rest in bulk["log"]}
    assert outcomes == {
        2: "created",
        3: "merged",
        4: "skipped_duplicate",
        5: "created",
        6: "error",
        7: "merged",
        8: "error",
        9: "created",
    }
    created = {row: name for row, outcome, name, *_rest in bulk["log"] if outcome == "created"}
    # every new lead has its keys, its score log, a version and an assignee
    for name in created.values():
        assert any(ref == name and field == "mobile_no" for ref, field, _k in bulk["keys"])
        assert any(ref == name for ref, *_rest in bulk["scores"])
        assert any(doc == name for doc, _data in bulk["versions"])
    assert {user for doc, user in bulk["assignments"] if doc in created.values()} == {
        "rep",
        "rep2",
    }
    leads = {lead[0]: lead for lead in bulk["leads"]}
    assert leads[created[2]][7] == 40  # score: Exhibition + email
    assert leads[created[5]][9] == existing[1].name  # linked to the customer
    log = {row: (name, message, errors) for row, _o, name, message, errors in bulk["log"]}
    assert log[3][0] == existing[0].name  # merged into the existing lead
    assert log[7][0] == created[2]  # merged into row 2's lead, written earlier in the batch
    assert "('lead_name', 'reqd')" not in log[6][2]  # errors are dicts naming field and rule
    assert "'field': 'lead_name', 'rule': 'reqd'" in log[6][2]
    assert "'field': 'email_id', 'rule': 'email'" in log[6][2]
    assert "'field': 'source', 'rule': 'options'" in log[8][2]
    assert "客户" in log[4][1] and existing[1].name in log[4][1]
    assert "公司名称" in log[9][1] and created[2] in log[9][1]


def test_a_batch_whose_write_fails_is_imported_row_by_row_so_only_the_bad_row_fails(
    api, users, django_capture_on_commit_callbacks
):
    # given: two rows naming the same tag in one batch pass validation (neither exists
    # yet) but cannot both be written; "Insert Anyway" lets both reach the write
    admin = api("Administrator")
    rows = [["Tag Name"], ["重点"], ["华东"], ["重点"], ["老客户"]]
    response = admin.post(
        "/api/resource/Data Import",
        {"reference_doctype": "Customer Tag", "dedup_mode": "Insert Anyway"},
    )
    name = response.json()["data"]["name"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    admin.client.post(
        "/api/method/upload_file",
        {
            "file": SimpleUploadedFile("tags.csv", csv_bytes(rows)),
            "doctype": "Data Import",
            "docname": name,
            "fieldname": "import_file",
        },
        HTTP_AUTHORIZATION=admin.header,
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        call(admin, "start_import", data_import=name)
    status = call(admin, "get_import_status", data_import=name, limit=50)

    # then: the batch's write failed on the third row; the others were inserted one by one
    log = {entry["row_index"]: entry for entry in status["log"]}
    assert [log[i]["outcome"] for i in (2, 3, 4, 5)] == ["created", "created", "error", "created"]
    assert "重点" in log[4]["message"] and "已存在" in log[4]["message"]
    assert sorted(get_model("Customer Tag").objects.values_list("name", flat=True)) == [
        "华东",
        "老客户",
        "重点",
    ]
    assert (status["created"], status["failed"], status["status"]) == (3, 1, "Partial Success")


def test_a_rolled_back_batch_leaves_no_half_written_rows(
    api, existing, django_capture_on_commit_callbacks
):
    """A preview runs the bulk path to the end, then rolls back: nothing of it remains."""
    # given
    manager = api("manager")
    before = _outcome(
        {"created": 0, "merged": 0, "skipped": 0, "failed": 0, "status": "", "log": []}
    )
    response = manager.post("/api/resource/Data Import", {"reference_doctype": "Lead"})
    name = response.json()["data"]["name"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    manager.client.post(
        "/api/method/upload_file",
        {
            "file": SimpleUploadedFile("leads.csv", csv_bytes(FILE)),
            "doctype": "Data Import",
            "docname": name,
            "fieldname": "import_file",
        },
        HTTP_AUTHORIZATION=manager.header,
    )

    # when
    preview = call(manager, "preview", data_import=name)

    # then
    assert preview["counts"]["created"] == 3 and preview["counts"]["error"] == 2
    after = _outcome(
        {"created": 0, "merged": 0, "skipped": 0, "failed": 0, "status": "", "log": []}
    )
    assert after == before
