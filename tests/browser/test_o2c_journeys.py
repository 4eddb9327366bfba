"""Order-to-cash journeys in a real browser, the approvers on 390×844 phones: a quotation made
from an opportunity with a discount over the threshold, countersigned (会签) by the sales
manager and finance; the contract's manager → legal (会签) → finance path and its signing with
the signed scan uploaded; finance recording a payment against a plan's installments (an
over-allocation refused on its row); an invoice request issued; the quotation's print preview
and PDF; the home page's overdue receivables and attainment. Data is made through the actions
layer; the browser does the rest."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.storage.factory import get_model
from tests.browser import o2c_data as data
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, save, screenshot

pytestmark = pytest.mark.browser


def viewport_shot(page, name: str) -> None:
    """What the screen shows right now, not the whole page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def stored_doc(stored, doctype: str, name: str):
    return stored(lambda: get_model(doctype).objects.get(name=name))


def open_from_inbox(page, expect, name: str, progress: str | None = None) -> None:
    """The approver's path: the approvals inbox (showing a 会签's progress), then the document."""
    page.goto("/app/approvals")
    item = page.locator(f".rows li a[href$='/{name}']")
    expect(item).to_be_visible()
    if progress:
        expect(item.locator(".wf-inbox-progress")).to_have_text(progress)
    viewport_shot(page, f"o2c-inbox-{page.viewport_size['width']}")
    item.click()
    page.wait_for_url(f"**/{name}")


# ------------------------------------------------------------------ a. quotation, 会签 on phones


@pytest.fixture
def opportunity(workflows):
    data.catalogue()
    name = data.opportunity(data.customer())
    context.reset()
    return name


def test_a_discounted_quotation_is_countersigned_on_phones(page_for, opportunity, stored, expect):
    # given: the rep makes the quotation from the opportunity (the mapping form action)
    rep = page_for("rep", DESKTOP)
    rep.goto(f"/app/opportunity/{opportunity}")
    rep.locator(".form-actions-bar a", has_text="生成报价单").click()
    rep.wait_for_url("**/app/quotation/new?**")
    rows = rep.locator("fieldset[data-table='items'] tbody .grid-row")
    expect(rows).to_have_count(1)
    # a 15 % discount: over the 10 % the admin allows without approval
    rep.fill("input[name='items.0.discount_percentage']", "15")
    rep.click("#save-btn")
    rep.wait_for_url("**/app/quotation/QTN-*")
    name = rep.url.rsplit("/", 1)[-1]
    # 158000 − 15 % = 134300 × 2 = 268600, computed on the server
    expect(rep.locator("input[name='items.0.amount']")).to_have_value("268600")
    no_sideways_scroll(rep)
    screenshot(rep, "o2c-a-quotation-saved-1366")
    rep.locator(".wf-action", has_text="提交").click()
    expect(rep.locator("h1 .pill")).to_have_text("待审批")

    # when: the sales manager decides on a phone, from the approvals inbox
    manager = page_for("manager", PHONE)
    open_from_inbox(manager, expect, name)
    progress = manager.get_by_test_id("approval-progress")
    expect(progress).to_contain_text("会签 0/")
    # beside the buttons: why it needs approval (the discount, the margin) and the total
    figures = manager.get_by_test_id("approval-figures")
    expect(figures.locator("[data-field=max_discount_percentage] dd")).to_have_text("15%")
    expect(figures.locator("[data-field=grand_total] dd")).to_have_text("303,518.00")
    no_sideways_scroll(manager)
    viewport_shot(manager, "o2c-a-quotation-manager-390")
    manager.locator('.wf-action[data-action="Approve"]').click()
    expect(progress).to_contain_text("会签 1/")
    assert stored_doc(stored, "Quotation", name).status == "Pending Approval"

    # then: finance agrees (one slot for 财务: any finance user fills it), and it is approved
    finance = page_for("finance1", PHONE)
    open_from_inbox(finance, expect, name, progress="会签 1/2")
    expect(finance.get_by_test_id("approval-progress")).to_contain_text("等待 财务专员")
    # the negative decision does not look like the positive one
    reject = finance.locator('.wf-action[data-action="Reject"]')
    assert "btn-primary" not in reject.get_attribute("class")
    viewport_shot(finance, "o2c-a-quotation-finance1-390")
    finance.locator('.wf-action[data-action="Approve"]').click()
    expect(finance.locator("h1 .pill")).to_have_text("审批通过")
    # the other finance user's action went with the filled slot: gone from their inbox
    finance2 = page_for("finance2", PHONE)
    finance2.goto("/app/approvals")
    expect(finance2.locator(f".rows li a[href$='/{name}']")).to_have_count(0)
    quotation = stored_doc(stored, "Quotation", name)
    assert (quotation.status, quotation.docstatus) == ("Approved", 1)
    screenshot(finance, "o2c-a-quotation-approved-390")


# ------------------------------------------------------------------ b. the contract on phones

SIGNED_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def draft_contract(workflows):
    name = data.contract(data.customer(), 80000, signed=False)
    context.reset()
    return name


