"""Importing leads with KuaiCRM's default duplicate rules (kuaicrm.defaults_dedup), over HTTP."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kuaicrm.defaults_dedup import install_duplicate_rules
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model

METHOD = "/api/method/lowcode.dataio."


@pytest.fixture(autouse=True)
def files_dir(tmp_path, settings):
    settings.FILES_PATH = tmp_path / "files"


@pytest.fixture
def crm(users, django_capture_on_commit_callbacks):
    """The default rules, a custom field, a lead and a customer already on file."""
    with django_capture_on_commit_callbacks(execute=True):  # the rules' re-index job
        assert install_duplicate_rules() == 2
    do_insert_doc(
        "Administrator",
        "Custom Field",
        {"dt": "Lead", "fieldname": "wechat_id", "label": "WeChat", "fieldtype": "Data"},
    )
    lead = do_insert_doc(
        "rep", "Lead", {"lead_name": "王磊", "mobile_no": "13912345678", "email_id": "wl@a.cn"}
    )
    customer = do_insert_doc(  # rep's, so manager (华东销售部) may read it
        "rep",
        "Customer",
        {"customer_name": "上海精工机械有限公司", "phone": "13811112222", "email": "buy@jg.cn"},
    )
    return lead, customer


def _message(client, method: str, **params):
    response = client.post(METHOD + method, params)
    assert response.status_code == 200, response.content.decode()
    return response.json()["message"]


def _import(client, content: bytes, filename: str, capture, **values) -> dict:
    response = client.post("/api/resource/Data Import", {"reference_doctype": "Lead", **values})
    assert response.status_code == 200, response.content.decode()
    name = response.json()["data"]["name"]
    upload = client.client.post(
        "/api/method/upload_file",
        {
            "file": SimpleUploadedFile(filename, content),
            "doctype": "Data Import",
            "docname": name,
            "fieldname": "import_file",
        },
        HTTP_AUTHORIZATION=client.header,
    )
    assert upload.status_code == 200, upload.content.decode()
    with capture(execute=True):
        started = _message(client, "start_import", data_import=name)
    assert started["status"] == "Running"  # queued: the job runs when the request commits
    status = client.get(METHOD + "get_import_status", {"data_import": name, "limit": 100})
    assert status.status_code == 200
    return status.json()["message"]


def _template_headers(client) -> list[str]:
    response = client.get(METHOD + "download_template", {"doctype": "Lead", "file_type": "CSV"})
    assert response.status_code == 200, response.content
    return next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _file(headers: list[str], rows: list[dict], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h.rsplit("(", 1)[1].rstrip(")"), "") for h in headers])
    return buffer.getvalue().encode(encoding)


ROWS = [
    # 2 new, with the custom field
    {
        "lead_name": "周杰",
        "company_name": "甲公司",
        "mobile_no": "13600001111",
        "wechat_id": "zj01",
    },
    # 3 the lead's email, another spelling: merged, its empty company filled
    {"lead_name": "王磊", "company_name": "苏州精工", "email_id": " WL@A.CN "},
    # 4 the customer's email: skipped, naming the customer
    {"lead_name": "钱七", "email_id": "buy@jg.cn"},
    # 5 only the customer's company: created, linked to the customer
    {"lead_name": "孙七", "company_name": "精工机械（中国）", "mobile_no": "13500003333"},
    # 6 no name, bad email: an error naming both fields, in Chinese
    {"company_name": "乙公司", "email_id": "not-an-email"},
    # 7 the same row as row 2 again: skipped
    {
        "lead_name": "周杰",
        "company_name": "甲公司",
        "mobile_no": "13600001111",
        "wechat_id": "zj01",
    },
]


def test_a_lead_file_reports_created_merged_skipped_and_errors_and_re_runs_create_nothing(
    api, crm, django_capture_on_commit_callbacks
):
    # given: a GBK file made from the downloaded template (custom field included)
    lead, customer = crm
    manager = api("manager")
    headers = _template_headers(manager)
    assert "微信 (wechat_id)" in headers
    content = _file(headers, ROWS, "gbk")

    # when
    status = _import(
        manager,
        content,
        "展会线索.csv",
        django_capture_on_commit_callbacks,
        dedup_mode="Merge Into Existing",
    )

    # then: progress complete, each row reported
    assert (status["status"], status["total"], status["processed"], status["progress"]) == (
        "Partial Success",
        6,
        6,
        100,
    )
    log = {entry["row_index"]: entry for entry in status["log"]}
    assert {i: e["outcome"] for i, e in log.items()} == {
        2: "created",
        3: "merged",
        4: "skipped_duplicate",
        5: "created",
        6: "error",
        7: "skipped_duplicate",
    }
    leads = get_model("Lead").objects
    new = leads.get(name=log[2]["docname"])
    assert (new.mobile_no, new.get("wechat_id")) == ("13600001111", "zj01")
    assert log[3]["docname"] == lead.name
    lead.refresh_from_db()
    assert (lead.company_name, lead.email_id) == ("苏州精工", "wl@a.cn")  # filled, not overwritten
    assert log[4]["docname"] == customer.name
    assert "邮箱" in log[4]["message"] and "客户" in log[4]["message"]
    linked = leads.get(name=log[5]["docname"])
    assert linked.customer == customer.name
    assert "公司名称" in log[5]["message"] and customer.name in log[5]["message"]
    errors = {(e["field"], e["rule"]): e["message"] for e in log[6]["errors"]}
    assert errors[("lead_name", "reqd")] == "联系人姓名为必填项"
    assert "邮箱" in errors[("email_id", "email")]
    assert "第 2 行" in log[7]["message"]
    assert leads.count() == 3

    # when: the same file again, uploaded anew
    again = _import(
        manager,
        content,
        "展会线索（再次）.csv",
        django_capture_on_commit_callbacks,
        dedup_mode="Merge Into Existing",
    )

    # then: nothing new; the bad row is still the only error
    assert (again["created"], again["merged"], again["failed"]) == (0, 0, 1)
    assert again["skipped"] == 5
    assert leads.count() == 3


def test_the_default_rules_are_installed_once_and_an_admins_edit_survives(users):
    # given
    assert install_duplicate_rules() == 2
    rules = get_model("Duplicate Rule").objects
    company = rules.get(title="线索查重：公司名称")
    from lowcode.documents.actions import do_save_doc

    do_save_doc("Administrator", "Duplicate Rule", company.name, {"enabled": 0})

    # when
    created = install_duplicate_rules()

    # then
    assert created == 0
    assert rules.count() == 2
    assert not rules.get(title="线索查重：公司名称").enabled
    contact = rules.get(title="线索查重：手机号/邮箱")
    assert (contact.action, company.action) == ("Block", "Warn")


def test_the_block_rule_refuses_a_lead_with_a_customers_phone_through_the_api(api, crm):
    _lead, customer = crm
    response = api("rep").post(
        "/api/resource/Lead", {"lead_name": "赵六", "mobile_no": "138-1111-2222"}
    )

    assert response.status_code == 417, response.content.decode()
    assert customer.name in response.content.decode()
