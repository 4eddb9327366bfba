"""An admin-written Script Report (no app code) runs in the server-script sandbox, as the user."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.exceptions import ValidationError

from .test_reports import RUN, make_report, orders

SCRIPT = """
rows = frappe.get_list("Test Order", fields=["title", "amount"], order_by="title asc", limit=100)
wanted = filters.get("status")
if wanted:
    rows = frappe.get_list("Test Order", fields=["title", "amount"],
                           filters={"status": wanted}, order_by="title asc", limit=100)
columns = [{"fieldname": "title", "label": "Title", "fieldtype": "Data"},
           {"fieldname": "amount", "label": "Amount", "fieldtype": "Currency"}]
data = columns, rows
"""


@pytest.fixture
def scripts_on(settings, users):
    settings.SITE_CONFIG = {
        **settings.SITE_CONFIG,
        "server_script_enabled": True,
        "server_script_cpu_seconds": 2,
        "server_script_memory_mb": 256,
    }


def test_an_admins_script_report_reads_through_the_permission_layer(api, scripts_on):
    # given orders of rep and of rep2 (which rep may not read)
    orders("rep", ("甲", "Open", 10), ("乙", "Closed", 5))
    orders("rep2", ("丙", "Open", 99))
    make_report("Sandboxed Orders", "Script Report", report_script=SCRIPT)
    # when rep runs it, with and without a filter
    everything = api("rep").get(RUN, {"report_name": "Sandboxed Orders"})
    open_only = api("rep").get(
        RUN, {"report_name": "Sandboxed Orders", "filters": {"status": "Open"}}
    )
    # then the script saw only rep's orders
    assert everything.status_code == 200, everything.content
    assert everything.json()["message"]["result"] == [
        {"title": "乙", "amount": 5},
        {"title": "甲", "amount": 10},
    ]
    assert [c["fieldname"] for c in everything.json()["message"]["columns"]] == ["title", "amount"]
    assert open_only.json()["message"]["result"] == [{"title": "甲", "amount": 10}]


@pytest.mark.parametrize(
    "script",
    [
        "import os\ndata = [], [[os.getcwd()]]",
        "data = [], [[open('/etc/passwd').read()]]",
        "data = [], [[frappe.db.sql('select * from tabUser')]]",
        "data = [], [[getattr(frappe, '__class__')]]",
    ],
)
def test_unsafe_access_in_a_script_report_is_refused(api, scripts_on, script):
    make_report("Unsafe", "Script Report", report_script=script)
    response = api("sysman").get(RUN, {"report_name": "Unsafe"})
    assert response.status_code == 417, response.content
    assert response.json()["exc_type"] == "ValidationError"


def test_a_script_touching_private_attributes_cannot_be_saved(site):
    with pytest.raises(ValidationError, match="__class__"):
        make_report("Dunder", "Script Report", report_script="x = ().__class__.__bases__")


def test_a_script_report_writes_nothing_it_may_not(api, scripts_on):
    # rep may not create Roles; the script's insert runs as rep and is refused
    make_report(
        "Writer",
        "Script Report",
        report_script="frappe.get_doc({'doctype': 'Role', 'role_name': 'Hacker'}).insert()\n"
        "data = [], []",
    )
    response = api("rep").get(RUN, {"report_name": "Writer"})
    assert response.status_code in (403, 417), response.content
    from lowcode.storage.factory import get_model

    assert not get_model("Role").objects.filter(name="Hacker").exists()


def test_with_server_scripts_off_a_script_report_is_refused(api, users):
    do_insert_doc(
        "Administrator",
        "Report",
        {
            "report_name": "Off",
            "report_type": "Script Report",
            "ref_doctype": "Test Order",
            "report_script": "data = [], []",
        },
    )
    response = api("sysman").get(RUN, {"report_name": "Off"})
    assert response.status_code == 403
