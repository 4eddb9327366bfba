"""List counts: exact up to the site's cap, a capped "at least" beyond it; permission-filtered."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc

LIST_COUNT = "/api/method/lowcode.api.get_list_count"
REPORTVIEW_COUNT = "/api/method/frappe.desk.reportview.get_count"
CLIENT_COUNT = "/api/method/frappe.client.get_count"


@pytest.fixture
def five_leads(users):
    for i in range(5):
        do_insert_doc(
            "rep", "Lead", {"lead_name": f"线索{i}", "status": "Open" if i < 4 else "Closed"}
        )
    do_insert_doc("south", "Lead", {"lead_name": "华南线索", "status": "Open"})


def test_below_the_cap_the_count_is_exact(api, five_leads, settings):
    settings.LOWCODE_COUNT_CAP = 100

    response = api("rep").get(LIST_COUNT, {"doctype": "Lead", "filters": [["status", "=", "Open"]]})

    assert response.json()["message"] == {"count": 4, "exact": True}


def test_beyond_the_cap_the_count_stops_and_says_so(api, five_leads, settings):
    settings.LOWCODE_COUNT_CAP = 3

    capped = api("Administrator").get(LIST_COUNT, {"doctype": "Lead"}).json()["message"]
    frappe_style = api("Administrator").get(REPORTVIEW_COUNT, {"doctype": "Lead"}).json()["message"]
    exact = api("Administrator").get(CLIENT_COUNT, {"doctype": "Lead"}).json()["message"]

    assert capped == {"count": 3, "exact": False}
    assert frappe_style == 3
    assert exact == 6  # frappe.client.get_count stays exact unless the caller passes cap


def test_counts_only_see_permitted_documents(api, five_leads, settings):
    settings.LOWCODE_COUNT_CAP = 100

    assert api("rep").get(REPORTVIEW_COUNT, {"doctype": "Lead"}).json()["message"] == 5
    assert api("south").get(REPORTVIEW_COUNT, {"doctype": "Lead"}).json()["message"] == 1
    assert api("nobody").get(LIST_COUNT, {"doctype": "Lead"}).status_code == 403


def test_count_filters_are_allow_listed(api, five_leads):
    response = api("rep").get(LIST_COUNT, {"doctype": "Lead", "filters": [["1=1) or (1", "=", 1]]})

    assert response.status_code == 400
    assert response.json()["exc_type"] == "DataError"
