"""Invoices (开票): sales request, finance issues or rejects, 红冲, the contract's ceiling."""

from __future__ import annotations

from decimal import Decimal

from lowcode.storage.factory import get_model
from tests.kuaicrm.cash.conftest import call, error_messages, message, new_contract
from tests.lowcode.workflow.helpers import act as workflow_act

# A valid unified social credit code (GB 32100-2015 check character).
CREDIT_CODE = "91350100M000100Y43"
SPECIAL = {
    "invoice_type": "VAT Special Invoice",
    "buyer_title": "苏州精密机械有限公司",
    "taxpayer_id": CREDIT_CODE,
    "buyer_address": "苏州工业园区星湖街 328 号",
    "buyer_phone": "0512-62881234",
    "buyer_bank": "招商银行苏州分行",
    "buyer_account": "512902345610001",
}


def act(client, name: str, action: str, **extra):
    return workflow_act(client, "Invoice", name, action, **extra)


def request_invoice(client, contract: str, amount, **fields) -> dict:
    """Sales requests an invoice through the mapping kuaicrm.make_invoice (inserted)."""
    draft = message(call(client, "kuaicrm.make_invoice", source_name=contract))
    draft.update({"grand_total": amount, **SPECIAL, **fields})
    for key in ("name", "__islocal", "owner", "creation", "modified", "modified_by", "docstatus"):
        draft.pop(key, None)
    response = client.post("/api/resource/Invoice", draft)
    assert response.status_code == 200, response.content.decode()
    return message(response) if "message" in response.json() else response.json()["data"]


def stored(name: str):
    return get_model("Invoice").objects.get(name=name)


def test_request_then_issue_with_number_and_date(api, finance, contract):
    rep, fin = api("rep"), api(finance)
    draft = message(call(rep, "kuaicrm.make_invoice", source_name=contract))
    assert draft["contract"] == contract and Decimal(draft["grand_total"]) == Decimal("100000")
    assert draft["buyer_title"] == "苏州精密机械有限公司"

    invoice = request_invoice(rep, contract, 11300)
    assert invoice["status"] == "Requested" and invoice["workflow_state"] == "Requested"
    assert (Decimal(invoice["net_total"]), Decimal(invoice["total_tax"])) == (
        Decimal("10000"),
        Decimal("1300"),
    )

    # Issue without a number is refused naming the fields; sales cannot issue at all
    assert act(rep, invoice["name"], "Issue Invoice").status_code == 403
    missing = act(fin, invoice["name"], "Issue Invoice")
    assert missing.status_code == 417
    assert {e["field"] for e in missing.json()["errors"]} >= {"invoice_no", "invoice_date"}

    # when
    issued = message(
        call(
            fin,
            "kuaicrm.issue_invoice",
            invoice=invoice["name"],
            invoice_no="04412345",
            invoice_date="2026-02-10",
        )
    )

    # then
    assert (issued["status"], issued["docstatus"], issued["invoice_no"]) == (
        "Issued",
        1,
        "04412345",
    )
    assert get_model("Contract").objects.get(name=contract).invoiced_amount == Decimal("11300")


def test_finance_rejects_with_a_reason_and_sales_resubmits(api, finance, contract):
    rep, fin = api("rep"), api(finance)
    invoice = request_invoice(rep, contract, 5000)

    assert act(fin, invoice["name"], "Reject").status_code == 417  # a reason is required
    assert act(fin, invoice["name"], "Reject", reason="开户行与账号不一致").status_code == 200

    rejected = stored(invoice["name"])
    assert (rejected.status, rejected.rejection_reason) == ("Rejected", "开户行与账号不一致")
    # a rejected request does not hold the contract's amount
    assert request_invoice(rep, contract, 100000)["status"] == "Requested"

    assert act(rep, invoice["name"], "Resubmit").status_code == 417  # now over the amount
    assert stored(invoice["name"]).status == "Rejected"


