"""Quotation (报价单) through the API: pricing and rounding, approval by thresholds (会签),
outcomes on the opportunity, revisions, expiry and the Opportunity → Quotation mapping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from kuaicrm.doctype.quotation.quotation import expire_quotations
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.kuaicrm.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.workflow.helpers import act, actions_of

# The loaded workflow fixtures (and their approvers) for every test.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflows")]
QTN = "Quotation"
PATH = "/api/resource/Quotation"


@pytest.fixture
def catalogue(site):
    """Three products with list prices and standard costs (made by the administrator)."""
    for name, rate, cost, group in (
        ("数控车床 CK6150", "158000", "118500", "CNC Machine Tools"),
        ("备件包 SP-01", "1288.85", "700", "Spare Parts"),
        ("调试服务", "10.05", "5", "Services"),
    ):
        do_insert_doc(
            "Administrator",
            "Product",
            {
                "product_name": name,
                "standard_rate": rate,
                "standard_cost": cost,
                "product_group": group,
            },
        )
    return ["数控车床 CK6150", "备件包 SP-01", "调试服务"]


@pytest.fixture
def customer(users):
    return do_insert_doc("rep", "Customer", {"customer_name": "常州恒远精密机械有限公司"}).name


def _data(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()["data"]


def _in_days(days: int) -> str:
    """A date ``days`` from the site's today (a quotation past its validity is not approved)."""
    return str(timezone.localdate() + dt.timedelta(days))


def _create(client, customer: str, items: list[dict], **values) -> dict:
    body = {"customer": customer, "valid_till": _in_days(30), "items": items, **values}
    return _data(client.post(PATH, body))


def _get(client, name: str) -> dict:
    return _data(client.get(f"{PATH}/{name}"))


def _act(client, name: str, action: str, **extra) -> dict:
    response = act(client, QTN, name, action, **extra)
    assert response.status_code == 200, response.content
    return response.json()["message"]


def _lathe(discount: float = 5) -> list[dict]:
    return [{"product": "数控车床 CK6150", "qty": 2, "discount_percentage": discount}]


def _set_threshold(api, setting: str, value: float) -> None:
    response = api("Administrator").put(
        f"/api/resource/Workflow Setting/{setting}", {"value": value}
    )
    assert response.status_code == 200, response.content


# ---------------------------------------------------------------------- pricing
def test_lines_and_totals_are_rounded_per_line_and_summed(api, catalogue, customer):
    # given four lines worked by hand (ROUND_HALF_UP to the cent, per line)
    doc = _create(
        api("rep"),
        customer,
        [
            # 158000 × 5% = 7900 off → 150100 × 2 = 300200; 13% VAT 39026
            {"product": "数控车床 CK6150", "qty": 2, "discount_percentage": 5},
            # 1288.85 × 10% = 128.885 → 128.89 off (half up) → 1159.96 × 3 = 3479.88;
            # 9% VAT 313.1892 → 313.19
            {"product": "备件包 SP-01", "qty": 3, "discount_percentage": 10, "tax_rate": "9"},
            # 10.05 at 13%: 1.3065 → 1.31 on each line, 2.62 together (not 20.10 × 13% = 2.61)
            {"product": "调试服务", "qty": 1},
            {"product": "调试服务", "qty": 1},
        ],
    )
    lines = [
        (r["item_name"], r["price_list_rate"], r["discount_amount"], r["rate"], r["amount"],
         r["tax_amount"], r["amount_with_tax"])
        for r in doc["items"]
    ]  # fmt: skip
    assert lines == [
        ("数控车床 CK6150", 158000.0, 7900.0, 150100.0, 300200.0, 39026.0, 339226.0),
        ("备件包 SP-01", 1288.85, 128.89, 1159.96, 3479.88, 313.19, 3793.07),
        ("调试服务", 10.05, 0.0, 10.05, 10.05, 1.31, 11.36),
        ("调试服务", 10.05, 0.0, 10.05, 10.05, 1.31, 11.36),
    ]
    assert doc["total_qty"] == 7
    assert doc["net_total"] == 303699.98
    assert doc["total_tax"] == 39341.81  # 39026 + 313.19 + 1.31 + 1.31
    assert doc["grand_total"] == 343041.79
    assert doc["discount_total"] == 16186.67  # 2 × 7900 + 3 × 128.89
    assert doc["in_words"] == "人民币叁拾肆万叁仟零肆拾壹元柒角玖分"
    assert doc["max_discount_percentage"] == 10.0  # 128.89 / 1288.85 = 10.0004 %
    assert doc["status"] == "Draft"
    assert doc["name"].startswith(f"QTN-{timezone.localdate().year}-")
    stored = get_model(QTN).objects.get(name=doc["name"])
    # cost 2 × 118500 + 3 × 700 + 5 + 5 = 239110: (303699.98 − 239110) / 303699.98 = 21.2677 %
    assert stored.margin_percentage == Decimal("21.27")
    assert isinstance(stored.grand_total, Decimal)


