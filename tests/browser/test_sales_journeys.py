"""A sales rep's and a manager's main journeys in a real browser (phone 390×844, desktop 1366×768):
a lead followed up and converted, the opportunity board and its stage history, the sales funnel
with a filter, a pool customer claimed (and a second rep's daily limit), the customer's
connections on a phone. Data is made through the actions layer; the browser does the rest."""

from __future__ import annotations

import pytest

from kuaicrm.pool import do_release_customer
from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser

LEAD = {
    "lead_name": "王建国",
    "company_name": "苏州精工机械有限公司",
    "mobile_no": "13800138000",
    "designation": "采购总监",
    "company_size": "200-999",
    "budget_range": "500k-2M",
    "industry": "Manufacturing",
    "territory": "华东",
    "expected_amount": 300000,
}


def viewport_shot(page, name: str) -> None:
    """What the screen shows right now (a dialog sits over the viewport, not the whole page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide"


def tap_target(locator) -> None:
    box = locator.bounding_box()
    assert box["height"] >= 44, f"{locator} is {box['height']}px high"


# ------------------------------------------------------------------ a. lead → follow-up → opportunity


@pytest.fixture
def planned_lead(workflows, users):
    """The rep's lead, qualified, assigned back to the rep and a follow-up planned: not yet
    contacted."""
    name = do_insert_doc("rep", "Lead", LEAD).name
    for user, action in (("rep", "Qualify"), ("manager", "Assign"), ("rep", "Plan Follow-up")):
        do_apply_workflow(user, "Lead", name, action)
    context.reset()
    return name


def test_a_rep_follows_up_a_lead_and_converts_it_on_a_phone(page_for, planned_lead, stored, expect):
    lead = planned_lead
    page = page_for("rep", PHONE)
    page.goto(f"/app/lead/{lead}")
    expect(page.locator("#in-followup_count")).to_have_text("0")

    # when: "log a follow-up" opens a new record about this lead
    page.locator(".form-actions-bar a", has_text="写跟进记录").click()
    expect(page.locator("#in-lead")).to_have_value(lead)
    page.fill("#in-content", "电话沟通：客户计划明年一季度更换两条产线，约下周演示")
    page.select_option("#in-intent", "Interested")
    no_sideways_scroll(page)
    screenshot(page, "journey-follow-up-new-390")
    page.click("#save-btn")
    page.wait_for_url("**/app/follow-up-record/FUR-*")

    # then: the lead counts it and records the first contact
    page.goto(f"/app/lead/{lead}")
    expect(page.locator("#in-followup_count")).to_have_text("1")
    expect(page.locator("#in-first_contacted_on")).not_to_have_text("—")
    expect(page.locator("#in-first_contact_status")).to_have_text("按时")

    # the workflow moves on: contacted, interested → a demo is scheduled
    expect(page.locator('.wf-action[data-action="Make Contact"]')).to_have_text("联系客户")
    page.click('.wf-action[data-action="Make Contact"]')
    expect(page.locator("h1 .pill")).to_have_text("已联系")
    page.click('.wf-action[data-action="Interested"]')
    expect(page.locator("h1 .pill")).to_have_text("已安排演示")
    # the bare workflow step is replaced by the conversion dialog
    assert page.locator(".wf-action", has_text="转化为商机").count() == 0
    convert = page.locator(".form-actions-bar .fa-open", has_text="转化为商机")
    tap_target(convert)
    convert.click()
    dialog = page.get_by_role("dialog", name="转化为商机")
    expect(dialog).to_be_visible()
    dialog.get_by_label("金额").fill("280000")
    dialog.get_by_label("原因", exact=True).fill("演示后确认需求")
    no_sideways_scroll(page)
    viewport_shot(page, "journey-convert-dialog-390")
    tap_target(dialog.get_by_role("button", name="确定"))
    dialog.get_by_role("button", name="确定").click()

    # lands on the new opportunity, told so
    page.wait_for_url("**/app/opportunity/OPP-*")
    expect(page.locator("#toast")).to_contain_text("已转化")
    opportunity = page.url.rsplit("/", 1)[-1]
    saved = stored(lambda: get_model("Lead").objects.get(name=lead))
    assert saved.opportunity == opportunity
    expect(page.locator("#in-opportunity_name")).to_have_value("苏州精工机械有限公司的商机")
    expect(page.locator("#in-amount")).to_have_value("280000")
    no_sideways_scroll(page)
    screenshot(page, "journey-converted-opportunity-390")


# ------------------------------------------------------------------ b. the opportunity board


@pytest.fixture
def deal(users):
    customer = do_insert_doc("rep", "Customer", {"customer_name": "无锡华光电气有限公司"}).name
    stages = list(
        get_model("Opportunity Stage")
        .objects.order_by("stage_order")
        .values_list("name", flat=True)
    )
    name = do_insert_doc(
        "rep",
        "Opportunity",
        {
            "opportunity_name": "配电柜改造",
            "customer": customer,
            "amount": 480000,
            "expected_close_date": "2026-12-31",
            "stage": stages[0],
        },
    ).name
    return {"name": name, "stages": stages}


def drag(page, source, target) -> None:
    """Drag with the mouse in small steps, as a person does (SortableJS listens to the moves)."""
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 20)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 10, start["y"] + 30, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=20)
    page.mouse.up()


def history(page) -> list[str]:
    """The stage history's "to" column, as the form shows it."""
    return page.locator("#field-stage_history tbody [name$='.to_stage']").evaluate_all(
        "inputs => inputs.map(i => i.value)"
    )