def test_red_letter_reversal_creates_the_negative_invoice(api, finance, contract):
    rep, fin = api("rep"), api(finance)
    invoice = request_invoice(rep, contract, 11300)
    message(
        call(
            fin,
            "kuaicrm.issue_invoice",
            invoice=invoice["name"],
            invoice_no="04410001",
            invoice_date="2026-02-10",
        )
    )

    assert act(fin, invoice["name"], "Reverse Invoice").status_code == 417  # reason required
    assert act(rep, invoice["name"], "Reverse Invoice", reason="x").status_code == 403

    # when
    assert act(fin, invoice["name"], "Reverse Invoice", reason="购方名称有误").status_code == 200

    # then
    original = stored(invoice["name"])
    assert (original.status, original.reversal_reason) == ("Reversed", "购方名称有误")
    red = get_model("Invoice").objects.get(reversal_of=invoice["name"])
    assert (red.grand_total, red.status, red.buyer_title) == (
        Decimal("-11300"),
        "Requested",
        original.buyer_title,
    )
    # the red-letter invoice is issued with its own number; the contract is back to 0
    message(
        call(
            fin,
            "kuaicrm.issue_invoice",
            invoice=red.name,
            invoice_no="04410002",
            invoice_date="2026-02-11",
        )
    )
    assert get_model("Contract").objects.get(name=contract).invoiced_amount == Decimal("0")
    # a red-letter invoice is not reversed again
    assert act(fin, red.name, "Reverse Invoice", reason="x").status_code == 403


def test_taxpayer_id_is_checked_like_the_credit_code(api, finance, contract):
    rep = api("rep")
    draft = message(call(rep, "kuaicrm.make_invoice", source_name=contract))
    for key in ("name", "__islocal"):
        draft.pop(key, None)

    def post(**fields):
        return rep.post("/api/resource/Invoice", {**draft, **SPECIAL, "grand_total": 100, **fields})

    bad_check = post(taxpayer_id=CREDIT_CODE[:-1] + "X")
    assert bad_check.status_code == 417
    assert [e["field"] for e in bad_check.json()["errors"]] == ["taxpayer_id"]
    assert post(taxpayer_id="12345").status_code == 417
    # 15 and 20 character taxpayer IDs (older registrations) pass
    assert post(taxpayer_id="320500123456789").status_code == 200
    assert post(taxpayer_id="32050012345678901234").status_code == 200
    # lower case and spaces are normalised before the check
    ok = post(taxpayer_id=" " + CREDIT_CODE.lower())
    assert ok.status_code == 200 and ok.json()["data"]["taxpayer_id"] == CREDIT_CODE


def test_a_special_invoice_needs_the_buyers_tax_details(api, finance, contract):
    rep = api("rep")
    response = rep.post(
        "/api/resource/Invoice",
        {
            "customer": get_model("Contract").objects.get(name=contract).customer,
            "contract": contract,
            "invoice_type": "VAT Special Invoice",
            "buyer_title": "苏州精密机械有限公司",
            "grand_total": 100,
        },
    )
    assert response.status_code == 417
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields >= {"taxpayer_id", "buyer_address", "buyer_phone", "buyer_bank", "buyer_account"}
    general = rep.post(
        "/api/resource/Invoice",
        {
            "customer": get_model("Contract").objects.get(name=contract).customer,
            "contract": contract,
            "invoice_type": "VAT General Invoice",
            "buyer_title": "苏州精密机械有限公司",
            "grand_total": 100,
        },
    )
    assert general.status_code == 200, general.content.decode()


def test_invoiced_cannot_pass_the_contract_amount(api, finance, contract):
    rep = api("rep")
    request_invoice(rep, contract, 60000)

    draft = message(call(rep, "kuaicrm.make_invoice", source_name=contract))
    assert Decimal(draft["grand_total"]) == Decimal("100000")  # issued ones only are deducted
    draft.pop("__islocal", None)
    draft.pop("name", None)
    response = rep.post("/api/resource/Invoice", {**draft, **SPECIAL, "grand_total": 40001})

    assert response.status_code == 417
    text = error_messages(response)
    assert "100000" in text and "40000" in text and "40001" in text
    assert [e["field"] for e in response.json()["errors"]] == ["grand_total"]


