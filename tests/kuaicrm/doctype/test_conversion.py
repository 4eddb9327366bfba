"""Lead conversion (seed 001 §1.4) through ``kuaicrm.convert_lead`` with the workflows loaded."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.utils import timezone

from lowcode.storage.factory import get_model
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.workflow.helpers import act, actions_of, state_after

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflows")]
L = "Lead"
CONVERT = "/api/method/kuaicrm.convert_lead"
LEAD = {
    "lead_name": "王先生",
    "company_name": "苏州精工",
    "mobile_no": "13800138000",
    "email_id": "wang@jinggong.cn",
    "designation": "采购总监",
    "company_size": "200-999",
    "budget_range": "500k-2M",
    "industry": "Manufacturing",
    "territory": "华东",
    "city": "苏州",
    "expected_amount": 300000,
}


def new_lead(client, **values) -> str:
    response = client.post("/api/resource/Lead", {**LEAD, **values})
    assert response.status_code == 200, response.content
    return response.json()["data"]["name"]


def to_demo(rep, manager, name: str) -> None:
    state_after(rep, L, name, "Qualify")
    state_after(manager, L, name, "Assign")
    for action in ("Plan Follow-up", "Make Contact", "Interested"):
        state_after(rep, L, name, action)


def counts() -> tuple[int, ...]:
    return tuple(get_model(d).objects.count() for d in ("Customer", "Contact", "Opportunity"))


def add_custom_field(sysman, doctype: str, fieldname: str) -> None:
    response = sysman.post(
        "/api/resource/" + quote("Custom Field"),
        {"dt": doctype, "fieldname": fieldname, "label": "微信群", "fieldtype": "Data"},
    )
    assert response.status_code == 200, response.content


def test_a_demo_scheduled_lead_becomes_customer_contact_and_opportunity(api):
    rep, manager, sysman = api("rep"), api("manager"), api("sysman")
    add_custom_field(sysman, "Lead", "wechat_group")
    add_custom_field(sysman, "Opportunity", "wechat_group")
    add_custom_field(sysman, "Lead", "lead_only_note")  # nowhere else: stays behind
    name = new_lead(rep, wechat_group="精工采购群", lead_only_note="展会名片")
    rep.post("/api/method/kuaicrm.reassign_lead", {"lead": name, "assign_to": "rep2"})
    to_demo(rep, manager, name)
    close = timezone.localdate() + dt.timedelta(days=45)

    # when
    response = rep.post(
        CONVERT, {"lead": name, "reason": "演示后确认需求", "expected_close_date": str(close)}
    )

    # then
    assert response.status_code == 200, response.content
    result = response.json()["message"]
    assert (result["customer_created"], result["customer_linked_existing"]) == (True, False)
    assert result["contact_created"] is True
    assert (result["status"], result["workflow_state"]) == ("Converted", "Opportunity")
    customer = get_model("Customer").objects.get(name=result["customer"])
    assert (customer.customer_name, customer.scale, customer.industry) == (
        "苏州精工",
        "200-999",
        "Manufacturing",
    )
    assert (customer.phone, customer.email, customer.lead, customer.city) == (
        "13800138000",
        "wang@jinggong.cn",
        name,
        "苏州",
    )
    contact = get_model("Contact").objects.get(name=result["contact"])
    assert (contact.full_name, contact.designation, contact.customer) == (
        "王先生",
        "采购总监",
        customer.name,
    )
    assert contact.is_decision_maker
    opportunity = rep.get(f"/api/resource/Opportunity/{result['opportunity']}").json()["data"]
    assert (opportunity["customer"], opportunity["contact"], opportunity["lead"]) == (
        customer.name,
        contact.name,
        name,
    )
    assert float(opportunity["amount"]) == 300000
    assert opportunity["expected_close_date"] == str(close)
    assert opportunity["sales_owner"] == "rep2"  # the lead's assignee
    assert opportunity["stage"]
    assert opportunity["wechat_group"] == "精工采购群"  # the custom field came along
    assert "lead_only_note" not in opportunity
    lead = rep.get(f"/api/resource/Lead/{name}").json()["data"]
    assert (lead["customer"], lead["contact"], lead["opportunity"]) == (
        customer.name,
        contact.name,
        opportunity["name"],
    )
    assert lead["converted_on"] and lead["conversion_reason"] == "演示后确认需求"
    log = get_model("Workflow Log").objects.get(
        reference_name=name, action="Convert to Opportunity"
    )
    assert log.to_state == "Opportunity"


def test_a_failure_in_the_opportunity_step_leaves_nothing_behind(api):
    rep, manager = api("rep"), api("manager")
    name = new_lead(rep)
    to_demo(rep, manager, name)
    before = counts()

    response = rep.post(CONVERT, {"lead": name, "amount": "很多"})

    assert response.status_code == 417
    assert [e["field"] for e in response.json()["errors"]] == ["amount"]
    assert counts() == before
    lead = get_model(L).objects.get(name=name)
    assert (lead.get("workflow_state"), lead.status) == ("Demo Scheduled", "Contacted")
    assert (lead.customer, lead.contact, lead.converted_on) == (None, None, None)


def test_another_rep_cannot_convert_a_lead_they_cannot_see(api):
    rep, manager = api("rep"), api("manager")
    name = new_lead(rep)
    to_demo(rep, manager, name)
    before = counts()

    response = api("rep2").post(CONVERT, {"lead": name})

    assert response.status_code == 404
    assert counts() == before
    assert get_model(L).objects.get(name=name).converted_on is None


def test_an_existing_customer_is_linked_not_duplicated(api):
    rep, manager = api("rep"), api("manager")
    existing = rep.post(
        "/api/resource/Customer", {"customer_name": "苏州精工（中国）有限公司", "city": "苏州"}
    ).json()["data"]["name"]
    name = new_lead(rep)
    to_demo(rep, manager, name)

    response = rep.post(CONVERT, {"lead": name})

    assert response.status_code == 200, response.content
    result = response.json()["message"]
    assert (result["customer"], result["customer_created"]) == (existing, False)
    assert result["customer_linked_existing"] is True
    assert get_model("Customer").objects.count() == 1
    assert get_model("Opportunity").objects.get(name=result["opportunity"]).customer == existing


def test_a_customer_another_rep_owns_is_not_linked_unseen(api):
    rep, manager = api("rep"), api("manager")
    api("south").post("/api/resource/Customer", {"customer_name": "苏州精工有限公司"})
    name = new_lead(rep)
    to_demo(rep, manager, name)
    before = counts()

    response = rep.post(CONVERT, {"lead": name})

    assert response.status_code == 417
    assert [e["field"] for e in response.json()["errors"]] == ["company_name"]
    assert "已存在" in response.json()["message"]
    assert counts() == before


def test_conversion_follows_the_workflow_states(api):
    rep, manager = api("rep"), api("manager")
    name = new_lead(rep)
    # a new lead converts to nothing yet
    early = rep.post(CONVERT, {"lead": name})
    assert early.status_code == 417
    assert [e["field"] for e in early.json()["errors"]] == ["workflow_state"]
    assert rep.post(CONVERT, {"lead": name, "create_opportunity": 0}).status_code == 417
    # qualified: a customer only; the workflow ends in Converted to Customer
    state_after(rep, L, name, "Qualify")
    assert rep.post(CONVERT, {"lead": name}).status_code == 417  # no opportunity before a demo
    customer_only = rep.post(CONVERT, {"lead": name, "create_opportunity": 0})
    assert customer_only.status_code == 200, customer_only.content
    first = customer_only.json()["message"]
    assert first["opportunity"] is None
    assert (first["status"], first["workflow_state"]) == ("Converted", "Converted to Customer")
    # a final state: the lead's part is done (opportunities are made on the customer now)
    assert actions_of(rep, L, name) == []
    assert act(manager, L, name, "Assign").status_code == 403
    again = rep.post(CONVERT, {"lead": name})
    assert again.status_code == 417
    assert get_model(L).objects.get(name=name).customer == first["customer"]
    # and only once
    assert rep.post(CONVERT, {"lead": name, "create_opportunity": 0}).status_code == 417