def test_margin_and_cost_are_hidden_from_sales_users(api, catalogue, customer):
    doc = _create(api("rep"), customer, _lathe())
    assert "margin_percentage" not in doc
    assert "margin_percentage" in _get(api("manager"), doc["name"])
    product = _data(api("rep").get("/api/resource/Product/数控车床 CK6150"))
    assert "standard_cost" not in product
    assert (
        _data(api("manager").get("/api/resource/Product/数控车床 CK6150"))["standard_cost"]
        == 118500
    )


def test_a_percentage_discount_wins_over_an_amount(api, catalogue, customer):
    doc = _create(
        api("rep"),
        customer,
        [{"product": "数控车床 CK6150", "qty": 1, "discount_percentage": 2, "discount_amount": 9}],
    )
    assert (doc["items"][0]["discount_amount"], doc["items"][0]["rate"]) == (3160.0, 154840.0)
    # an amount alone is used as given, and counted in the maximum discount
    doc = _create(
        api("rep"), customer, [{"product": "数控车床 CK6150", "qty": 1, "discount_amount": 15800}]
    )
    assert (doc["items"][0]["rate"], doc["max_discount_percentage"]) == (142200.0, 10.0)


def test_a_discount_above_the_list_price_is_refused_on_its_field(api, catalogue, customer):
    response = api("rep").post(
        PATH,
        {
            "customer": customer,
            "valid_till": _in_days(30),
            "items": [
                {"product": "调试服务", "qty": 1, "discount_amount": 11},
                {"product": "调试服务", "qty": 1, "discount_percentage": 101},
            ],
        },
    )
    assert response.status_code == 417, response.content
    errors = {(e["field"], e.get("row")): e["message"] for e in response.json()["errors"]}
    assert "折扣额" in errors[("discount_amount", 1)] and "标价" in errors[("discount_amount", 1)]
    assert "100" in errors[("discount_percentage", 2)]
    assert not get_model(QTN).objects.exists()


# ---------------------------------------------------------------------- approval
def test_under_the_thresholds_submit_approves_at_once(api, catalogue, customer):
    # 5% discount (≤ 10) and 21.05% margin (≥ 20)
    name = _create(api("rep"), customer, _lathe(5))["name"]
    assert _act(api("rep"), name, "Submit")["workflow_state"] == "Approved"
    assert get_model(QTN).objects.get(name=name).docstatus == 1
    assert not get_model("Workflow Action").objects.filter(reference_name=name).exists()


def test_over_the_discount_threshold_the_manager_and_finance_countersign(api, catalogue, customer):
    name = _create(api("rep"), customer, _lathe(15))["name"]
    assert _act(api("rep"), name, "Submit")["workflow_state"] == "Pending Approval"
    # the rep's own manager and every finance reviewer; not the other region's manager,
    # who cannot read the rep's quotation
    open_to = set(
        get_model("Workflow Action")
        .objects.filter(reference_name=name, status="Open")
        .values_list("user", flat=True)
    )
    assert open_to == {"manager", "finance1", "finance2"}
    assert "Approve" not in actions_of(api("rep"), QTN, name)
    # two slots, 销售经理 and 财务 (seed 003): any one finance reviewer speaks for finance
    assert _act(api("finance1"), name, "Approve")["workflow_state"] == "Pending Approval"
    assert "Approve" not in actions_of(api("finance2"), QTN, name)
    assert get_model(QTN).objects.get(name=name).docstatus == 0
    assert _act(api("manager"), name, "Approve")["workflow_state"] == "Approved"
    assert get_model(QTN).objects.get(name=name).docstatus == 1


