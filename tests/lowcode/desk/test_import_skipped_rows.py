"""The import result lists the rows skipped as duplicates, each with its reason, not only the
failed ones (item 10)."""

from __future__ import annotations

import re

from lowcode.storage.factory import get_model
from tests.lowcode.desk.test_data_import_screen import _upload

CSV = (
    "联系人姓名,公司名称,邮箱\n"
    "张伟,苏州精工机械有限公司,zhang@example.com\n"
    "李娜,杭州远大机械有限公司,not-an-email\n"
    "张伟,苏州精工机械有限公司,zhang@example.com\n"
)


def test_rows_skipped_as_duplicates_are_listed_with_their_reason(
    desk, django_capture_on_commit_callbacks
):
    client = desk("manager")
    name = _upload(client, CSV)["Location"].rsplit("/", 1)[1]

    with django_capture_on_commit_callbacks(execute=True):  # the job runs after commit
        assert client.post(f"/app/import/{name}/start").status_code == 204
    page = client.get(f"/app/import/{name}").content.decode()

    assert list(get_model("Lead").objects.values_list("lead_name", flat=True)) == ["张伟"]
    # the failed row, as before, and the skipped one with why it was skipped
    assert re.search(r'class="error-row" data-row="3"', page)
    skipped = re.search(r'<tr class="skipped-row" data-row="4"><td>4</td><td>([^<]+)</td>', page)
    assert skipped, page[page.find("import-progress") :][:2000]
    assert "第 2 行" in skipped.group(1)
    assert "重复跳过的行（1）" in page
