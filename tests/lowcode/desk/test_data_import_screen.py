"""The import screen over lowcode.dataio: upload, preview the bad row, run, see the outcome."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from lowcode.storage.factory import get_model

CSV = (
    "联系人姓名,公司名称,邮箱\n"
    "张伟,苏州精工机械有限公司,zhang@example.com\n"
    "李娜,杭州远大机械有限公司,not-an-email\n"
    "王强,无锡恒通机械有限公司,wang@example.com\n"
)


def _upload(client, content: str = CSV):
    upload = SimpleUploadedFile("leads.csv", content.encode("utf-8"), content_type="text/csv")
    return client.post(
        "/app/import",
        {"reference_doctype": "Lead", "import_file": upload, "dedup_mode": "Skip Duplicates"},
        htmx=False,
    )


def test_csv_import_with_one_bad_row_previews_it_then_imports_the_rest(
    desk, django_capture_on_commit_callbacks
):
    client = desk("manager")

    created = _upload(client)
    assert created.status_code == 302
    page_url = created["Location"]
    preview = client.get(page_url).content.decode()

    # the preview names the bad row and writes nothing
    assert re.search(r'class="preview-row" data-row="3"', preview)
    assert "邮箱" in preview
    assert get_model("Lead").objects.count() == 0

    name = page_url.rsplit("/", 1)[1]
    with django_capture_on_commit_callbacks(execute=True):  # the job runs after commit
        started = client.post(f"/app/import/{name}/start")
    assert started.status_code == 204
    status = client.get(f"/app/import/{name}/status").content.decode()

    assert sorted(get_model("Lead").objects.values_list("lead_name", flat=True)) == ["张伟", "王强"]
    assert 'data-status="Partial Success"' in status
    assert re.search(r'class="error-row" data-row="3"', status)
    assert "download_error_report" in status


def test_a_user_who_may_not_create_cannot_import(desk):
    response = _upload(desk("nobody"))

    assert response.status_code in (404, 417)
    assert get_model("Data Import").objects.count() == 0


def test_upload_without_a_file_names_the_field(desk):
    response = desk("manager").post("/app/import", {"reference_doctype": "Lead"}, htmx=False)

    assert response.status_code == 417
    assert "请先上传要导入的文件" in response.content.decode()
