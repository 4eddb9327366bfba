"""While a System Manager views the desk as someone, a refused write says the view is
read-only: a 403 page for a form the browser posts, a toast for HTMX, JSON for the API."""

from __future__ import annotations

import json

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model

PAGE = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def leads(users):
    return {"rep": do_insert_doc("rep", "Lead", {"lead_name": "rep 的线索"}).name}


def test_a_form_posted_by_the_browser_while_viewing_as_answers_a_read_only_403_page(desk, leads):
    admin = desk("sysman")
    admin.post("/app/view-as", {"user": "rep"})

    response = admin.post(f"/app/lead/{leads['rep']}", {"lead_name": "改了"}, htmx=False, **PAGE)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'id="refusal"' in page and "只读查看" in page
    assert "你正在以 rep 的身份查看桌面（只读）" in page
    assert 'id="view-as-end"' in page  # the way out is on the page
    assert get_model("Lead").objects.get(name=leads["rep"]).lead_name == "rep 的线索"


def test_htmx_and_the_api_keep_their_toast_and_json_while_viewing_as(desk, leads):
    admin = desk("sysman")
    admin.post("/app/view-as", {"user": "rep"})

    response = admin.post(f"/app/lead/{leads['rep']}", {"lead_name": "改了"}, **PAGE)
    assert response.status_code == 403 and response["HX-Reswap"] == "none"
    toast = json.loads(response["HX-Trigger"])["desk:toast"]
    assert "只读" in toast["message"]

    response = admin.post(
        "/api/resource/Lead",
        {"lead_name": "新的"},
        htmx=False,
        content_type="application/json",
        **PAGE,
    )
    assert response.status_code == 403 and "只读" in response.json()["message"]
