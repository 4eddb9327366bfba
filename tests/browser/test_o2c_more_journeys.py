"""More order-to-cash journeys in a real browser, at 390×844 and 1366×768: a sales order
shipped in two deliveries from its form (部分交付 → 已交付) and changed by cancel-and-amend
(修订: the -1 order goes through approval again); finance rejecting an invoice request with a
reason and reversing (红冲) an issued one; a signed contract renewed from its form (续签); a
quotation revised by cancel-and-amend, the earlier version kept. Data is made through the
actions layer; the browser does the rest."""

from __future__ import annotations

import datetime as dt

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow
from tests.browser import o2c_data as data
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, save, screenshot

pytestmark = pytest.mark.browser
SIZES = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


def viewport_shot(page, name: str) -> None:
    """What the screen shows right now (a dialog or a sheet over the page), not the whole page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def stored_doc(stored, doctype: str, name: str):
    return stored(lambda: get_model(doctype).objects.get(name=name))


def decide_with_reason(page, expect, label: str, reason: str, shot: str) -> None:
    """A workflow action that needs a reason: the decision sheet (no browser prompt)."""
    page.locator(".wf-action", has_text=label).click()
    sheet = page.get_by_role("dialog", name=label)
    expect(sheet).to_be_visible()
    box = sheet.get_by_role("textbox", name="原因")
    box.fill(reason)
    # the decision does not read like the button that closes the sheet
    ok, dismiss = sheet.locator(".ap-sheet-ok"), sheet.locator(".ap-sheet-cancel")
    expect(dismiss).to_have_text("取消")
    expect(ok).to_have_text("确定" if label == "取消" else label)
    viewport_shot(page, f"o2c-more-{shot}-sheet-{page.viewport_size['width']}")
    sheet.locator(".ap-sheet-ok").click()


def pill(page):
    return page.locator("h1 .pill")


# ------------------------------------------------------------------ 1. sales order


@pytest.fixture
def order(workflows):
    """The rep's approved order of an A-level customer: two machining centres, one line."""
    customer = data.customer()
    name = do_insert_doc(
        "rep",
        "Sales Order",
        {"customer": customer, "delivery_date": data.day(10),
         "items": [{"item_name": "立式加工中心", "qty": 2, "rate": 20000, "tax_rate": "13"}]},
    ).name  # fmt: skip
    do_apply_workflow("rep", "Sales Order", name, "Submit")
    do_apply_workflow("manager", "Sales Order", name, "Approve")
    context.reset()
    return name


def record_delivery(page, expect, qty: str, status: str) -> None:
    page.locator(".form-actions-bar .fa-open", has_text="登记发货").click()
    dialog = page.get_by_role("dialog", name="登记发货")
    expect(dialog).to_be_visible()
    dialog.get_by_label("产品").fill("立式加工中心")
    dialog.get_by_label("数量").fill(qty)
    viewport_shot(page, f"o2c-more-delivery-dialog-{qty}-{page.viewport_size['width']}")
    dialog.get_by_role("button", name="确定").click()
    expect(page.locator("#toast")).to_contain_text(f"已登记发货：{status}")
    expect(dialog).to_be_hidden()
    # the form is read again in place: wait for it before the next action
    expect(page.locator("#field-delivery_status")).to_contain_text(status)