def test_a_rep_moves_an_opportunity_along_its_stages_on_a_desktop(page_for, deal, stored, expect):
    name, stages = deal["name"], deal["stages"]
    first, second, lost = stages[0], stages[1], stages[-1]
    page = page_for("rep", DESKTOP)
    page.goto("/app/opportunity/view/kanban")
    card = page.locator(f'.kanban-card[data-name="{name}"]')
    column = page.locator(f'.kanban-column[data-value="{second}"]')

    # when: dragged to the next stage
    drag(page, card, column.locator(".kanban-cards"))

    # then
    expect(column.locator(f'.kanban-card[data-name="{name}"]')).to_be_visible()
    expect(page.locator("#toast")).to_contain_text("已移动到")
    screenshot(page, "journey-opportunity-board-1366")

    # a move back asks why (the board's prompt); the answer is kept
    questions: list[str] = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept("客户预算推迟到明年")

    page.on("dialog", answer)
    card.locator(".kanban-move-select").select_option(first)
    expect(
        page.locator(f'.kanban-column[data-value="{first}"] .kanban-card[data-name="{name}"]')
    ).to_be_attached()
    expect(page.locator("#toast")).to_contain_text(f"已移动到「{first}」")
    assert questions and "原因" in questions[0]

    # the form's stage history shows each move
    page.goto(f"/app/opportunity/{name}")
    assert history(page) == [first, second, first]
    expect(page.locator("#field-stage_history tbody [name$='.reason']").last).to_have_value(
        "客户预算推迟到明年"
    )

    # the form's "change stage" dialog: losing needs a reason and a lost reason, each named
    page.locator(".fa-open", has_text="变更阶段").click()
    dialog = page.get_by_role("dialog", name="变更阶段")
    dialog.get_by_label("阶段").select_option(lost)  # a picker of the configured stages
    dialog.get_by_role("button", name="确定").click()
    expect(dialog.locator("#fa-stage-reason-err")).to_contain_text("原因")
    expect(dialog.locator("#fa-stage-lost_reason-err")).to_contain_text("输单原因")
    expect(dialog.get_by_label("阶段")).to_have_value(lost)  # the input is kept
    viewport_shot(page, "journey-change-stage-refused-1366")
    dialog.get_by_label("原因", exact=True).fill("客户选择了竞争对手")
    dialog.get_by_label("输单原因").select_option("Competitor")
    dialog.get_by_role("button", name="确定").click()

    expect(page.locator("#toast")).to_contain_text(f"阶段已变更为 {lost}")
    expect(page.locator("#in-status")).to_have_text("输单")  # an opportunity's "Lost" (in context)
    assert history(page) == [first, second, first, lost]
    saved = stored(lambda: get_model("Opportunity").objects.get(name=name))
    assert (saved.stage, saved.status, saved.lost_reason) == (lost, "Lost", "Competitor")
    screenshot(page, "journey-opportunity-lost-1366")


