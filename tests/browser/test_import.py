"""Data import in a browser: a CSV with one bad row reports that row and imports the others."""

from __future__ import annotations

import pytest

from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, screenshot

pytestmark = pytest.mark.browser

# Headers as a person types them (Chinese labels); row 3 of the file has a bad email.
CSV = (
    "联系人姓名,公司名称,邮箱,城市\n"
    "张伟,苏州精工机械有限公司,zhang@example.com,苏州\n"
    "李娜,杭州远大机械有限公司,not-an-email,杭州\n"
    "王强,无锡恒通机械有限公司,wang@example.com,无锡\n"
)


def test_a_csv_with_one_bad_row_reports_it_and_imports_the_rest(page_for, stored, expect, tmp_path):
    csv_file = tmp_path / "线索导入.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    page = page_for("manager", DESKTOP)
    page.goto("/app/import")
    page.select_option("#in-reference_doctype", "Lead")
    page.set_input_files("#in-import_file", str(csv_file))
    page.click("#import-form button[type=submit]")
    page.wait_for_url("**/app/import/*")

    # the preview names row 3 and its field before anything is written
    problem = page.locator('#preview-problems .preview-row[data-row="3"]')
    expect(problem).to_contain_text("邮箱")
    expect(page.locator("#import-preview")).to_contain_text("3")
    assert page.locator("#preview-problems .preview-row").count() == 1
    screenshot(page, "import-preview-1366")
    assert stored(lambda: get_model("Lead").objects.count()) == 0

    page.click("#import-start")
    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("data-status", "Partial Success")
    expect(page.locator('#import-errors .error-row[data-row="3"]')).to_contain_text("邮箱")
    assert page.locator("#import-errors .error-row").count() == 1
    expect(page.locator("#error-report")).to_be_visible()
    screenshot(page, "import-done-1366")
    leads = stored(lambda: sorted(get_model("Lead").objects.values_list("lead_name", "city")))
    assert leads == [("张伟", "苏州"), ("王强", "无锡")]

    # the imported leads are in the list
    page.goto("/app/lead")
    assert sorted(page.locator("#list-results .row-title").all_inner_texts()) == ["张伟", "王强"]


def test_an_import_whose_queue_was_down_is_failed_and_continued_with_the_retry_button(
    page_for, stored, expect, tmp_path, settings
):
    import socket

    csv_file = tmp_path / "线索导入.csv"
    csv_file.write_text(CSV, encoding="utf-8")
    page = page_for("manager", DESKTOP)
    page.goto("/app/import")
    page.select_option("#in-reference_doctype", "Lead")
    page.set_input_files("#in-import_file", str(csv_file))
    page.click("#import-form button[type=submit]")
    page.wait_for_url("**/app/import/*")

    # given: the job queue (Redis) is down when the user presses Start
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    settings.LOWCODE_JOBS_INLINE = False
    settings.RQ_QUEUES = {name: {"URL": closed} for name in ("default", "short", "long")}
    page.click("#import-start")
    expect(page.locator(".toast").last).to_contain_text("任务队列不可用")

    # then: the import is failed, not Running for good, and offers to go on
    page.reload()
    expect(page.locator("#import-progress")).to_have_attribute("data-status", "Error")
    expect(page.locator("#import-progress [role=alert]")).to_contain_text("任务队列不可用")
    screenshot(page, "import-queue-down-1366")

    # when: the queue is back (jobs inline here) and the user retries
    settings.LOWCODE_JOBS_INLINE = True
    page.click("#import-retry")

    # then
    expect(page.locator("#import-progress")).to_have_attribute("data-status", "Partial Success")
    expect(page.locator("#import-retry")).to_have_count(0)
    leads = stored(lambda: sorted(get_model("Lead").objects.values_list("lead_name", flat=True)))
    assert leads == ["张伟", "王强"]
