"""Duplicate customers are found by normalised name, credit code and phone, and merged: every
linked record moves to the kept customer, the other one is deleted, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode import context
from lowcode.desk.actions import do_add_comment
from lowcode.documents.actions import do_assign_doc, do_insert_doc
from lowcode.models import Assignment, Version
from lowcode.storage.factory import get_model
from tests.kuaicrm.doctype.customers import CUSTOMERS, call, new_customer

TAX_ID = "91320500MA1N2U8T1R"  # a valid unified social credit code (check character R)


def _tomorrow() -> str:
    return str(timezone.localdate() + dt.timedelta(days=1))


@pytest.fixture
def customer_rule(site):
    """What an administrator sets up to find duplicate customers: one Warn rule, three keys."""
    fields = [
        {"fieldname": "customer_name", "normaliser": "Company Name"},
        {"fieldname": "tax_id", "normaliser": "Credit Code"},
        {"fieldname": "phone", "normaliser": "Phone"},
    ]
    rule = {"title": "客户查重", "document_type": "Customer", "action": "Warn", "enabled": 1}
    do_insert_doc("Administrator", "Duplicate Rule", {**rule, "fields": fields})
    context.reset()


@pytest.fixture
def tags(site, customer_rule):
    for tag, colour in (("制造业", "#ff8800"), ("老客户", "#0088ff")):
        do_insert_doc("Administrator", "Customer Tag", {"tag_name": tag, "color": colour})
    return ["制造业", "老客户"]


@pytest.fixture
def pair(api, tags):
    """rep's 苏州精密机械有限公司 (the source, with details) and 苏州精密 (the target)."""
    rep = api("rep")
    source = new_customer(
        rep,
        "苏州精密机械有限公司",
        territory="华东",
        phone="+86 138 0013 8000",
        tax_id=TAX_ID,
        city="苏州",
        tags=[{"tag": "制造业"}, {"tag": "老客户"}],
    )["name"]
    target = new_customer(rep, "苏州精密", territory="华东", tags=[{"tag": "老客户"}])["name"]
    return source, target


def _linked(source: str) -> dict[str, str]:
    """One record of each kind pointing at ``source``, made by rep."""
    contact = do_insert_doc("rep", "Contact", {"full_name": "王经理", "customer": source})
    lead = do_insert_doc("rep", "Lead", {"lead_name": "王经理", "customer": source})
    opportunity = do_insert_doc(
        "rep",
        "Opportunity",
        {
            "opportunity_name": "产线改造",
            "customer": source,
            "amount": 100000,
            "expected_close_date": _tomorrow(),
        },
    )
    record = do_insert_doc(
        "rep",
        "Follow-up Record",
        {
            "followup_method": "Phone",
            "followed_up_on": str(timezone.now()),
            "customer": source,
            "content": "电话沟通需求",
        },
    )
    task = do_insert_doc(
        "rep",
        "Follow-up Task",
        {"subject": "寄送样品", "assigned_to": "rep", "customer": source},
    )
    visit = do_insert_doc("rep", "Customer Visit", {"visit_title": "首次拜访", "customer": source})
    order = do_insert_doc(
        "rep",
        "Sales Order",
        {
            "customer": source,
            "order_date": str(timezone.localdate()),
            "items": [{"item_name": "伺服电机", "qty": 2, "rate": 5000}],
        },
    )
    do_insert_doc(
        "Administrator",
        "Custom Field",
        {
            "dt": "Contract",
            "fieldname": "end_customer",
            "label": "End Customer",
            "fieldtype": "Link",
            "options": "Customer",
        },
    )
    context.reset()
    from lowcode.meta import registry

    registry.clear_local_cache()
    contract = do_insert_doc(
        "rep", "Contract", {"contract_title": "年度框架协议", "end_customer": source}
    )
    comment = do_add_comment("rep", "Customer", source, "客户要求月底前报价")
    do_assign_doc("Administrator", "Customer", source, "rep2")
    return {
        "Contact": contact.name,
        "Lead": lead.name,
        "Opportunity": opportunity.name,
        "Follow-up Record": record.name,
        "Follow-up Task": task.name,
        "Customer Visit": visit.name,
        "Sales Order": order.name,
        "Contract": contract.name,
        "Comment": comment.name,
    }


def _link_field(doctype: str) -> str:
    return "end_customer" if doctype == "Contract" else "customer"


def _points_at(doctype: str, name: str) -> str:
    doc = get_model(doctype).objects.get(name=name)
    if doctype == "Comment":
        return doc.reference_name
    return doc.get(_link_field(doctype))


# ------------------------------------------------------------------ duplicates