def approve_on_phone(page_for, expect, user: str, name: str, progress: str | None = None):
    page = page_for(user, PHONE)
    open_from_inbox(page, expect, name, progress=progress)
    no_sideways_scroll(page)
    if progress:
        expect(page.get_by_test_id("approval-progress")).to_contain_text(progress)
    viewport_shot(page, f"o2c-b-contract-{user}-390")
    page.locator('.wf-action[data-action="Approve"]').click()
    return page


def test_b_contract_manager_legal_finance_then_signed_with_the_scan(
    page_for, draft_contract, stored, expect, tmp_path
):
    name = draft_contract
    rep = page_for("rep", PHONE)
    rep.goto(f"/app/contract/{name}")
    rep.locator('.wf-action[data-action="Submit"]').click()
    expect(rep.locator("h1 .pill")).to_have_text("销售主管审批")

    manager = approve_on_phone(page_for, expect, "manager", name)
    expect(manager.locator("h1 .pill")).to_have_text("法务审核")
    # legal countersigns: both legal reviewers, the progress shown to each
    legal1 = approve_on_phone(page_for, expect, "legal1", name, progress="会签 0/2")
    expect(legal1.get_by_test_id("approval-progress")).to_contain_text("会签 1/2")
    legal2 = approve_on_phone(page_for, expect, "legal2", name, progress="会签 1/2")
    expect(legal2.locator("h1 .pill")).to_have_text("财务审核")
    finance = approve_on_phone(page_for, expect, "finance1", name)
    expect(finance.locator("h1 .pill")).to_have_text("审批通过")

    # the rep attaches the signed scan on the phone; the manager signs
    rep.reload()
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(SIGNED_PDF)
    # the picker speaks the desk's language, not the browser's ("Choose File")
    expect(rep.locator("#field-signed_scan .upload-pick")).to_contain_text("选择文件")
    rep.set_input_files("#in-signed_scan", str(scan))
    expect(rep.locator("#field-signed_scan .upload-link")).to_be_visible()
    save(rep)
    expect(rep.locator("#field-signed_scan .upload-link")).to_contain_text("signed")
    no_sideways_scroll(rep)
    rep.locator("#field-signed_scan").scroll_into_view_if_needed()
    viewport_shot(rep, "o2c-b-contract-scan-390")
    manager.reload()
    manager.locator('.wf-action[data-action="Sign"]').click()
    expect(manager.locator("h1 .pill")).to_have_text("已签署")
    contract = stored_doc(stored, "Contract", name)
    assert (contract.docstatus, contract.status) == (1, "Signed")
    assert contract.signed_scan.startswith("/private/files/")
    screenshot(manager, "o2c-b-contract-signed-390")


# ------------------------------------------------------------------ c. 回款 on a phone


@pytest.fixture
def plan(workflows):
    customer = data.customer()
    name = data.payment_plan(data.contract(customer))["name"]
    context.reset()
    return name


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_c_finance_records_a_payment_against_installments(page_for, plan, stored, expect, viewport):
    # given: a plan of 30 000 (due 40 days ago) and 70 000
    finance = page_for("finance1", viewport)
    width = viewport["width"]
    finance.goto(f"/app/payment-plan/{plan}")
    finance.locator(".form-actions-bar a", has_text="登记回款").click()
    finance.wait_for_url("**/app/payment-receipt/new?**")
    rows = finance.locator("fieldset[data-table='allocations'] tbody .grid-row")
    expect(rows).to_have_count(2)
    expect(finance.locator("input[name='allocations.0.payment_plan']")).to_have_value(plan)
    expect(finance.locator("#in-amount")).to_have_value("100000")

    # when: 40 000 arrives; finance puts 10 000 too much on the first installment
    finance.fill("#in-amount", "40000")
    finance.fill("input[name='allocations.0.allocated_amount']", "40000")
    finance.locator(".grid-remove").nth(1).click()
    expect(rows).to_have_count(1)
    finance.fill("#in-reference_no", "CMB20261207001")
    no_sideways_scroll(finance)
    finance.click("#save-btn")

    # then: the message sits on that row and names the installment and what is left
    bad_row = finance.locator("fieldset[data-table='allocations'] tbody .grid-row.has-error")
    expect(bad_row).to_have_count(1)
    expect(bad_row.locator("td.has-error input")).to_have_attribute(
        "name", "allocations.0.allocated_amount"
    )
    message = finance.locator("fieldset[data-table='allocations'] .grid-row-error")
    expect(message).to_contain_text("第 1 行")
    expect(message).to_contain_text("未回款余额为 30000")
    # said once, and the amount's box is red (the .field input rule used to win over it)
    expect(finance.locator("#field-allocations > .field-error")).to_have_class(
        "field-error sr-only"
    )
    border = bad_row.locator("td.has-error input").evaluate(
        "e => getComputedStyle(e).borderTopColor"
    )
    assert border == "rgb(185, 28, 28)", border
    # the receipt's own allocated total is not blamed
    expect(finance.locator("#field-allocated_amount.has-error")).to_have_count(0)
    viewport_shot(finance, f"o2c-c-receipt-over-allocated-{width}")
    finance.locator(
        "fieldset[data-table='allocations'] tbody .grid-row"
    ).first.scroll_into_view_if_needed()
    viewport_shot(finance, f"o2c-c-receipt-over-allocated-row-{width}")

    # fixed to 30 000 (10 000 left unallocated), saved and submitted
    finance.fill("input[name='allocations.0.allocated_amount']", "30000")
    finance.click("#save-btn")
    finance.wait_for_url("**/app/payment-receipt/HK-*")
    receipt = finance.url.rsplit("/", 1)[-1]
    finance.once("dialog", lambda dialog: dialog.accept())
    finance.locator(".form-head button", has_text="提交").click()
    expect(finance.locator("h1 .pill")).to_have_text("已提交")
    saved = stored_doc(stored, "Payment Receipt", receipt)
    assert (saved.docstatus, float(saved.unallocated_amount)) == (1, 10000)
    installment = stored(
        lambda: get_model("Payment Plan Installment").objects.filter(parent=plan).order_by("idx")[0]
    )
    assert (float(installment.paid_amount), installment.status) == (30000, "Paid")
    screenshot(finance, f"o2c-c-receipt-recorded-{width}")