@SIZES
def test_1_an_order_ships_in_two_deliveries_then_is_changed_by_cancel_and_amend(
    page_for, order, stored, expect, viewport
):
    width = viewport["width"]
    rep = page_for("rep", viewport)
    rep.goto(f"/app/sales-order/{order}")
    expect(pill(rep)).to_have_text("审批通过")

    # when: one of the two machines ships, then the other
    record_delivery(rep, expect, "1", "部分交付")
    saved = stored_doc(stored, "Sales Order", order)
    assert saved.delivery_status == "Partly Delivered"
    line = stored(lambda: get_model("Sales Order Delivery").objects.get(parent=order))
    assert (float(line.shipped_qty), line.status) == (1, "Partly Shipped")
    no_sideways_scroll(rep)
    screenshot(rep, f"o2c-more-order-partly-{width}")
    record_delivery(rep, expect, "1", "已交付")

    # then: delivered; nothing more to ship
    expect(rep.locator(".form-actions-bar .fa-open", has_text="登记发货")).to_have_count(0)
    saved = stored_doc(stored, "Sales Order", order)
    assert (saved.delivery_status, float(saved.delivered_amount)) == ("Delivered", 45200)
    screenshot(rep, f"o2c-more-order-delivered-{width}")

    # a change: the manager cancels with a reason, the rep makes the revision (修订)
    manager = page_for("manager", viewport)
    manager.goto(f"/app/sales-order/{order}")
    decide_with_reason(manager, expect, "取消", "客户增加数量", "order-cancel")
    expect(pill(manager)).to_have_text("已取消")
    rep.goto(f"/app/sales-order/{order}")
    expect(pill(rep)).to_have_text("已取消")
    amend = rep.locator("#amend-btn")
    expect(amend).to_have_text("修订")
    rep.once("dialog", lambda dialog: dialog.accept())
    amend.click()
    rep.wait_for_url(f"**/app/sales-order/{order}-1")
    expect(pill(rep)).to_have_text("草稿")
    amended = stored_doc(stored, "Sales Order", f"{order}-1")
    assert (amended.amended_from, amended.docstatus, amended.status) == (order, 0, "Draft")
    screenshot(rep, f"o2c-more-order-amended-{width}")

    # the amendment is approved again, from the start
    rep.locator(".wf-action", has_text="提交").click()
    expect(pill(rep)).to_have_text("销售主管审批")
    manager.goto(f"/app/sales-order/{order}-1")
    manager.locator('.wf-action[data-action="Approve"]').click()
    expect(pill(manager)).to_have_text("审批通过")
    # history kept: the cancelled order, its plan released
    original = stored_doc(stored, "Sales Order", order)
    assert (original.docstatus, original.status) == (2, "Cancelled")
    amended = stored_doc(stored, "Sales Order", f"{order}-1")
    assert (amended.docstatus, amended.status) == (1, "Approved")


# ------------------------------------------------------------------ 2. invoices


@pytest.fixture
def invoices(workflows):
    """Two requests against one signed contract: one still requested, one issued."""
    contract = data.contract(data.customer())
    requested = data.invoice_request(contract, 11300)
    issued = data.issued(data.invoice_request(contract, 22600))
    context.reset()
    return requested, issued


@SIZES
def test_2_finance_rejects_a_request_with_a_reason_and_reverses_an_issued_invoice(
    page_for, invoices, stored, expect, viewport
):
    requested, issued = invoices
    width = viewport["width"]
    finance = page_for("finance1", viewport)

    # a request rejected: the reason is asked for, and kept on the invoice
    finance.goto(f"/app/invoice/{requested}")
    expect(pill(finance)).to_have_text("已申请")
    decide_with_reason(finance, expect, "不通过", "纳税人识别号与开票资料不一致", "invoice-reject")
    expect(pill(finance)).to_have_text("已驳回")
    rejected = stored_doc(stored, "Invoice", requested)
    assert (rejected.status, rejected.rejection_reason) == (
        "Rejected",
        "纳税人识别号与开票资料不一致",
    )
    reason = finance.locator("#field-rejection_reason")
    expect(reason).to_contain_text("驳回原因")
    expect(reason).to_contain_text("纳税人识别号与开票资料不一致")
    no_sideways_scroll(finance)
    screenshot(finance, f"o2c-more-invoice-rejected-{width}")
    # the rep reads why on the request and may send it again
    rep = page_for("rep", viewport)
    rep.goto(f"/app/invoice/{requested}")
    expect(pill(rep)).to_have_text("已驳回")
    expect(rep.locator("#field-rejection_reason")).to_contain_text("纳税人识别号与开票资料不一致")
    expect(rep.locator(".wf-action", has_text="重新提交")).to_be_visible()
    screenshot(rep, f"o2c-more-invoice-rejected-rep-{width}")

    # an issued invoice reversed (红冲): a negative invoice reverses it
    finance.goto(f"/app/invoice/{issued}")
    expect(pill(finance)).to_have_text("已开具")
    decide_with_reason(finance, expect, "红冲", "购方名称开错", "invoice-reverse")
    expect(pill(finance)).to_have_text("已红冲")
    expect(finance.locator("#field-reversal_reason")).to_contain_text("购方名称开错")
    reversed_ = stored_doc(stored, "Invoice", issued)
    assert (reversed_.status, reversed_.reversal_reason) == ("Reversed", "购方名称开错")
    red = stored(lambda: get_model("Invoice").objects.get(reversal_of=issued))
    assert float(red.grand_total) == -22600
    screenshot(finance, f"o2c-more-invoice-reversed-{width}")


# ------------------------------------------------------------------ 3. contract renewal


@pytest.fixture
def signed_contract(workflows):
    name = data.contract(data.customer(), 120000)
    context.reset()
    return name