# ------------------------------------------------------------------ c. the sales funnel


@pytest.fixture
def funnel(users):
    from kuaicrm.reports import install_reports
    from tests.kuaicrm.reports.conftest import make_deal

    install_reports()
    make_deal("rep", ["初步接触", "需求确认", "方案报价"], 300000)
    make_deal("rep", ["初步接触"], 120000)
    make_deal("rep2", ["初步接触", "需求确认"], 80000)
    context.reset()


def cell(page, stage: str, column: int) -> str:
    row = page.locator("#report-table tbody tr", has=page.locator(f"td >> text='{stage}'"))
    return row.locator("td").nth(column).inner_text().strip()


def test_a_manager_reads_the_sales_funnel_and_filters_it_by_owner(page_for, funnel, expect):
    page = page_for("manager", DESKTOP)
    page.goto("/app/query-report/Sales Funnel")
    expect(page.locator("h1")).to_have_text("销售漏斗")
    # the funnel chart is drawn (ECharts draws an SVG) and the table has every stage
    expect(page.locator(".chart-box svg")).to_be_visible()
    expect(page.locator("#report-table tbody tr")).to_have_count(5)
    reached = page.locator("#report-table thead th").all_inner_texts().index("到达本阶段数")
    assert [cell(page, s, reached) for s in ("初步接触", "需求确认", "方案报价")] == ["3", "2", "1"]
    screenshot(page, "journey-sales-funnel-1366")

    # when: only rep2's opportunities
    page.fill("#rf-sales_owner", "rep2")
    page.click("#report-filters button[type=submit]")

    # then
    expect(page.locator("#rf-sales_owner")).to_have_value("rep2")
    assert [cell(page, s, reached) for s in ("初步接触", "需求确认", "方案报价")] == ["1", "1", "0"]
    expect(page.locator(".chart-box svg")).to_be_visible()
    screenshot(page, "journey-sales-funnel-rep2-1366")


# ------------------------------------------------------------------ d. the customer pool (公海)


@pytest.fixture
def pool(users):
    """Three customers in 华东公海 (claimable by 华东销售部, one claim a day each); rep2 has
    already claimed one today."""
    from kuaicrm.pool import do_claim_customer

    do_save_doc(
        "Administrator",
        "Customer Pool",
        "华东公海",
        {"department": "华东销售部", "daily_claim_limit": 1},
    )
    names = {}
    for title in ("无锡华光电缆有限公司", "南通海力重工有限公司", "常州恒力精密有限公司"):
        name = do_insert_doc(
            "manager", "Customer", {"customer_name": title, "territory": "华东"}
        ).name
        do_release_customer("manager", name, "超过 30 天未跟进")
        names[title] = name
    context.reset()
    do_claim_customer("rep2", names["常州恒力精密有限公司"])
    context.reset()
    return names