# ------------------------------------------------------------------ d. an invoice issued


@pytest.fixture
def invoice(workflows):
    name = data.invoice_request(data.contract(data.customer()))
    context.reset()
    return name


def test_d_finance_issues_a_requested_invoice_on_a_phone(page_for, invoice, stored, expect):
    finance = page_for("finance1", PHONE)
    open_from_inbox(finance, expect, invoice)
    expect(finance.locator("h1 .pill")).to_have_text("已申请")
    # the issuing section is not called 问题 (the ticket sense of "Issue")
    expect(finance.locator("section[data-field=section_issue] h2")).to_have_text("开票信息")
    finance.fill("#in-invoice_no", "04412345")
    finance.fill("#in-invoice_date", data.day())
    no_sideways_scroll(finance)
    viewport_shot(finance, "o2c-d-invoice-request-390")
    # the inputs hold the values before the request is sent: wait for the saved version,
    # or the action below is sent with the old version stamp and refused as a conflict
    save(finance)
    expect(finance.locator("#in-invoice_no")).to_have_value("04412345")
    finance.locator('.wf-action[data-action="Issue Invoice"]').click()
    expect(finance.locator("h1 .pill")).to_have_text("已开具")
    issued = stored_doc(stored, "Invoice", invoice)
    assert (issued.status, issued.invoice_no, issued.docstatus) == ("Issued", "04412345", 1)
    screenshot(finance, "o2c-d-invoice-issued-390")


# ------------------------------------------------------------------ e. print preview and PDF


@pytest.fixture
def quotation(workflows):
    from lowcode.printing import loader

    loader.sync_print_formats()
    data.company()
    data.catalogue()
    name = data.quotation(data.customer())
    context.reset()
    return name


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_e_quotation_print_preview_and_pdf(page_for, quotation, expect, viewport):
    page = page_for("rep", viewport)
    page.goto(f"/app/quotation/{quotation}")
    page.locator("#print-btn").click()
    frame = page.frame_locator("iframe.print-preview")
    expect(frame.locator("body")).to_contain_text("报价单")
    expect(frame.locator("body")).to_contain_text("苏州快工装备有限公司")
    expect(frame.locator("body")).to_contain_text("常州恒远精密机械有限公司")
    expect(frame.locator("body")).to_contain_text("人民币")
    pdf = page.locator("#download-pdf")
    expect(pdf).to_have_attribute(
        "href",
        f"/api/method/frappe.utils.print_format.download_pdf?doctype=Quotation&name={quotation}&format=%E6%8A%A5%E4%BB%B7%E5%8D%95",
    )
    response = page.request.get(pdf.get_attribute("href"))
    assert response.ok and response.body()[:5] == b"%PDF-"
    no_sideways_scroll(page)
    viewport_shot(page, f"o2c-e-quotation-print-{viewport['width']}")


# ------------------------------------------------------------------ f. the home page


@pytest.fixture
def receivables(workflows):
    """The rep's contract with 30 000 due 40 days ago, 10 000 of it received; a 40 000 target."""
    customer = data.customer()
    plan = data.payment_plan(data.contract(customer, 100000))
    data.receipt(customer, plan["installments"][0]["name"], 10000)
    data.target("rep", 40000)
    context.reset()
    return plan["name"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_f_home_shows_overdue_receivables_and_attainment(page_for, receivables, expect, viewport):
    page = page_for("rep", viewport)
    card = page.locator("section[data-card='sales-summary']")
    expect(card.locator("h2")).to_have_text("我的回款与业绩")
    expect(card.locator(".figure").first).to_contain_text("¥20,000.00")
    expect(card.locator(".rows li")).to_have_count(1)
    expect(card.locator(".rows li")).to_contain_text("逾期 40 天")
    expect(card.locator(".progress-percent")).to_have_text("25.0%")
    no_sideways_scroll(page)
    screenshot(page, f"o2c-f-home-{viewport['width']}")
    card.locator(".rows li a").click()
    page.wait_for_url(f"**/app/payment-plan/{receivables}")