def test_one_rejection_with_its_reason_sends_it_back(api, catalogue, customer):
    name = _create(api("rep"), customer, _lathe(15))["name"]
    _act(api("rep"), name, "Submit")
    _act(api("manager"), name, "Approve")
    refused = act(api("finance1"), QTN, name, "Reject")
    assert refused.status_code == 417, refused.content
    assert (
        _act(api("finance1"), name, "Reject", reason="折扣过大，毛利不足")["workflow_state"]
        == "Draft"
    )
    log = get_model("Workflow Log").objects.filter(reference_name=name, action="Reject").get()
    assert (log.user, log.reason) == ("finance1", "折扣过大，毛利不足")
    assert (
        not get_model("Workflow Action").objects.filter(reference_name=name, status="Open").exists()
    )
    # back in Draft the rep revises and resubmits
    _data(api("rep").put(f"{PATH}/{name}", {"items": _lathe(5)}))
    assert _act(api("rep"), name, "Submit")["workflow_state"] == "Approved"


def test_an_unknown_margin_needs_approval(api, catalogue, customer):
    do_insert_doc("Administrator", "Product", {"product_name": "无成本样机", "standard_rate": 5000})
    name = _create(api("rep"), customer, [{"product": "无成本样机", "qty": 1}])["name"]
    assert _act(api("rep"), name, "Submit")["workflow_state"] == "Pending Approval"


def test_thresholds_changed_by_the_admin_apply_to_the_next_submit(api, catalogue, customer):
    # given a draft saved while 15% needed approval
    generous = _create(api("rep"), customer, _lathe(15))["name"]
    margin_21 = _create(api("rep"), customer, _lathe(5))["name"]
    # when the administrator allows 20% and asks for a 25% margin (no code, no re-save)
    _set_threshold(api, "quotation_max_discount", 20)
    _set_threshold(api, "quotation_min_margin", 10)
    assert (
        _act(api("rep"), generous, "Submit")["workflow_state"] == "Approved"
    )  # 15% ≤ 20, 10.3% ≥ 10
    _set_threshold(api, "quotation_min_margin", 25)
    assert _act(api("rep"), margin_21, "Submit")["workflow_state"] == "Pending Approval"
    # and a sales user may not change them
    response = api("rep").put(
        "/api/resource/Workflow Setting/quotation_max_discount", {"value": 90}
    )
    assert response.status_code in (403, 404), response.content


def test_nothing_changes_while_the_approval_is_open(api, catalogue, customer):
    name = _create(api("rep"), customer, _lathe(15))["name"]
    _act(api("rep"), name, "Submit")
    before = _get(api("rep"), name)
    for user, change in (
        ("rep", {"items": _lathe(5)}),
        ("manager", {"items": [{"product": "调试服务", "qty": 1}]}),
        ("rep", {"valid_till": "2027-06-30"}),
    ):
        response = api(user).put(f"{PATH}/{name}", change)
        assert response.status_code in (403, 417), response.content
    after = _get(api("rep"), name)
    assert (after["grand_total"], after["max_discount_percentage"], after["modified"]) == (
        before["grand_total"],
        before["max_discount_percentage"],
        before["modified"],
    )
    # nor can anyone submit it past the approval
    response = api("manager").post(
        "/api/method/frappe.client.submit", {"doc": {"doctype": QTN, "name": name}}
    )
    assert response.status_code != 200
    assert get_model(QTN).objects.get(name=name).status == "Pending Approval"


# ---------------------------------------------------------------------- after approval
@pytest.fixture
def opportunity(api, catalogue, customer):
    response = api("rep").post(
        "/api/resource/Opportunity",
        {
            "opportunity_name": "恒远二期数控改造",
            "customer": customer,
            "expected_close_date": "2027-03-31",
            "items": [
                {"product": "数控车床 CK6150", "qty": 2, "rate": 150100},
                {"product": "调试服务", "qty": 3},
            ],
        },
    )
    return _data(response)["name"]