def test_a_rep_claims_a_pool_customer_and_a_second_rep_meets_the_daily_limit(
    page_for, pool, stored, expect
):
    wuxi, nantong = pool["无锡华光电缆有限公司"], pool["南通海力重工有限公司"]
    page = page_for("rep", PHONE)
    page.goto("/app/customer")
    # the pool's customers are in the rep's list
    entry = page.locator("a", has_text="无锡华光电缆有限公司").first
    expect(entry).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "journey-customer-list-pool-390")
    entry.click()
    page.wait_for_url(f"**/app/customer/{wuxi}")

    # when: Claim, confirmed in the dialog
    claim = page.locator(".form-actions-bar .fa-open", has_text="领取")
    tap_target(claim)
    claim.click()
    dialog = page.get_by_role("dialog", name="领取")
    expect(dialog).to_contain_text("确定从公海领取此客户吗")
    viewport_shot(page, "journey-claim-dialog-390")
    dialog.get_by_role("button", name="确定").click()

    # then: the customer is the rep's
    expect(page.locator("#toast")).to_contain_text("已领取")
    expect(page.locator(".form-actions-bar .fa-open", has_text="释放到公海")).to_be_visible()
    assert page.locator(".form-actions-bar .fa-open", has_text="领取").count() == 0
    saved = stored(lambda: get_model("Customer").objects.get(name=wuxi))
    assert (saved.owner, saved.in_pool) == ("rep", 0)
    screenshot(page, "journey-claimed-390")

    # a second rep who claimed one today already is told why not, in Chinese
    other = page_for("rep2", PHONE)
    other.goto(f"/app/customer/{nantong}")
    other.locator(".form-actions-bar .fa-open", has_text="领取").click()
    dialog = other.get_by_role("dialog", name="领取")
    dialog.get_by_role("button", name="确定").click()
    expect(dialog.locator(".fa-alert")).to_contain_text("已达每日领取上限")
    viewport_shot(other, "journey-claim-limit-390")
    assert stored(lambda: get_model("Customer").objects.get(name=nantong).in_pool) == 1


# ------------------------------------------------------------------ e. the customer's connections


@pytest.fixture
def busy_customer(users):
    customer = do_insert_doc(
        "rep",
        "Customer",
        {"customer_name": "江苏省苏州市工业园区高新技术精密机械制造集团股份有限公司"},
    ).name
    do_insert_doc(
        "rep",
        "Contact",
        {"full_name": "欧阳建华", "customer": customer, "mobile_no": "13912345678",
         "email_id": "ouyang.jianhua.procurement@suzhou-precision-machinery.com.cn",
         "designation": "采购部总监"},
    )  # fmt: skip
    do_insert_doc(
        "rep",
        "Opportunity",
        {"opportunity_name": "二期数控产线改造及配套自动化仓储系统", "customer": customer,
         "amount": 1280000, "expected_close_date": "2026-12-31"},
    )  # fmt: skip
    do_insert_doc(
        "rep",
        "Follow-up Record",
        {"customer": customer, "followup_method": "Visit",
         "content": "上门拜访，客户关注交付周期与售后服务响应时间，" * 3},
    )  # fmt: skip
    context.reset()
    return customer


def test_a_customers_connections_fit_a_phone(page_for, busy_customer, expect):
    page = page_for("rep", PHONE)
    page.goto(f"/app/customer/{busy_customer}")
    no_sideways_scroll(page)
    # the button sits with the form's actions, under the title
    expect(page.locator(".form-head .actions a.btn", has_text="关联记录")).to_be_visible()
    viewport_shot(page, "journey-customer-form-390")
    page.locator("a.btn", has_text="关联记录").click()
    page.wait_for_url(f"**/app/customer/{busy_customer}/connections")

    expect(page.locator("#connection-contacts")).to_contain_text("欧阳建华")
    expect(page.locator("#connection-opportunities")).to_contain_text("二期数控产线改造")
    expect(page.locator("#connection-opportunities")).to_contain_text("1,280,000.00")
    expect(page.locator("#connection-follow_up_records")).to_contain_text("上门拜访")
    no_sideways_scroll(page)
    screenshot(page, "journey-customer-connections-390")
