"""Document mapping (lowcode/documents/mapping.py): a Test Order makes a Test Delivery with its
items, over /api/method/<key> and Frappe's make_mapped_doc, through the permission layer."""

from __future__ import annotations

from urllib.parse import quote

import pytest

import tests.engine_app.hooks as engine_hooks
from lowcode import context
from lowcode.documents.actions import do_assign_doc, do_insert_doc, do_save_doc, do_submit_doc
from lowcode.meta.checks import check_mappings
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db
MAKE = "/api/method/tests.make_delivery"
FROM_SUBMITTED = "/api/method/tests.make_delivery_from_submitted"
FRAPPE = "/api/method/frappe.model.mapper.make_mapped_doc"
ITEMS = [
    {"item_code": "泵体", "qty": 2, "rate": 100},
    {"item_code": "样品", "qty": 0, "rate": 5},  # the table condition (qty != 0) leaves it out
    {"item_code": "叶轮", "qty": 3, "rate": 40},
]


def order(user: str = "rep", **values):
    doc = do_insert_doc(user, "Test Order", {"title": "泵站改造", "items": ITEMS, **values})
    context.reset()
    return doc


def deliveries() -> int:
    return get_model("Test Delivery").objects.count()


def test_mapping_returns_the_unsaved_target_with_its_rows(api):
    source = order(notes="加急")
    rows = source.get_children("items")
    # when
    response = api("rep").get(MAKE, {"source_name": source.name})
    # then
    assert response.status_code == 200, response.json()
    made = response.json()["message"]
    assert made["doctype"] == "Test Delivery" and made["__islocal"] == 1
    assert made["name"] is None and made["docstatus"] == 0
    assert (made["test_order"], made["title"], made["note"]) == (source.name, "泵站改造", "加急")
    assert made["status"] == "Draft"  # the target's default
    assert [(r["item_code"], r["qty"], r["source_row"]) for r in made["items"]] == [
        ("泵体", 2, rows[0].name),
        ("叶轮", 3, rows[2].name),
    ]
    assert float(made["amount"]) == 320.0  # the mapping's postprocess summed the rows
    assert deliveries() == 0  # nothing stored


def test_insert_saves_the_target_through_the_insert_path(api):
    source = order()
    client = api("rep")
    assert client.get(MAKE, {"source_name": source.name, "insert": 1}).status_code == 400
    response = client.post(MAKE, {"source_name": source.name, "insert": 1})
    assert response.status_code == 200, response.json()
    saved = response.json()["message"]
    assert saved["name"].startswith("TD-") and saved["owner"] == "rep"
    assert [r["item_code"] for r in saved["items"]] == ["泵体", "叶轮"]
    stored = get_model("Test Delivery").objects.get(name=saved["name"])
    assert stored.test_order == source.name and len(stored.get_children("items")) == 2


def test_frappe_make_mapped_doc_serves_declared_mappings_only(api):
    source = order()
    client = api("rep")
    response = client.post(FRAPPE, {"method": "tests.make_delivery", "source_name": source.name})
    assert response.status_code == 200, response.json()
    assert response.json()["message"]["test_order"] == source.name
    # any other whitelisted method is not a mapping
    assert client.post(FRAPPE, {"method": "tests.echo", "source_name": "x"}).status_code == 404


def test_a_submittable_source_must_be_submitted_by_default(api):
    source = order("sysman")
    client = api("sysman")
    refused = client.get(FROM_SUBMITTED, {"source_name": source.name})
    assert refused.status_code == 417
    assert (
        refused.json()["message"] == f"无法从Test Order {source.name} 生成Test Delivery：它是草稿"
    )
    do_submit_doc("sysman", "Test Order", source.name)
    assert client.get(FROM_SUBMITTED, {"source_name": source.name}).status_code == 200


def test_the_condition_refuses_with_a_clear_message(api):
    source = order(status="Closed")
    refused = api("rep").post(MAKE, {"source_name": source.name, "insert": 1})
    assert refused.status_code == 417
    assert (
        refused.json()["message"]
        == f"无法从Test Order {source.name} 生成Test Delivery：不满足生成条件"
    )
    assert deliveries() == 0


def test_read_on_the_source_and_create_on_the_target_are_required(api):
    source = order()
    # another rep may not read it: the same 404 as a missing order
    hidden = api("rep2").get(MAKE, {"source_name": source.name})
    missing = api("rep2").get(MAKE, {"source_name": "TO-nope"})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["message"] == missing.json()["message"].replace("TO-nope", source.name)
    # a user without create on Test Delivery
    refused = api("nobody").get(MAKE, {"source_name": source.name})
    assert refused.status_code == 403
    assert refused.json()["message"] == "没有Test Delivery的创建权限"