def _quotation_of(api, opportunity: str) -> str:
    response = api("rep").post(
        "/api/method/kuaicrm.make_quotation", {"source_name": opportunity, "insert": 1}
    )
    assert response.status_code == 200, response.content
    return response.json()["message"]["name"]


def test_a_quotation_is_made_from_an_opportunity_with_its_products(api, opportunity, customer):
    response = api("rep").post(
        "/api/method/kuaicrm.make_quotation", {"source_name": opportunity, "insert": 1}
    )
    assert response.status_code == 200, response.content
    doc = response.json()["message"]
    assert (doc["customer"], doc["opportunity"], doc["sales_owner"]) == (
        customer,
        opportunity,
        "rep",
    )
    # the opportunity's 150100 against the 158000 list price is a 7900 discount
    rows = [(r["product"], r["qty"], r["price_list_rate"], r["discount_amount"], r["amount"])
            for r in doc["items"]]  # fmt: skip
    assert rows == [
        ("数控车床 CK6150", 2, 158000.0, 7900.0, 300200.0),
        ("调试服务", 3, 10.05, 0.0, 30.15),
    ]
    assert doc["valid_till"] == str(dt.date.fromisoformat(doc["quotation_date"]) + dt.timedelta(30))


def test_the_customer_360_lists_its_quotations(api, opportunity, customer):
    name = _quotation_of(api, opportunity)
    response = api("rep").get("/api/method/kuaicrm.customer_360", {"customer": customer})
    assert response.status_code == 200, response.content
    quotes = response.json()["message"]["quotes"]["rows"]
    assert name in str(quotes)


def test_accepting_wins_the_opportunity(api, opportunity):
    name = _quotation_of(api, opportunity)
    _act(api("rep"), name, "Submit")
    assert _act(api("rep"), name, "Send")["workflow_state"] == "Sent"
    assert _act(api("rep"), name, "Accept")["workflow_state"] == "Accepted"
    opp = _data(api("rep").get(f"/api/resource/Opportunity/{opportunity}"))
    won = get_model("Opportunity Stage").objects.get(name=opp["stage"])
    assert (opp["status"], won.stage_type, opp["probability"]) == ("Won", "Won", 100)
    assert name in opp["stage_history"][-1]["reason"]


def test_lost_loses_the_opportunity_once_no_other_quotation_is_open(api, opportunity):
    first, second = _quotation_of(api, opportunity), _quotation_of(api, opportunity)
    for name in (first, second):
        _act(api("rep"), name, "Submit")
    refused = act(api("rep"), QTN, first, "Mark Lost")
    assert refused.status_code == 417, refused.content
    _data(api("rep").put(f"{PATH}/{first}", {"lost_reason": "Price"}))
    assert (
        _act(api("rep"), first, "Mark Lost", reason="客户选了低价方案")["workflow_state"] == "Lost"
    )
    assert _get(api("rep"), first)["lost_details"] == "客户选了低价方案"
    # the second quotation is still open: the deal is not lost yet
    assert _data(api("rep").get(f"/api/resource/Opportunity/{opportunity}"))["status"] == "Open"
    _data(api("rep").put(f"{PATH}/{second}", {"lost_reason": "Competitor"}))
    _act(api("rep"), second, "Mark Lost", reason="竞品交期更短")
    opp = _data(api("rep").get(f"/api/resource/Opportunity/{opportunity}"))
    assert (opp["status"], opp["lost_reason"], opp["lost_details"]) == (
        "Lost",
        "Competitor",
        "竞品交期更短",
    )


def test_a_revision_is_cancel_and_amend_and_keeps_the_earlier_version(api, opportunity):
    original = _quotation_of(api, opportunity)
    _act(api("rep"), original, "Submit")
    assert (
        _act(api("rep"), original, "Cancel", reason="客户要求改配置")["workflow_state"]
        == "Cancelled"
    )
    response = api("rep").post("/api/method/lowcode.amend_doc", {"doctype": QTN, "name": original})
    assert response.status_code == 200, response.content
    first = response.json()["message"]["name"]
    assert first == f"{original}-1"
    revised = _get(api("rep"), first)
    assert (revised["status"], revised["amended_from"], revised["opportunity"]) == (
        "Draft",
        original,
        opportunity,
    )
    _act(api("rep"), first, "Submit")
    _act(api("rep"), first, "Cancel", reason="再次调整数量")
    second = api("rep").post("/api/method/lowcode.amend_doc", {"doctype": QTN, "name": first})
    assert second.json()["message"]["name"] == f"{original}-2"
    # the earlier versions stay readable, cancelled
    assert (_get(api("rep"), original)["docstatus"], _get(api("rep"), first)["docstatus"]) == (
        2,
        2,
    )
    # cancelling for a revision does not lose the deal
    assert _data(api("rep").get(f"/api/resource/Opportunity/{opportunity}"))["status"] == "Open"


