"""The desk's "Make Quotation" on an opportunity: a new quotation form filled by the mapping
(customer, owner, product rows with the opportunity's price as a discount), saved as is."""

from __future__ import annotations

import html

import pytest

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.kuaicrm.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.desk.conftest import desk  # noqa: F401
from tests.lowcode.desk.test_mapping_actions import form_post, page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflows")]


@pytest.fixture
def opportunity(users):
    do_insert_doc(
        "Administrator",
        "Product",
        {"product_name": "螺杆空压机 LG-22", "standard_rate": 36800, "standard_cost": 24000},
    )
    customer = do_insert_doc("rep", "Customer", {"customer_name": "无锡华信气动有限公司"}).name
    name = do_insert_doc(
        "rep",
        "Opportunity",
        {
            "opportunity_name": "华信空压站",
            "customer": customer,
            "expected_close_date": "2027-02-28",
            "items": [{"product": "螺杆空压机 LG-22", "qty": 3, "rate": 35000}],
        },
    ).name
    context.reset()
    return name


def test_make_quotation_opens_a_filled_form_that_saves_with_its_rows(desk, opportunity):  # noqa: F811
    client = desk("rep")
    href = f"/app/quotation/new?__mapping=kuaicrm.make_quotation&amp;__source={opportunity}"
    assert f'href="{href}">生成报价单</a>' in page(client, f"/app/opportunity/{opportunity}")
    href = html.unescape(href)
    new_form = page(client, href)
    assert "无锡华信气动有限公司" in new_form and "螺杆空压机 LG-22" in new_form
    response = client.post("/app/quotation/new", form_post(new_form))
    assert response.status_code == 204, response.content.decode()[:800]
    saved = response["HX-Redirect"].rsplit("/", 1)[-1]
    stored = get_model("Quotation").objects.get(name=saved)
    assert (stored.opportunity, stored.status, stored.sales_owner) == (opportunity, "Draft", "rep")
    [row] = stored.get_children("items")
    # 36800 list − 1800 discount = 35000 × 3 = 105000; 13% VAT 13650
    assert (row.price_list_rate, row.discount_amount, row.amount) == (36800, 1800, 105000)
    assert (stored.grand_total, stored.in_words) == (118650, "人民币壹拾壹万捌仟陆佰伍拾元整")


def test_a_won_opportunity_offers_no_quotation(desk, opportunity):  # noqa: F811
    won = (
        get_model("Opportunity Stage")
        .objects.filter(stage_type="Won")
        .values_list("name", flat=True)
        .first()
    )
    from lowcode.documents.actions import do_save_doc

    do_save_doc("rep", "Opportunity", opportunity, {"stage": won})
    context.reset()
    assert "/app/quotation/new?__mapping" not in page(
        desk("rep"), f"/app/opportunity/{opportunity}"
    )
