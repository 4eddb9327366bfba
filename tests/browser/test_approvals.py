"""An approval round trip between two people, each in their own browser."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.conftest import new_graded_customer

pytestmark = pytest.mark.browser


@pytest.fixture
def order(workflows):
    """A draft sales order of the rep's for an A-level customer, small enough for the manager."""
    customer = new_graded_customer(
        "rep", {"customer_name": "南通远洋船舶配件有限公司", "customer_level": "A"}
    ).name
    return do_insert_doc(
        "rep",
        "Sales Order",
        {"customer": customer, "items": [{"item_name": "液压泵 HP-200", "qty": 3, "rate": 12000}]},
    ).name


def workflow_state(stored, name: str) -> str:
    return stored(lambda: get_model("Sales Order").objects.get(name=name).workflow_state)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_rep_submits_manager_approves_rep_sees_it_approved(
    page_for, order, stored, expect, viewport
):
    width = viewport["width"]
    # given: the rep's draft order
    rep = page_for("rep", viewport)
    rep.goto(f"/app/sales-order/{order}")
    expect(rep.locator("h1 .pill")).to_have_text("草稿")

    # when: the rep submits it for approval
    rep.locator(".wf-action", has_text="提交").click()
    expect(rep.locator("h1 .pill")).to_have_text("销售主管审批")
    assert workflow_state(stored, order) == "Manager Approval"
    assert rep.locator(".wf-action", has_text="通过").count() == 0  # not their own approval

    # then: the manager finds it on the home page and in the approvals inbox
    manager = page_for("manager", viewport)
    pending = manager.locator("section[aria-labelledby=h-approvals]")
    expect(pending.locator(".count")).to_have_text("1")
    expect(pending.locator("li")).to_contain_text("销售主管审批")
    screenshot(manager, f"home-manager-{width}")
    manager.goto("/app/approvals")
    item = manager.locator(f".rows li a[href$='/{order}']")
    expect(item).to_be_visible()
    screenshot(manager, f"approvals-manager-{width}")
    item.click()
    manager.wait_for_url(f"**/app/sales-order/{order}")
    screenshot(manager, f"form-sales-order-approval-{width}")
    manager.locator(".wf-action", has_text="通过").click()
    expect(manager.locator("h1 .pill")).to_have_text("审批通过")
    assert workflow_state(stored, order) == "Approved"
    assert stored(lambda: get_model("Sales Order").objects.get(name=order).docstatus) == 1
    manager.goto("/app/approvals")
    expect(manager.locator(f".rows li a[href$='/{order}']")).to_have_count(0)

    # and the rep sees the new state, in the form and among the orders they submitted
    rep.reload()
    expect(rep.locator("h1 .pill")).to_have_text("审批通过")
    assert rep.locator(".wf-action").count() == 0
    rep.goto("/app/approvals?box=submitted")
    mine = rep.locator(f".rows li a[href$='/{order}']")
    expect(mine).to_contain_text("审批通过")
    assert "dot-green" in mine.locator(".dot").get_attribute("class")


def test_a_return_needs_a_reason_and_sends_the_order_back(page_for, order, stored, expect):
    rep = page_for("rep", DESKTOP)
    rep.goto(f"/app/sales-order/{order}")
    rep.locator(".wf-action", has_text="提交").click()
    expect(rep.locator("h1 .pill")).to_have_text("销售主管审批")

    manager = page_for("manager", DESKTOP)
    prompts: list[str] = []
    manager.on("dialog", lambda dialog: (prompts.append(dialog.message), dialog.dismiss()))
    manager.goto(f"/app/sales-order/{order}")
    # the reason is asked for in the decision sheet (no browser prompt); cancelling changes nothing
    manager.locator(".wf-action", has_text="退回").click()
    sheet = manager.get_by_role("dialog", name="退回")
    sheet.get_by_role("button", name="取消").click()
    expect(sheet).to_be_hidden()
    assert workflow_state(stored, order) == "Manager Approval"
    # sending it without a reason is refused, naming the reason
    manager.locator(".wf-action", has_text="退回").click()
    sheet.locator(".ap-sheet-ok").click()
    expect(sheet.locator("#ap-reason-err")).to_contain_text("原因")
    assert workflow_state(stored, order) == "Manager Approval"
    # the workflow's reason templates are one tap each
    sheet.locator(".ap-chip", has_text="单价需按合同价调整").click()
    sheet.locator(".ap-sheet-ok").click()
    expect(manager.locator("h1 .pill")).to_have_text("退回修改")
    assert prompts == []
    assert workflow_state(stored, order) == "Revision"

    rep.reload()
    expect(rep.locator("h1 .pill")).to_have_text("退回修改")
    expect(rep.locator("#timeline")).to_contain_text("单价需按合同价调整")
    expect(rep.locator(".wf-action", has_text="重新提交")).to_be_visible()


@pytest.fixture
def countersigned(workflows):
    """A C-level customer's order the manager has approved: both finance users must agree."""
    customer = new_graded_customer(
        "rep", {"customer_name": "如皋精密铸造有限公司", "customer_level": "C"}
    ).name
    order = do_insert_doc(
        "rep",
        "Sales Order",
        {"customer": customer, "items": [{"item_name": "铸件模具", "qty": 2, "rate": 40000}]},
    ).name
    do_apply_workflow("rep", "Sales Order", order, "Submit")
    do_apply_workflow("manager", "Sales Order", order, "Approve")
    return order


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_countersign_progress_and_locked_fields(page_for, countersigned, stored, expect, viewport):
    # given: one finance reviewer agrees in their browser
    finance = page_for("finance1", viewport)
    finance.goto(f"/app/sales-order/{countersigned}")
    expect(finance.get_by_test_id("approval-progress")).to_have_text(
        "会签 0/2 已同意，等待 finance1、finance2"
    )
    finance.locator(".wf-action", has_text="通过").click()
    expect(finance.get_by_test_id("approval-progress")).to_have_text(
        "会签 1/2 已同意，等待 finance2"
    )
    assert workflow_state(stored, countersigned) == "Countersign"

    # then: the rep sees who is still awaited, and cannot change the order under review
    rep = page_for("rep", viewport)
    rep.goto(f"/app/sales-order/{countersigned}")
    expect(rep.get_by_test_id("approval-progress")).to_have_text("会签 1/2 已同意，等待 finance2")
    expect(rep.locator("button[type=submit]", has_text="保存")).to_have_count(0)
    screenshot(rep, f"countersign-progress-{viewport['width']}")