def test_only_readable_fields_are_copied_into_writable_ones(api):
    source = order("sysman")
    do_save_doc("sysman", "Test Order", source.name, {"secret_margin": 77})
    do_assign_doc("sysman", "Test Order", source.name, "manager")
    context.reset()
    # the system manager reads and writes the margin on both sides
    assert (
        float(
            api("sysman").get(MAKE, {"source_name": source.name}).json()["message"]["secret_margin"]
        )
        == 77
    )
    # a sales manager reads it on the order but may not set it on a delivery: left out, and the
    # insert is not refused for it
    response = api("manager").post(MAKE, {"source_name": source.name, "insert": 1})
    assert response.status_code == 200, response.json()
    stored = get_model("Test Delivery").objects.get(name=response.json()["message"]["name"])
    assert stored.secret_margin is None


def test_copied_links_are_checked_like_any_input(api):
    # given an order of the system manager's naming a role, assigned to a rep (who may read the
    # order, not the Role records)
    source = order("sysman", role="Sales User")
    do_assign_doc("sysman", "Test Order", source.name, "rep")
    context.reset()
    # when the rep saves the mapped delivery
    response = api("rep").post(MAKE, {"source_name": source.name, "insert": 1})
    # then the link is refused as on any insert
    assert response.status_code == 417
    assert [e["field"] for e in response.json()["errors"]] == ["role"]
    assert deliveries() == 0


# ------------------------------------------------------------------ checks meta.E017–E019


def _check(monkeypatch, spec: dict) -> list:
    monkeypatch.setattr(engine_hooks, "document_mappings", {"tests.bad": spec})
    return [(m.id, m.msg) for m in check_mappings()]


GOOD = {"source": "Test Order", "target": "Test Delivery", "field_map": {"name": "test_order"}}


def test_the_declared_mappings_pass_the_checks():
    assert check_mappings() == []


def test_e017_unknown_doctype(monkeypatch):
    assert _check(monkeypatch, {**GOOD, "target": "Test Parcel"}) == [
        ("meta.E017", "Mapping 'tests.bad' names unknown DocType(s) 'Test Parcel'.")
    ]


def test_e018_unknown_field_or_table(monkeypatch):
    assert _check(
        monkeypatch, {**GOOD, "field_map": {"colour": "test_order", "title": "heading"}}
    ) == [
        ("meta.E018", "Mapping 'tests.bad' reads unknown field 'colour' of 'Test Order'."),
        ("meta.E018", "Mapping 'tests.bad' writes unknown field 'heading' of 'Test Delivery'."),
    ]
    found = _check(monkeypatch, {**GOOD, "table_map": {"items": {"target": "lines"}}})
    assert [cid for cid, _msg in found] == ["meta.E018"] and "'lines'" in found[0][1]
    found = _check(
        monkeypatch,
        {**GOOD, "table_map": {"items": {"target": "items", "field_map": {"sku": "qty"}}}},
    )
    assert found == [
        ("meta.E018", "Mapping 'tests.bad' reads unknown field 'sku' of 'Test Order Item'.")
    ]


def test_e019_condition_docstatus_or_postprocess_invalid(monkeypatch):
    found = _check(monkeypatch, {**GOOD, "condition": "doc.status = 'Open'"})
    assert [cid for cid, _msg in found] == ["meta.E019"] and "does not parse" in found[0][1]
    assert _check(monkeypatch, {**GOOD, "source_docstatus": [1, 3]}) == [
        ("meta.E019", "Mapping 'tests.bad' allows unknown source docstatus [1, 3].")
    ]
    found = _check(monkeypatch, {**GOOD, "postprocess": "tests.engine_app.nowhere.fn"})
    assert [cid for cid, _msg in found] == ["meta.E019"] and "does not import" in found[0][1]


def test_an_undeclared_key_is_not_a_method(api):
    assert api("rep").get("/api/method/" + quote("tests.make_parcel")).status_code == 404


def test_every_declared_condition_message_has_a_chinese_translation():
    import csv
    from pathlib import Path

    import lowcode
    from lowcode.meta.mappings import declared

    catalog: set[str] = set()
    for path in Path(lowcode.__file__).resolve().parent.parent.rglob("translations/zh.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            catalog |= {row[0] for row in csv.reader(handle) if len(row) > 1}
    messages = {m.condition_message for m in declared().values()} - {""}
    assert sorted(messages - catalog) == []
