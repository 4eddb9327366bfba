"""生成提成单 in a real browser on a 390×844 phone: the sales manager opens the Commission
Statement list, taps the list action (hooks ``desk_list_actions``), keeps the month the dialog
starts at (last month) and confirms; the list comes back with the team's statements and the
counts in a toast."""

from __future__ import annotations

import pytest
from django.utils import timezone

from kuaicrm.cash import do_record_payment_receipt
from kuaicrm.commission import previous_month
from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.browser import o2c_data as data
from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser
LAST_MONTH = previous_month(timezone.localdate())


@pytest.fixture
def collected(workflows):
    """A 1 % rule; last month finance received 80,000 from the rep's customer."""
    do_insert_doc(
        "finance1",
        "Commission Rule",
        {"rule_name": "回款提成", "calculation": "Whole Amount", "effective_from": "2020-01-01",
         "tiers": [{"from_amount": 0, "rate": 1}]},
    )  # fmt: skip
    do_record_payment_receipt(
        "finance1",
        {"customer": data.customer(), "amount": 80000, "receipt_date": f"{LAST_MONTH}-15",
         "payment_method": "Bank Transfer", "sales_owner": "rep"},
    )  # fmt: skip
    context.reset()


def test_the_manager_makes_last_months_statements_from_the_list_on_a_phone(
    page_for, collected, stored, expect
):
    page = page_for("manager", PHONE)
    page.goto("/app/commission-statement")
    statement_link = page.locator(f"#list-results a[href$='/CS-{LAST_MONTH}-rep']")
    expect(statement_link).to_have_count(0)

    page.locator("button.fa-open", has_text="生成提成单").click()
    dialog = page.locator("dialog#fa-make")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name='period']")).to_have_value(LAST_MONTH)
    screenshot(page, "commission-list-action-390")
    dialog.locator(".fa-submit").click()

    expect(page.locator(".toast").last).to_contain_text(f"{LAST_MONTH} 提成单：新生成 1 张")
    expect(statement_link.first).to_be_visible()
    made = stored(
        lambda: list(
            get_model("Commission Statement")
            .objects.filter(period=LAST_MONTH)
            .values_list("user", "total_commission")
        )
    )
    assert [(user, float(total)) for user, total in made] == [("rep", 800.0)]
