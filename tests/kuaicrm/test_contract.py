"""Contract (合同) end to end through the API: amounts, payment terms, template clauses, the
approval (manager → legal → finance unless under the admin's threshold), the signed scan
before 已签约, execution and delivered progress, reminders, 到期, renewal and termination."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kuaicrm.contracts import do_process_contracts
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.conftest import new_graded_customer
from tests.kuaicrm.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.workflow.helpers import (
    act,
    actions_of,
    attach_signed_scan,
    set_workflow_setting,
    state_after,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflows")]
C = "Contract"
PATH = "/api/resource/Contract"
USERS = ("rep", "rep2", "manager", "legal1", "legal2", "finance1", "finance2", "Administrator")


@pytest.fixture
def clients(api):
    """One client per user (a user's new API key replaces the previous one)."""
    return {name: api(name) for name in USERS}


@pytest.fixture
def customer(users):
    return new_graded_customer(
        "rep", {"customer_name": "常州恒远精密机械有限公司", "customer_level": "A"}
    ).name


@pytest.fixture
def products(site):
    for name, rate, cost in (("数控车床 CK6150", "158000", "118500"), ("调试服务", "10.05", "5")):
        do_insert_doc(
            "Administrator",
            "Product",
            {"product_name": name, "standard_rate": rate, "standard_cost": cost, "uom": "台"},
        )
    return ["数控车床 CK6150", "调试服务"]


def _data(response) -> dict:
    assert response.status_code == 200, response.content.decode()
    return response.json()["data"]


def _message(response):
    assert response.status_code == 200, response.content.decode()
    return response.json()["message"]


def _errors(response) -> dict[str, str]:
    assert response.status_code == 417, response.content.decode()
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def _new(client, customer: str, **values) -> dict:
    body = {"contract_title": "数控车床供货合同", "customer": customer, **values}
    return _data(client.post(PATH, body))


def _get(client, name: str) -> dict:
    return _data(client.get(f"{PATH}/{name}"))


def _approved(clients, name: str) -> None:
    """Through manager, legal (会签) and finance (或签, when it reviews) to Approved."""
    assert state_after(clients["rep"], C, name, "Submit") == "Manager Review"
    assert state_after(clients["manager"], C, name, "Approve") == "Legal Review"
    assert state_after(clients["legal1"], C, name, "Approve") == "Legal Review"
    state = state_after(clients["legal2"], C, name, "Approve")
    if state == "Finance Review":
        state = state_after(clients["finance1"], C, name, "Approve")
    assert state == "Approved"


def _signed(clients, name: str) -> None:
    _approved(clients, name)
    attach_signed_scan(clients["manager"], name)
    assert state_after(clients["manager"], C, name, "Sign") == "Signed"


# ---------------------------------------------------------------------- what it holds


def test_items_priced_taxed_and_written_in_words(clients, customer, products):
    # given: a list price with 5 % off, 13 % VAT, and a service at 9 %
    items = [
        {"product": "数控车床 CK6150", "qty": 2, "discount_percentage": 5},
        {"product": "调试服务", "qty": 3, "tax_rate": "9"},
    ]
    # when
    contract = _new(clients["rep"], customer, items=items, contract_type="Framework")
    # then: rate = 158000 - 7900; tax rounded per line half up; totals add the rounded lines
    lathe, service = contract["items"]
    assert (lathe["item_name"], lathe["uom"], lathe["price_list_rate"]) == (
        "数控车床 CK6150",
        "台",
        158000,
    )
    assert (lathe["discount_amount"], lathe["rate"], lathe["amount"]) == (7900, 150100, 300200)
    assert (lathe["tax_amount"], lathe["amount_with_tax"]) == (39026, 339226)
    assert (service["amount"], service["tax_amount"]) == (30.15, 2.71)
    assert contract["net_total"] == 300230.15
    assert contract["total_tax"] == 39028.71
    assert contract["grand_total"] == contract["amount"] == 339258.86
    assert contract["discount_total"] == 15800
    assert contract["in_words"] == "人民币叁拾叁万玖仟贰佰伍拾捌元捌角陆分"
    assert contract["name"].startswith(f"HT-{timezone.localdate().year}-")
    assert (contract["status"], contract["contract_type"]) == ("Draft", "Framework")
    assert contract["customer_name"] == "常州恒远精密机械有限公司"


def test_payment_terms_must_add_up_to_100_and_split_the_total(clients, customer):
    terms = [
        {"description": "预付款", "due_basis": "Date", "due_date": "2027-01-10", "percentage": 30},
        {
            "description": "验收款",
            "due_basis": "Milestone",
            "milestone": "验收合格",
            "percentage": 60,
        },
    ]
    refused = clients["rep"].post(
        PATH,
        {"contract_title": "分期合同", "customer": customer, "amount": 100000.01,
         "payment_terms": terms},
    )  # fmt: skip
    assert "100" in _errors(refused)["payment_terms"]
    assert not get_model(C).objects.exists()

    terms.append({"description": "质保金", "due_basis": "Date", "due_date": "2027-12-31",
                  "percentage": 10})  # fmt: skip
    contract = _new(clients["rep"], customer, amount=100000.01, payment_terms=terms)
    # the last installment takes the rounding rest, so the schedule adds up to the cent
    assert [t["amount"] for t in contract["payment_terms"]] == [30000, 60000.01, 10000]
    assert contract["in_words"] == "人民币壹拾万元零壹分"
    # a milestone line needs its milestone
    bare = [{"description": "尾款", "due_basis": "Milestone", "percentage": 100}]
    response = clients["rep"].put(f"{PATH}/{contract['name']}", {"payment_terms": bare})
    assert response.status_code == 417


def test_clauses_come_from_the_template_and_unknown_placeholders_are_refused(clients, customer):
    admin = clients["Administrator"]
    do_insert_doc(
        "Administrator",
        "Company",
        {"company_name": "苏州快格机床有限公司", "tax_id": "91320500MA1XXXXX0X", "is_default": 1},
    )
    # an unknown placeholder is refused when the template is saved, naming it
    bad = admin.post(
        "/api/resource/Contract Template",
        {"template_name": "坏模板", "clause_text": "甲方：{{ customer_nam }}"},
    )
    assert "customer_nam" in _errors(bad)["clause_text"]
    text = (
        "甲方：{{ customer_name }}\n乙方：{{ company_name }}\n"
        "合同金额：{{ grand_total }} 元（{{ in_words }}）\n"
        "{% for t in payment_terms %}{{ t.description }} {{ t.percentage }}% {{ t.amount }}\n{% endfor %}"
    )
    _data(admin.post("/api/resource/Contract Template",
                     {"template_name": "标准销售合同", "contract_type": "Sales", "clause_text": text}))  # fmt: skip

    contract = _new(
        clients["rep"],
        customer,
        amount=12345.6,
        contract_template="标准销售合同",
        payment_terms=[{"description": "全款", "due_date": "2027-01-10", "percentage": 100}],
    )

    assert contract["company"] == "苏州快格机床有限公司"  # the default company
    assert contract["terms"] == (
        "甲方：常州恒远精密机械有限公司\n乙方：苏州快格机床有限公司\n"
        "合同金额：12,345.60 元（人民币壹万贰仟叁佰肆拾伍元陆角整）\n全款 100% 12,345.60\n"
    )
    # the clauses follow the draft's edits
    updated = _data(clients["rep"].put(f"{PATH}/{contract['name']}", {"amount": 20000}))
    assert "20,000.00 元（人民币贰万元整）" in updated["terms"]


# ---------------------------------------------------------------------- approval


def test_finance_reviews_every_contract_by_default_and_is_skipped_under_the_threshold(
    clients, customer
):
    # without a threshold (the shipped setting is 0): manager → legal → finance
    small = _new(clients["rep"], customer, amount=1000)["name"]
    assert state_after(clients["rep"], C, small, "Submit") == "Manager Review"
    assert state_after(clients["manager"], C, small, "Approve") == "Legal Review"
    state_after(clients["legal1"], C, small, "Approve")
    assert state_after(clients["legal2"], C, small, "Approve") == "Finance Review"
    assert state_after(clients["finance2"], C, small, "Approve") == "Approved"
    assert _get(clients["rep"], small)["status"] == "Approved"

    # the administrator sets a threshold (data, no code): below it legal approves it outright
    set_workflow_setting("contract_finance_threshold", 50000)
    under = _new(clients["rep"], customer, amount=49999.99)["name"]
    over = _new(clients["rep"], customer, amount=50000)["name"]
    for name in (under, over):
        state_after(clients["rep"], C, name, "Submit")
        assert _get(clients["rep"], name)["status"] == "Pending Approval"
        state_after(clients["manager"], C, name, "Approve")
        state_after(clients["legal1"], C, name, "Approve")
    assert state_after(clients["legal2"], C, under, "Approve") == "Approved"
    assert state_after(clients["legal2"], C, over, "Approve") == "Finance Review"
    steps = get_model("Workflow Log").objects.filter(reference_name=under)
    assert not steps.filter(to_state="Finance Review").exists()


def test_a_cancelled_contract_releases_its_plan(clients, customer):
    terms = [{"description": "全款", "due_date": "2027-03-01", "percentage": 100}]
    name = _new(clients["rep"], customer, amount=80000, payment_terms=terms)["name"]
    _signed(clients, name)
    plan = _message(
        clients["rep"].post(
            "/api/method/kuaicrm.make_payment_plan", {"source_name": name, "insert": 1}
        )
    )
    assert state_after(clients["manager"], C, name, "Cancel", reason="客户撤单") == "Cancelled"
    rows = get_model("Payment Plan Installment").objects.filter(parent=plan["name"])
    assert set(rows.values_list("status", flat=True)) == {"Cancelled"}


def test_signing_needs_the_signed_scan(clients, customer):
    name = _new(clients["rep"], customer, amount=80000)["name"]
    _approved(clients, name)

    refused = act(clients["manager"], C, name, "Sign")
    assert (
        "Signed Scan" in _errors(refused)["signed_scan"]
        or "签字" in _errors(refused)["signed_scan"]
    )
    stored = get_model(C).objects.get(name=name)
    assert (stored.workflow_state, stored.docstatus) == ("Approved", 0)

    attach_signed_scan(clients["manager"], name)
    assert state_after(clients["manager"], C, name, "Sign") == "Signed"
    contract = _get(clients["rep"], name)
    assert (contract["docstatus"], contract["status"]) == (1, "Signed")
    assert contract["signed_scan"].startswith("/private/files/")


# ---------------------------------------------------------------------- after signing


def test_execution_termination_needs_a_reason_and_keeps_it(clients, customer):
    terms = [{"description": "全款", "due_date": "2027-03-01", "percentage": 100}]
    name = _new(clients["rep"], customer, amount=80000, payment_terms=terms)["name"]
    _signed(clients, name)
    assert "Start Execution" in actions_of(clients["rep"], C, name)
    assert state_after(clients["rep"], C, name, "Start Execution") == "In Execution"
    assert _get(clients["rep"], name)["status"] == "In Execution"

    made = clients["rep"].post(
        "/api/method/kuaicrm.make_payment_plan", {"source_name": name, "insert": 1}
    )
    assert made.status_code == 200, made.content.decode()
    plan_name = made.json()["message"]["name"]
    assert "reason" in _errors(act(clients["manager"], C, name, "Terminate"))
    assert (
        state_after(clients["manager"], C, name, "Terminate", reason="客户破产，双方协商解除")
        == "Terminated"
    )
    contract = _get(clients["rep"], name)
    assert (contract["status"], contract["docstatus"]) == ("Terminated", 1)
    assert contract["termination_reason"] == "客户破产，双方协商解除"
    assert contract["terminated_on"] == timezone.localdate().isoformat()
    assert actions_of(clients["manager"], C, name) == []
    plan = get_model("Payment Plan Installment").objects.filter(parent=plan_name)
    assert set(plan.values_list("status", flat=True)) == {"Cancelled"}
    # a terminated contract is not renewed
    renew = clients["rep"].post("/api/method/kuaicrm.renew_contract", {"contract": name})
    assert renew.status_code == 417


def test_the_daily_run_starts_reminds_once_and_expires_after_the_end_date(clients, customer):
    today = timezone.localdate()
    name = _new(
        clients["rep"],
        customer,
        amount=80000,
        start_date=(today - dt.timedelta(days=300)).isoformat(),
        end_date=(today + dt.timedelta(days=20)).isoformat(),
    )["name"]
    _signed(clients, name)
    Notification = get_model("Notification Log")
    reminders = Notification.objects.filter(for_user="rep", document_name=name)
    before = reminders.count()
    # expiry is not the user's to declare early: Expire is not offered before the end date
    # (its condition reads doc.end_date < today), and taking it anyway is refused
    assert "Expire" not in actions_of(clients["rep"], C, name)
    assert "Start Execution" in actions_of(clients["rep"], C, name)
    assert act(clients["rep"], C, name, "Expire").status_code == 403

    # when: the daily run (start date passed, 20 days left, within the default 30)
    assert do_process_contracts(today) == {"started": 1, "reminded": 1, "expired": 0}
    assert do_process_contracts(today) == {"started": 0, "reminded": 0, "expired": 0}

    # then
    assert _get(clients["rep"], name)["status"] == "In Execution"
    assert reminders.count() == before + 1
    assert "20" in reminders.latest("creation").subject

    # the end date passes: 到期, and the owner is reminded to renew
    after_end = today + dt.timedelta(days=21)
    assert do_process_contracts(after_end)["expired"] == 1
    contract = _get(clients["rep"], name)
    assert (contract["status"], contract["workflow_state"]) == ("Expired", "Expired")
    assert reminders.count() == before + 2
    log = get_model("Workflow Log").objects.get(reference_name=name, to_state="Expired")
    assert log.user == "rep"


def test_a_contract_past_its_end_date_offers_expire(clients, customer):
    today = timezone.localdate()
    name = _new(
        clients["rep"],
        customer,
        amount=80000,
        start_date=(today - dt.timedelta(days=300)).isoformat(),
        end_date=(today - dt.timedelta(days=1)).isoformat(),
    )["name"]
    _signed(clients, name)
    assert "Expire" in actions_of(clients["rep"], C, name)
    assert state_after(clients["rep"], C, name, "Expire") == "Expired"


def test_reminder_days_follow_the_company(clients, customer):
    do_insert_doc(
        "Administrator",
        "Company",
        {"company_name": "苏州快格机床有限公司", "is_default": 1, "contract_reminder_days": 10},
    )
    today = timezone.localdate()
    name = _new(clients["rep"], customer, amount=1000,
                end_date=(today + dt.timedelta(days=20)).isoformat())["name"]  # fmt: skip
    _signed(clients, name)
    assert do_process_contracts(today)["reminded"] == 0
    assert do_process_contracts(today + dt.timedelta(days=10))["reminded"] == 1


def test_renewal_makes_a_linked_draft_for_the_next_term(clients, customer, products):
    name = _new(
        clients["rep"],
        customer,
        start_date="2026-01-01",
        end_date="2026-12-31",
        items=[{"product": "数控车床 CK6150", "qty": 1}],
        payment_terms=[{"description": "全款", "due_date": "2026-02-01", "percentage": 100}],
    )["name"]
    # only a signed contract is renewed
    draft = clients["rep"].post("/api/method/kuaicrm.renew_contract", {"contract": name})
    assert draft.status_code == 417
    _signed(clients, name)

    response = clients["rep"].post("/api/method/kuaicrm.renew_contract", {"contract": name})

    assert response.status_code == 200, response.content.decode()
    renewal = response.json()["message"]
    assert renewal["renewed_from"] == name
    assert (renewal["docstatus"], renewal["status"], renewal["workflow_state"]) == (
        0,
        "Draft",
        "Draft",
    )
    assert (renewal["start_date"], renewal["end_date"]) == ("2027-01-01", "2027-12-31")
    assert renewal["payment_terms"][0]["due_date"] == "2027-02-01"
    assert [i["product"] for i in renewal["items"]] == ["数控车床 CK6150"]
    assert renewal["grand_total"] == _get(clients["rep"], name)["grand_total"]
    assert renewal["name"] != name
    # once is enough
    again = clients["rep"].post("/api/method/kuaicrm.renew_contract", {"contract": name})
    assert renewal["name"] in _errors(again)["contract"]


def test_orders_made_from_the_contract_deliver_against_it(clients, customer, products):
    name = _new(clients["rep"], customer, items=[{"product": "调试服务", "qty": 10}])["name"]
    # not before it is signed
    early = clients["rep"].post(
        "/api/method/kuaicrm.make_sales_order_from_contract", {"source_name": name}
    )
    assert early.status_code == 417
    _signed(clients, name)

    made = clients["rep"].post(
        "/api/method/kuaicrm.make_sales_order_from_contract", {"source_name": name, "insert": 1}
    )

    assert made.status_code == 200, made.content.decode()
    order = made.json()["message"]
    assert (order["contract"], order["customer"]) == (name, customer)
    assert [(i["product"], i["qty"], i["tax_rate"]) for i in order["items"]] == [
        ("调试服务", 10, "13")
    ]
    assert order["grand_total"] == _get(clients["rep"], name)["grand_total"] == 113.57
    assert state_after(clients["rep"], "Sales Order", order["name"], "Submit") == (
        "Manager Approval"
    )
    assert state_after(clients["manager"], "Sales Order", order["name"], "Approve") == "Approved"
    shipped = clients["rep"].post(
        "/api/method/kuaicrm.record_delivery",
        {"sales_order": order["name"], "item": "调试服务", "qty": 4},
    )
    assert shipped.status_code == 200, shipped.content.decode()
    # 4 of 10 shipped at 11.357 each with tax
    contract = _get(clients["rep"], name)
    assert Decimal(str(contract["delivered_amount"])) == Decimal("45.43")
    assert contract["items"][0]["delivered_qty"] == 4
    assert contract["outstanding_amount"] == contract["grand_total"]