def test_quotations_past_their_validity_expire_daily(api, catalogue, customer):
    today = timezone.localdate()
    soon = _create(api("rep"), customer, _lathe(), valid_till=str(today + dt.timedelta(1)))
    later = _create(api("rep"), customer, _lathe(), valid_till=str(today + dt.timedelta(30)))
    for doc in (soon, later):
        _act(api("rep"), doc["name"], "Submit")
    _act(api("rep"), later["name"], "Send")
    assert expire_quotations(today=today + dt.timedelta(1)) == 0  # valid through its last day
    assert expire_quotations(today=today + dt.timedelta(2)) == 1
    assert _get(api("rep"), soon["name"])["status"] == "Expired"
    assert _get(api("rep"), later["name"])["status"] == "Sent"
    assert expire_quotations(today=today + dt.timedelta(31)) == 1
    assert _get(api("rep"), later["name"])["status"] == "Expired"


def test_a_quotation_past_its_validity_is_not_approved(api, catalogue, customer):
    name = _create(
        api("rep"), customer, _lathe(), quotation_date="2026-11-01", valid_till="2026-11-30"
    )["name"]
    response = act(api("rep"), QTN, name, "Submit")
    assert response.status_code == 417, response.content
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("valid_till", "expired")
    assert "有效期至 2026-11-30 已过" in error["message"]
    assert get_model(QTN).objects.get(name=name).status == "Draft"


def test_the_opportunity_quoted_must_be_the_customers(api, opportunity):
    other = do_insert_doc("rep", "Customer", {"customer_name": "苏州精工机械有限公司"}).name
    response = api("rep").post(
        PATH,
        {
            "customer": other,
            "opportunity": opportunity,
            "valid_till": _in_days(30),
            "items": _lathe(),
        },
    )
    assert response.status_code == 417, response.content
    [error] = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("opportunity", "customer")
    assert f"商机 {opportunity} 属于其他客户" in error["message"]


def test_the_rep_may_withdraw_a_pending_quotation_to_revise_it(api, catalogue, customer):
    name = _create(api("rep"), customer, _lathe(15))["name"]
    _act(api("rep"), name, "Submit")
    _act(api("manager"), name, "Approve")
    assert _act(api("rep"), name, "Withdraw")["workflow_state"] == "Draft"
    # the round's remaining approvals are closed; a new submit starts a new round
    assert (
        not get_model("Workflow Action").objects.filter(reference_name=name, status="Open").exists()
    )
    _data(api("rep").put(f"{PATH}/{name}", {"items": _lathe(5)}))
    assert _act(api("rep"), name, "Submit")["workflow_state"] == "Approved"


def test_a_cost_raised_after_the_last_save_cannot_skip_the_approval(api, catalogue, customer):
    # saved at a 21.05% margin, which needs no approval
    name = _create(api("rep"), customer, _lathe(5))["name"]
    # the cost is raised before the rep submits: the margin is now 5.4%
    response = api("sysman").put("/api/resource/Product/数控车床 CK6150", {"standard_cost": 142000})
    assert response.status_code == 200, response.content
    refused = act(api("rep"), QTN, name, "Submit")
    assert refused.status_code == 417, refused.content
    assert refused.json()["errors"][0]["rule"] == "needs_approval"
    assert get_model(QTN).objects.get(name=name).status == "Draft"
    # saved again, the margin is current and the submit goes to approval
    _data(api("rep").put(f"{PATH}/{name}", {"terms": "货到付款"}))
    assert _act(api("rep"), name, "Submit")["workflow_state"] == "Pending Approval"
