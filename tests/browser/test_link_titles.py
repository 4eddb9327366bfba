"""A Link input in a real browser: it holds the record's name, and the title beside it follows
the choice from the search-as-you-type options."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.browser.conftest import DESKTOP, save

pytestmark = pytest.mark.browser


@pytest.fixture
def two_customers(users):
    first = do_insert_doc("rep", "Customer", {"customer_name": "常州恒力机械有限公司"}).name
    second = do_insert_doc("rep", "Customer", {"customer_name": "无锡华达电机有限公司"}).name
    opportunity = do_insert_doc(
        "rep",
        "Opportunity",
        {
            "opportunity_name": "数控改造",
            "customer": first,
            "sales_owner": "rep",
            "amount": 200000,
            "expected_close_date": "2026-12-31",
            "stage": "初步接触",
        },
    ).name
    return first, second, opportunity


def test_the_title_beside_a_link_follows_the_chosen_record(page_for, two_customers, stored, expect):
    first, second, opportunity = two_customers
    page = page_for("rep", DESKTOP)
    page.goto(f"/app/opportunity/{opportunity}")
    expect(page.locator("#in-customer")).to_have_value(first)
    expect(page.locator("#lt-customer")).to_have_text("常州恒力机械有限公司")
    # when: the rep types the other customer's number; the options arrive from the server
    page.fill("#in-customer", second)
    expect(page.locator("#lt-customer")).to_have_text("无锡华达电机有限公司")
    save(page)
    # then: the name was saved, the title is shown
    assert stored(lambda: get_model("Opportunity").objects.get(name=opportunity).customer) == second
    expect(page.locator("#lt-customer")).to_have_text("无锡华达电机有限公司")
    # a value no option matches shows no stale title
    page.fill("#in-customer", "CUST-99999")
    expect(page.locator("#lt-customer")).to_be_hidden()
