"""Customisation writes over the REST API: the same engine actions as the desk's Customize Form."""

from __future__ import annotations

import json

import pytest

from lowcode.meta import registry


def test_a_system_manager_adds_a_custom_field_through_the_api_as_in_customize_form(api):
    response = api("sysman").post(
        "/api/method/lowcode.admin.add_custom_field",
        {"doctype": "Lead", "values": json.dumps({"label": "行业细分", "fieldtype": "Data"})},
    )

    assert response.status_code == 200, response.content.decode()[:300]
    assert response.json()["message"]["fieldname"] == "custom_hangye_xifen"
    field = registry.get_meta("Lead").get_field("custom_hangye_xifen")
    assert field is not None and field.label == "行业细分"


def test_a_bad_custom_field_is_refused_naming_the_field_through_the_api(api):
    response = api("sysman").post(
        "/api/method/lowcode.admin.add_custom_field",
        {"doctype": "Lead", "values": json.dumps({"label": "渠道", "fieldtype": "Select"})},
    )

    assert response.status_code == 417, response.content.decode()[:300]
    assert [e["field"] for e in response.json()["errors"]] == ["options"]


def test_standard_field_properties_through_the_api_keep_what_is_not_sent(api):
    admin = api("sysman")

    response = admin.post(
        "/api/method/lowcode.admin.set_field_properties",
        {"doctype": "Lead", "fieldname": "company_name", "values": json.dumps({"reqd": 1})},
    )

    assert response.status_code == 200, response.content.decode()[:300]
    assert response.json()["message"] == 1
    assert registry.get_meta("Lead").get_field("company_name").reqd


@pytest.mark.parametrize("username", ["rep", "manager"])
def test_only_a_system_manager_customises_through_the_api(api, username):
    response = api(username).post(
        "/api/method/lowcode.admin.add_custom_field",
        {"doctype": "Lead", "values": json.dumps({"label": "行业细分", "fieldtype": "Data"})},
    )

    assert response.status_code == 403
    assert registry.get_meta("Lead").get_field("custom_hangye_xifen") is None
