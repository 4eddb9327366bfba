"""``/api/openapi.json``: a valid OpenAPI 3.1 document generated from merged metadata."""

from __future__ import annotations

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from lowcode.meta.registry import doctype_names, get_meta


@pytest.fixture
def sysman(api):
    """A System Manager's API client (one key: issuing another revokes it)."""
    return api("sysman")


@pytest.fixture
def fetch(sysman):
    """Return a function that GETs the OpenAPI document as sysman."""
    client = sysman

    def get() -> dict:
        response = client.get("/api/openapi.json")
        assert response.status_code == 200, response.content
        return response.json()

    return get


def field_schema(document: dict, doctype: str, fieldname: str) -> dict:
    return document["components"]["schemas"][doctype.replace(" ", "")]["properties"][fieldname]


def test_document_is_valid_openapi_3_1(fetch):
    document = fetch()

    assert document["openapi"].startswith("3.1")
    errors = [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []


def test_every_non_child_doctype_has_resource_paths(fetch):
    # given: the engine's, the CRM's and the test app's DocTypes
    names = doctype_names()
    children = {name for name in names if get_meta(name).istable}
    assert {"Test Order", "Department", "Custom Field"} <= set(names)
    assert "Test Order Item" in children

    # when
    document = fetch()

    # then
    paths = document["paths"]
    for name in names:
        listed, single = f"/api/resource/{name}", f"/api/resource/{name}/{{name}}"
        if name in children:
            assert listed not in paths and single not in paths, name
        else:
            assert set(paths[listed]) == {"get", "post"}, name
            assert set(paths[single]) == {"get", "put", "delete"}, name
        assert name.replace(" ", "") in document["components"]["schemas"], name
    operation_ids = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids))


def test_schemas_carry_field_types_enums_and_lengths(fetch):
    document = fetch()

    def schema(fieldname: str) -> dict:
        return field_schema(document, "Test Order", fieldname)

    assert schema("code")["maxLength"] == 20
    assert schema("title")["maxLength"] == get_meta("Test Order").get_field("title").max_length
    assert "string" in schema("title")["type"]
    assert [v for v in schema("status")["enum"] if v] == ["Draft", "Open", "Closed"]
    assert "integer" in schema("priority")["type"]
    assert "number" in schema("amount")["type"]
    assert "number" in schema("weight")["type"]
    assert schema("urgent")["enum"] == [0, 1]
    assert schema("order_date")["format"] == "date"
    assert schema("deliver_at")["format"] == "date-time"
    assert schema("slot")["format"] == "time"
    assert schema("email")["format"] == "email"
    assert "maxLength" not in schema("notes")
    assert schema("secret_margin")["x-permlevel"] == 1
    assert schema("items") == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/TestOrderItem"},
    }
    assert field_schema(document, "Test Order", "docstatus")["enum"] == [0, 1, 2]
    test_order = document["components"]["schemas"]["TestOrder"]
    assert "title" in test_order["x-required-on-create"]
    assert "code" not in test_order["x-required-on-create"]
    # layout-only fields never become properties
    assert all(
        f.fieldname in test_order["properties"]
        for f in get_meta("Test Order").fields
        if f.holds_value or f.is_table
    )


def test_custom_field_added_through_the_api_appears_at_once(fetch, sysman):
    # given
    before = fetch()
    assert "custom_grade" not in before["components"]["schemas"]["Department"]["properties"]

    # when: two custom fields are added over REST
    for field in (
        {
            "fieldname": "custom_grade",
            "fieldtype": "Select",
            "options": "A\nB\nC",
            "label": "Grade",
        },
        {"fieldname": "custom_code", "fieldtype": "Data", "length": 40, "label": "Code"},
    ):
        response = sysman.post("/api/resource/Custom Field", {"dt": "Department", **field})
        assert response.status_code == 200, response.content

    # then: the very next request documents them, validly
    after = fetch()
    grade = field_schema(after, "Department", "custom_grade")
    assert [v for v in grade["enum"] if v] == ["A", "B", "C"]
    assert grade["x-custom-field"] is True
    code = field_schema(after, "Department", "custom_code")
    assert code["maxLength"] == 40
    assert code["x-custom-field"] is True
    assert "x-custom-field" not in field_schema(after, "Department", "region")
    assert list(OpenAPIV31SpecValidator(after).iter_errors()) == []


def test_guests_do_not_read_the_document_unless_the_site_opens_it(users, settings):
    from django.test import Client

    refused = Client().get("/api/openapi.json")
    assert refused.status_code == 401, refused.content
    assert "paths" not in refused.json()

    settings.SITE_CONFIG = {**settings.SITE_CONFIG, "public_openapi": True}
    opened = Client().get("/api/openapi.json")
    assert opened.status_code == 200
    assert "/api/resource/Lead" in opened.json()["paths"]