@SIZES
def test_3_a_signed_contract_is_renewed_from_its_form(
    page_for, signed_contract, stored, expect, viewport
):
    width = viewport["width"]
    rep = page_for("rep", viewport)
    rep.goto(f"/app/contract/{signed_contract}")
    renew = rep.locator(".form-actions-bar .fa-open", has_text="续签")
    expect(renew).to_be_visible()
    renew.click()
    dialog = rep.get_by_role("dialog", name="续签")
    expect(dialog).to_contain_text("创建")
    viewport_shot(rep, f"o2c-more-renew-dialog-{width}")
    dialog.get_by_role("button", name="确定").click()

    # then: the new term's draft, linked back, named by its title in the toast
    rep.wait_for_url(lambda url: "/app/contract/" in url and signed_contract not in url)
    renewal = rep.url.rsplit("/", 1)[-1]
    expect(rep.locator("#toast")).to_contain_text("已续签为 数控车床供货合同")
    expect(rep.locator("#toast")).not_to_contain_text(renewal)
    expect(pill(rep)).to_have_text("草稿")
    saved = stored_doc(stored, "Contract", renewal)
    original = stored_doc(stored, "Contract", signed_contract)
    assert (saved.renewed_from, saved.docstatus, float(saved.amount)) == (
        signed_contract,
        0,
        120000,
    )
    assert saved.start_date == original.end_date + dt.timedelta(days=1)
    no_sideways_scroll(rep)
    screenshot(rep, f"o2c-more-contract-renewed-{width}")
    # a second renewal of the same contract is refused in the dialog
    rep.goto(f"/app/contract/{signed_contract}")
    rep.locator(".form-actions-bar .fa-open", has_text="续签").click()
    dialog = rep.get_by_role("dialog", name="续签")
    dialog.get_by_role("button", name="确定").click()
    expect(dialog.locator(".fa-alert")).to_contain_text(renewal)
    viewport_shot(rep, f"o2c-more-renew-refused-{width}")
    assert (
        stored(lambda: get_model("Contract").objects.filter(renewed_from=signed_contract).count())
        == 1
    )


# ------------------------------------------------------------------ 4. quotation revision


@pytest.fixture
def approved_quotation(workflows):
    data.catalogue()
    name = data.quotation(data.customer(), discount=5)
    do_apply_workflow("rep", "Quotation", name, "Submit")  # within the thresholds: approved
    context.reset()
    return name


@SIZES
def test_4_a_quotation_revision_keeps_the_earlier_version(
    page_for, approved_quotation, stored, expect, viewport
):
    name = approved_quotation
    width = viewport["width"]
    rep = page_for("rep", viewport)
    rep.goto(f"/app/quotation/{name}")
    expect(pill(rep)).to_have_text("审批通过")

    # when: cancelled with a reason, then 修订
    decide_with_reason(rep, expect, "取消", "客户要求改配置", "quotation-cancel")
    expect(pill(rep)).to_have_text("已取消")
    rep.once("dialog", lambda dialog: dialog.accept())
    rep.locator("#amend-btn", has_text="修订").click()
    rep.wait_for_url(f"**/app/quotation/{name}-1")

    # then: the revision is a draft from the earlier version; that one is kept, cancelled
    expect(pill(rep)).to_have_text("草稿")
    revised = stored_doc(stored, "Quotation", f"{name}-1")
    earlier = stored_doc(stored, "Quotation", name)
    assert (revised.amended_from, revised.docstatus, revised.status) == (name, 0, "Draft")
    assert (earlier.docstatus, earlier.status) == (2, "Cancelled")
    assert float(revised.grand_total) == float(earlier.grand_total)
    no_sideways_scroll(rep)
    screenshot(rep, f"o2c-more-quotation-revised-{width}")

    # the revision's change: three lathes instead of two (a phone opens the form first)
    if width < 700:
        rep.click("#record-edit")
    qty = rep.locator("input[name='items.0.qty']")
    expect(qty).to_be_visible()
    qty.fill("3")
    save(rep)
    # 158000 − 5 % = 150100 × 3, computed on the server
    if width < 700:
        expect(rep.locator("#record-summary")).to_be_visible()
        rep.click("#record-edit")
    expect(rep.locator("input[name='items.0.amount']")).to_have_value("450300")
    revised = stored_doc(stored, "Quotation", f"{name}-1")
    assert float(revised.grand_total) > float(earlier.grand_total)
    # and it goes through approval again (within the thresholds: approved on submit)
    rep.locator(".wf-action", has_text="提交").click()
    expect(pill(rep)).to_have_text("审批通过")
    assert stored_doc(stored, "Quotation", f"{name}-1").docstatus == 1
    screenshot(rep, f"o2c-more-quotation-revision-approved-{width}")
    # the earlier version still opens, read only, cancelled
    rep.goto(f"/app/quotation/{name}")
    expect(pill(rep)).to_have_text("已取消")
    expect(rep.locator("#save-btn")).to_have_count(0)