def test_duplicates_are_found_by_normalised_name_credit_code_and_phone(api, tags):
    rep = api("rep")
    first = new_customer(rep, "苏州精密机械有限公司", phone="13800138000", tax_id=TAX_ID)["name"]
    by_name = new_customer(rep, "精密机械")["name"]  # 苏州 + 有限公司 normalised away
    by_phone = new_customer(rep, "精机", phone="+86 138-0013-8000")["name"]
    # the same credit code typed in lower case with a space is the same code: refused outright
    same_code = rep.post(
        "/api/resource/Customer", {"customer_name": "SZJM", "tax_id": f" {TAX_ID.lower()}"}
    )
    unrelated = new_customer(rep, "无锡电气", phone="13900139000")["name"]
    manager = api("manager")

    found = call(manager, "kuaicrm.find_duplicate_customers", customer=first)

    assert same_code.status_code == 409, same_code.content
    assert [(e["field"], e["rule"]) for e in same_code.json()["errors"]] == [("tax_id", "unique")]
    assert found.status_code == 200, found.content.decode()
    rows = {row["name"]: row["matched_fields"] for row in found.json()["message"]}
    assert rows == {by_name: ["customer_name"], by_phone: ["phone"]}
    assert unrelated not in rows


def test_duplicates_only_list_customers_the_user_may_read(api, tags):
    new_customer(api("rep2"), "苏州精密机械有限公司")
    mine = new_customer(api("rep"), "精密机械")["name"]

    found = call(api("rep"), "kuaicrm.find_duplicate_customers", customer=mine)

    assert found.json()["message"] == []


# ------------------------------------------------------------------ merge


def test_merge_moves_every_linked_record_and_deletes_the_source(api, pair):
    source, target = pair
    linked = _linked(source)
    manager = api("manager")

    response = call(manager, "kuaicrm.merge_customers", source=source, target=target)

    assert response.status_code == 200, response.content.decode()
    for doctype, name in linked.items():
        assert _points_at(doctype, name) == target, doctype
    assert not get_model("Customer").objects.filter(name=source).exists()
    assert manager.get(f"{CUSTOMERS}/{source}").status_code == 404
    assert set(Assignment.objects.filter(docname=target).values_list("user", flat=True)) == {"rep2"}
    kept = manager.get(f"{CUSTOMERS}/{target}").json()["data"]
    assert kept["customer_name"] == "苏州精密"  # the target's own values win
    assert (kept["phone"], kept["tax_id"], kept["city"]) == ("+86 138 0013 8000", TAX_ID, "苏州")
    assert [row["tag"] for row in kept["tags"]] == ["老客户", "制造业"]
    assert Version.objects.filter(
        ref_doctype="Customer", docname=target, data__merged_from=source
    ).exists()
    notes = get_model("Comment").objects.filter(reference_name=target, comment_type="Info")
    assert any(source in note.content for note in notes)


def test_the_sources_history_moves_with_it(api, pair):
    source, target = pair
    before = Version.objects.filter(ref_doctype="Customer", docname=source).count()

    call(api("manager"), "kuaicrm.merge_customers", source=source, target=target)

    moved = Version.objects.filter(ref_doctype="Customer", docname=target).count()
    assert before >= 1 and moved >= before + 1


def test_a_failure_midway_rolls_everything_back(api, pair):
    # A mandatory custom field the target lacks: its save fails after the links moved and the
    # source was deleted; nothing of that may remain.
    source, target = pair
    linked = _linked(source)
    do_insert_doc(
        "Administrator",
        "Custom Field",
        {
            "dt": "Customer",
            "fieldname": "erp_code",
            "label": "ERP Code",
            "fieldtype": "Data",
            "reqd": 1,
        },
    )

    response = call(api("manager"), "kuaicrm.merge_customers", source=source, target=target)

    assert response.status_code == 417
    assert get_model("Customer").objects.filter(name=source).exists()
    for doctype, name in linked.items():
        assert _points_at(doctype, name) == source, doctype
    assert Assignment.objects.filter(ref_doctype="Customer", docname=source).exists()


def test_a_sales_user_may_not_merge(api, pair):
    source, target = pair

    response = call(api("rep"), "kuaicrm.merge_customers", source=source, target=target)

    assert response.status_code == 403
    assert get_model("Customer").objects.filter(name=source).exists()


def test_a_customer_cannot_be_merged_into_itself(api, pair):
    source, _target = pair

    response = call(api("manager"), "kuaicrm.merge_customers", source=source, target=source)

    assert response.status_code == 400
    assert get_model("Customer").objects.filter(name=source).exists()
