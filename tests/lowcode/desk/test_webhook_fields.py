"""A webhook's request structure picked as fields (picker ``field_list:<src>``): the fields
of the webhook's DocType shown in Chinese, stored as ``{"data": [...]}``, a field the DocType
lacks refused on every path, and a structure that says more opened as raw JSON."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.cn/crm"


def _webhook(structure):
    return do_insert_doc(
        "Administrator",
        "Webhook",
        {
            "webhook_doctype": "Lead",
            "webhook_docevent": "after_insert",
            "request_url": URL,
            "request_structure": structure,
        },
    )


def test_the_structure_opens_as_picked_fields_labelled_in_chinese(desk):
    hook = _webhook({"data": ["status", "expected_amount"]})
    page = desk("sysman").get(f"/app/webhook/{hook.name}").content.decode()
    assert 'name="request_structure__mode" value="rows" checked' in page
    picker = re.search(
        r'<span class="picker"[^>]*>\s*<input[^>]*name="request_structure__fields".*?</button>\s*</span>',
        page,
        re.S,
    )
    assert picker, page[:2000]
    assert 'data-kind="field"' in picker.group(0) and "data-multiple" in picker.group(0)
    assert 'data-source="webhook_doctype"' in picker.group(0)
    assert 'value="status, expected_amount"' in picker.group(0)
    assert '<span class="picker-text">状态、预计金额</span>' in picker.group(0)


def test_fields_picked_in_the_form_are_stored_as_the_structure(desk):
    client = desk("sysman")
    response = client.post(
        "/app/webhook/new",
        {
            "webhook_doctype": "Lead",
            "webhook_docevent": "after_insert",
            "enabled": "1",
            "request_url": URL,
            "request_method": "POST",
            "max_attempts": "5",
            "request_structure": '{"data": ["whatever"]}',  # replaced in rows mode
            "request_structure__mode": "rows",
            "request_structure__fields": "status, lead_name",
        },
    )
    assert response.status_code in (200, 204), response.content.decode()[:800]
    assert "HX-Redirect" in response.headers, response.content.decode()[:3000]
    stored = get_model("Webhook").objects.get()
    assert stored.request_structure == {"data": ["status", "lead_name"]}


def test_no_field_picked_sends_everything_and_advanced_json_is_kept(desk):
    client = desk("sysman")
    base = {
        "webhook_doctype": "Lead",
        "webhook_docevent": "after_insert",
        "enabled": "1",
        "request_url": URL,
        "request_method": "POST",
        "max_attempts": "5",
    }
    none = client.post(
        "/app/webhook/new",
        {**base, "request_structure__mode": "rows", "request_structure__fields": ""},
    )
    assert "HX-Redirect" in none.headers, none.content.decode()[:3000]
    assert get_model("Webhook").objects.get().request_structure is None
    raw = client.post(
        "/app/webhook/new",
        {
            **base,
            "request_url": URL + "/2",
            "request_structure__mode": "advanced",
            "request_structure": '{"data": ["status"], "extra": 1}',
        },
    )
    assert "HX-Redirect" in raw.headers, raw.content.decode()[:3000]
    kept = get_model("Webhook").objects.get(request_url=URL + "/2")
    assert kept.request_structure == {"data": ["status"], "extra": 1}
    page = client.get(f"/app/webhook/{kept.name}").content.decode()
    assert 'name="request_structure__mode" value="advanced" checked' in page


def test_a_field_the_doctype_lacks_is_refused_in_the_desk_and_the_api(desk, api):
    response = desk("sysman").post(
        "/app/webhook/new",
        {
            "webhook_doctype": "Lead",
            "webhook_docevent": "after_insert",
            "request_url": URL,
            "request_structure__mode": "rows",
            "request_structure__fields": "status, no_such_field",
        },
    )
    assert "HX-Redirect" not in response.headers
    assert "no_such_field" in response.content.decode()
    refused = api("sysman").post(
        "/api/resource/Webhook",
        {
            "webhook_doctype": "Lead",
            "webhook_docevent": "after_insert",
            "request_url": URL,
            "request_structure": {"data": ["no_such_field"]},
        },
    )
    assert refused.status_code == 417, refused.content
    assert refused.json()["errors"][0]["field"] == "request_structure"
    assert not get_model("Webhook").objects.exists()
