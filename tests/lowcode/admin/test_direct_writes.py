"""Custom Field, Property Setter and Custom DocPerm written directly (REST, frappe.client.*)
meet the same checks as the admin actions of Customize Form and the permission matrix."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from lowcode.storage.factory import get_model

CUSTOM_FIELDS = "/api/resource/" + quote("Custom Field")
PROPERTY_SETTERS = "/api/resource/" + quote("Property Setter")
CUSTOM_DOCPERMS = "/api/resource/" + quote("Custom DocPerm")
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-cn"}


def errors_of(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"fieldname": "owner", "label": "负责人"}, "fieldname"),
        ({"fieldname": "company_name", "label": "公司"}, "fieldname"),
        ({"fieldname": "custom_a", "label": ""}, "label"),
        ({"fieldname": "custom_b", "label": "乙", "depends_on": "eval:(("}, "depends_on"),
        ({"fieldname": "custom_c", "label": "丙", "insert_after": "nope"}, "insert_after"),
        ({"fieldname": "custom_d", "label": "丁", "fieldtype": "Select", "options": ""}, "options"),
        ({"fieldname": "custom_e", "label": "戊", "dt": "Custom Field"}, "dt"),
    ],
)
def test_a_custom_field_posted_directly_meets_customize_forms_checks(api, values, field):
    response = api("sysman").post(
        CUSTOM_FIELDS, {"dt": "Lead", "fieldtype": "Data", **values}, **ZH
    )

    assert response.status_code == 417, response.content.decode()[:300]
    assert field in errors_of(response)
    assert is_chinese(errors_of(response)[field])
    assert not get_model("Custom Field").objects.exists()


def test_a_custom_fields_name_and_doctype_cannot_change_after_it_is_made(api):
    admin = api("sysman")
    made = admin.post(
        CUSTOM_FIELDS, {"dt": "Lead", "fieldname": "custom_x", "label": "甲", "fieldtype": "Data"}
    )
    assert made.status_code == 200, made.content.decode()[:300]

    response = admin.put(f"{CUSTOM_FIELDS}/Lead-custom_x", {"fieldname": "custom_y"}, **ZH)

    assert response.status_code == 417, response.content.decode()[:300]
    assert "fieldname" in errors_of(response)
    assert get_model("Custom Field").objects.get().fieldname == "custom_x"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"field_name": "company_name", "property": "options", "value": "x"}, "property"),
        ({"field_name": "company_name", "property": "label", "value": ""}, "value"),
        ({"field_name": "company_name", "property": "reqd", "value": "yes"}, "value"),
        ({"field_name": "company_name", "property": "permlevel", "value": "42"}, "value"),
        ({"field_name": "company_name", "property": "depends_on", "value": "eval:(("}, "value"),
        ({"field_name": "source", "property": "default", "value": "火星"}, "value"),
        ({"property": "title_field", "value": "nope"}, "value"),
        ({"property": "sort_order", "value": "sideways"}, "value"),
    ],
)
def test_a_property_setter_posted_directly_meets_customize_forms_checks(api, values, field):
    response = api("sysman").post(PROPERTY_SETTERS, {"doc_type": "Lead", **values}, **ZH)

    assert response.status_code == 417, response.content.decode()[:300]
    assert field in errors_of(response)
    assert is_chinese(errors_of(response)[field])
    assert not get_model("Property Setter").objects.exists()


def rule(role: str, **values) -> dict:
    return {"parent_doctype": "Lead", "role": role, "read": 1, **values}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (rule("Sales User", parent_doctype="Custom Field", write=1, create=1), "parent_doctype"),
        (rule("System Manager", permlevel=42), "permlevel"),
        (rule("No Such Role"), "role"),
        (rule("System Manager", scope="everyone"), "scope"),
    ],
)
def test_a_permission_rule_posted_directly_meets_the_matrixs_checks(api, values, field):
    response = api("sysman").post(CUSTOM_DOCPERMS, values, **ZH)

    assert response.status_code == 417, response.content.decode()[:300]
    assert field in errors_of(response)
    assert is_chinese(errors_of(response)[field])
    assert not get_model("Custom DocPerm").objects.exists()


def test_a_second_rule_of_the_same_role_level_and_scope_is_refused_directly(api):
    admin = api("sysman")
    for values in (rule("System Manager", write=1), rule("Sales User", scope="own")):
        assert admin.post(CUSTOM_DOCPERMS, values).status_code == 200
    response = admin.post(CUSTOM_DOCPERMS, rule("Sales User", scope="own", write=1), **ZH)

    assert response.status_code == 417, response.content.decode()[:300]
    assert "scope" in errors_of(response)
    assert get_model("Custom DocPerm").objects.count() == 2
    # a rule of another scope is a rule of its own ("read my department, write only my own")
    assert admin.post(CUSTOM_DOCPERMS, rule("Sales User", scope="department")).status_code == 200


def test_frappe_client_insert_and_save_meet_the_same_checks(api):
    admin = api("sysman")
    refused = admin.post(
        "/api/method/frappe.client.insert",
        {
            "doc": {
                "doctype": "Property Setter",
                "doc_type": "Lead",
                "field_name": "city",
                "property": "hidden",
                "value": "maybe",
            }
        },
        **ZH,
    )
    assert refused.status_code == 417, refused.content.decode()[:300]
    assert "value" in errors_of(refused)
    made = admin.post(
        "/api/method/frappe.client.insert",
        {
            "doc": {
                "doctype": "Property Setter",
                "doc_type": "Lead",
                "field_name": "city",
                "property": "hidden",
                "value": "1",
            }
        },
    )
    assert made.status_code == 200, made.content.decode()[:300]

    changed = admin.post(
        "/api/method/frappe.client.save",
        {"doc": {"doctype": "Property Setter", "name": "Lead-city-hidden", "value": "2"}},
        **ZH,
    )

    assert changed.status_code == 417, changed.content.decode()[:300]
    assert "value" in errors_of(changed)
    assert get_model("Property Setter").objects.get().value == "1"


@pytest.mark.parametrize(
    ("doctype", "values"),
    [
        (
            "Custom Field",
            {"dt": "Lead", "fieldname": "custom_z", "label": "甲", "fieldtype": "Data"},
        ),
        (
            "Property Setter",
            {"doc_type": "Lead", "field_name": "city", "property": "hidden", "value": "1"},
        ),
        ("Custom DocPerm", rule("System Manager")),
    ],
)
def test_only_a_system_manager_writes_customisations_directly(api, doctype, values):
    response = api("manager").post("/api/resource/" + quote(doctype), values)

    assert response.status_code == 403
    assert not get_model(doctype).objects.exists()
