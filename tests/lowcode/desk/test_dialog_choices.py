"""Dialogs that ask less (issue 17 item 3): the convert dialog prefilled from the lead (an
action's ``initial``), a stage change as a picker of the configured stages with 下一阶段
(``choices``, ``next_label``), lost-deal fields only when losing (``show_when``)."""

from __future__ import annotations

import html as html_lib
import json
import re

import pytest

from lowcode.desk.lib import form_actions
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.lowcode.desk.test_form_actions import LEAD, page, to_demo
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(workflows, users):  # noqa: F811 - the imported fixture
    return do_insert_doc("rep", "Lead", LEAD).name


@pytest.fixture
def opportunity(users):
    customer = do_insert_doc("rep", "Customer", {"customer_name": "苏州华瑞机械"}).name
    return do_insert_doc(
        "rep",
        "Opportunity",
        {
            "opportunity_name": "数控车床采购",
            "customer": customer,
            "amount": 300000,
            "expected_close_date": "2026-12-31",
            "stage": "需求确认",
        },
    ).name


def dialog(html: str, key: str) -> str:
    found = re.search(rf'<dialog class="fa-dialog" id="fa-{key}".*?</dialog>', html, re.S)
    assert found, key
    return html_lib.unescape(found.group(0))


def field_box(dialog_html: str, fieldname: str) -> str:
    found = re.search(
        rf'<div class="field fa-field[^"]*" data-field="{fieldname}"[^>]*>', dialog_html
    )
    assert found, fieldname
    return found.group(0)


def test_the_convert_dialog_starts_with_the_lead_s_company_contact_and_amount(desk, lead):
    to_demo(lead)

    box = dialog(page(desk("rep"), f"/app/lead/{lead}"), "convert")

    assert re.search(r'id="fa-convert-new_customer">苏州精工<', box)
    assert re.search(r'id="fa-convert-new_contact">王先生<', box)
    assert re.search(r'name="opportunity_name" type="text"\s+value="苏州精工的商机"', box)
    assert re.search(r'name="amount" type="number" step="any" value="300000"', box)
    # shown, not posted: the customer comes from the lead itself
    assert 'name="new_customer"' not in box


def test_a_stage_change_is_a_picker_of_the_stages_with_a_next_stage_button(desk, opportunity):
    box = dialog(page(desk("rep"), f"/app/opportunity/{opportunity}"), "stage")

    options = re.findall(r'<option value="([^"]*)"\s*(selected)?\s*>', box.split('name="stage"')[1])
    assert [o for o, _ in options][:6] == [
        "初步接触",
        "需求确认",
        "方案报价",
        "商务谈判",
        "成交",
        "输单",
    ]
    assert [o for o, sel in options if sel] == ["需求确认"]  # the current stage
    assert (
        'class="btn btn-primary fa-next" data-select="fa-stage-stage" data-value="方案报价"' in box
    )
    assert "下一阶段：方案报价" in box
    # lost-deal fields are there for a lost stage only
    assert 'data-show-values="输单"' in field_box(box, "lost_reason")
    assert " hidden" in field_box(box, "lost_reason")
    assert " hidden" not in field_box(box, "reason")


def test_the_next_stage_never_jumps_to_a_lost_one(users, opportunity):
    action = next(a for a in form_actions.declared("Opportunity") if a.key == "stage")

    at_won = form_actions.dialog_extras("rep", action, {"stage": "成交"})
    at_talks = form_actions.dialog_extras("rep", action, {"stage": "商务谈判"})

    assert at_talks["next"]["stage"]["value"] == "成交"
    assert "stage" not in at_won["next"]  # after 成交 comes only 输单, which is chosen deliberately


def test_lost_fields_are_taken_only_when_losing(desk, opportunity):
    rep = desk("rep")
    Opportunity = get_model("Opportunity")

    forward = rep.post(
        f"/app/opportunity/{opportunity}/run/stage",
        {"stage": "方案报价", "lost_reason": "Price", "lost_details": "stale input"},
    )
    moved = Opportunity.objects.get(name=opportunity)
    lost = rep.post(
        f"/app/opportunity/{opportunity}/run/stage",
        {"stage": "输单", "reason": "客户选了竞品", "lost_reason": "Competitor"},
    )

    assert forward.status_code == 204, forward.content.decode()[:500]
    assert (moved.stage, moved.lost_reason or "") == ("方案报价", "")
    assert lost.status_code == 204, lost.content.decode()[:500]
    final = Opportunity.objects.get(name=opportunity)
    assert (final.stage, final.status, final.lost_reason) == ("输单", "Lost", "Competitor")


def test_an_action_that_comes_back_to_the_same_page_re_reads_it_in_place(desk, opportunity):
    rep = desk("rep")
    page_url = f"http://testserver/app/opportunity/{opportunity}"

    response = rep.post(
        f"/app/opportunity/{opportunity}/run/stage",
        {"stage": "方案报价"},
        HTTP_HX_CURRENT_URL=page_url,
    )

    # no redirect (a full page load): the form is re-read where it is, the toast shown there
    assert response.status_code == 204
    assert "HX-Redirect" not in response
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["desk:flash"]["stay"] is True and "方案报价" in trigger["desk:flash"]["message"]
    assert "desk:refresh" in trigger