def test_contract_receivables_reconcile(api, finance, plan, contract):
    rep, fin = api("rep"), api(finance)
    first, _second = plan["installments"]
    message(
        call(
            fin,
            "kuaicrm.record_payment_receipt",
            customer=plan["customer"],
            receipt_date="2026-02-01",
            amount=30000,
            payment_method="WeChat Pay",
            allocations=[{"installment": first["name"], "allocated_amount": 30000}],
        )
    )
    invoice = request_invoice(rep, contract, 50000)
    message(
        call(
            fin,
            "kuaicrm.issue_invoice",
            invoice=invoice["name"],
            invoice_no="04419999",
            invoice_date="2026-02-12",
        )
    )
    request_invoice(rep, contract, 10000)

    data = message(call(rep, "kuaicrm.contract_receivables", contract=contract))

    assert {
        k: Decimal(data[k])
        for k in (
            "amount",
            "invoiced",
            "invoice_requested",
            "collected",
            "outstanding",
            "uninvoiced",
            "invoiced_not_collected",
        )
    } == {
        "amount": Decimal("100000"),
        "invoiced": Decimal("50000"),
        "invoice_requested": Decimal("10000"),
        "collected": Decimal("30000"),
        "outstanding": Decimal("70000"),
        "uninvoiced": Decimal("50000"),
        "invoiced_not_collected": Decimal("20000"),
    }
    assert data["reconciled"] is True
    assert data["plans"][0]["installments"][0]["status"] == "Paid"
    # another team's rep does not see the contract at all
    assert call(api("south"), "kuaicrm.contract_receivables", contract=contract).status_code == 404


def test_a_second_contract_has_its_own_ceiling(api, finance, customer):
    other = new_contract(customer, amount=2000)
    rep = api("rep")
    assert request_invoice(rep, other, 2000)["status"] == "Requested"


def test_an_invoice_request_from_a_plan_carries_its_contract(api, finance, plan, contract):
    rep = api("rep")

    draft = message(call(rep, "kuaicrm.make_invoice_from_plan", source_name=plan["name"]))

    assert (draft["payment_plan"], draft["contract"], draft["customer"]) == (
        plan["name"],
        contract,
        plan["customer"],
    )
    assert Decimal(draft["grand_total"]) == Decimal("100000")
    # the request is the rep's; a rep of another team cannot map someone else's plan
    assert (
        call(api("south"), "kuaicrm.make_invoice_from_plan", source_name=plan["name"]).status_code
        == 404
    )


def test_sales_read_their_own_invoices_only(api, finance, contract):
    invoice = request_invoice(api("rep"), contract, 1000)
    url = f"/api/resource/Invoice/{invoice['name']}"

    assert api("rep").get(url).status_code == 200
    assert api("manager").get(url).status_code == 200  # the rep's department manager
    assert api("south").get(url).status_code == 404
    assert api(finance).get(url).status_code == 200


def test_contract_receivables_reads_a_fixed_number_of_queries(api, finance, plan, contract):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kuaicrm.cash import contract_receivables_data, release_plans

    with CaptureQueriesContext(connection) as one_plan:
        contract_receivables_data("rep", contract)
    # a second and a third plan (the earlier ones released) add rows, not queries
    for _ in range(2):
        release_plans("Contract", contract)
        message(call(api("rep"), "kuaicrm.make_payment_plan", source_name=contract, insert=1))

    with CaptureQueriesContext(connection) as three_plans:
        data = contract_receivables_data("rep", contract)

    assert len(data["plans"]) == 3
    assert len(three_plans.captured_queries) == len(one_plan.captured_queries) <= 12


def test_an_order_without_a_contract_is_invoiced_up_to_its_own_total(api, finance, customer):
    from tests.kuaicrm.cash.conftest import new_order

    order = new_order(customer)
    total = get_model("Sales Order").objects.get(name=order).grand_total
    rep, fin = api("rep"), api(finance)
    draft = message(call(rep, "kuaicrm.make_invoice_from_order", source_name=order))
    assert (draft["sales_order"], Decimal(draft["grand_total"])) == (order, total)
    for key in ("name", "__islocal"):
        draft.pop(key, None)

    over = rep.post("/api/resource/Invoice", {**draft, **SPECIAL, "grand_total": str(total + 1)})
    assert over.status_code == 417 and over.json()["errors"][0]["field"] == "grand_total"

    created = rep.post("/api/resource/Invoice", {**draft, **SPECIAL})
    assert created.status_code == 200, created.content.decode()
    name = created.json()["data"]["name"]
    message(
        call(
            fin,
            "kuaicrm.issue_invoice",
            invoice=name,
            invoice_no="04418888",
            invoice_date=draft["invoice_date"] or "2026-12-07",
        )
    )
    assert get_model("Sales Order").objects.get(name=order).invoiced_amount == total


def test_a_request_cannot_claim_to_be_issued(api, finance, contract):
    invoice = request_invoice(api("rep"), contract, 1000, status="Issued", invoice_no="1")

    assert stored(invoice["name"]).status == "Requested"
    assert get_model("Contract").objects.get(name=contract).invoiced_amount == Decimal("0")
