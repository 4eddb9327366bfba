"""An export is for people: a Select shows its label in context (a lead's Open is 待跟进, an
opportunity's Lost 输单), and the same file imports back to the stored values."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.lowcode.dataio.conftest import METHOD, read_csv

pytestmark = pytest.mark.django_db
EXPORT = METHOD + "export"


def test_an_export_shows_select_labels_and_imports_back_to_the_values(api, make_import, run_import):
    do_insert_doc("rep", "Lead", {"lead_name": "苏州线索", "source": "Cold Call"})
    client = api("manager")

    response = client.get(EXPORT, {"doctype": "Lead", "fields": ["lead_name", "status", "source"]})
    header, *rows = read_csv(response.content)

    assert response.status_code == 200, response.content
    assert rows == [["苏州线索", "待跟进", "电话营销"]]

    # the same file, with the name changed, imports back to the stored values
    get_model("Lead").objects.all().delete()
    content = "\n".join(",".join(r) for r in [header, ["杭州线索", "待跟进", "电话营销"]])
    name = make_import(client, content.encode("utf-8"))
    status = run_import(client, name)

    assert status["created"] == 1, status
    lead = get_model("Lead").objects.get()
    assert (lead.lead_name, lead.status, lead.source) == ("杭州线索", "Open", "Cold Call")
