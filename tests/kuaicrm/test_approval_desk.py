"""An approver's form shows, beside the buttons, the figures the routing conditions read (a
quotation's discount and margin) and the total; people without a decision to take do not."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.workflow.actions import do_apply_workflow
from tests.browser import o2c_data as data
from tests.kuaicrm.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.desk.conftest import desk  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_quotation(workflows):  # noqa: F811
    data.catalogue()
    name = data.quotation(data.customer(), discount=15)
    do_apply_workflow("rep", "Quotation", name, "Submit")
    context.reset()
    return name


def figures(page: str) -> str:
    start = page.index('data-testid="approval-figures"')
    return page[start : page.index("</dl>", start)]


def test_the_approver_sees_why_and_how_much(desk, pending_quotation):  # noqa: F811
    page = desk("manager").get(f"/app/quotation/{pending_quotation}").content.decode()
    shown = figures(page)
    assert '<div data-field="max_discount_percentage"><dt>最大折扣率(%)</dt><dd>15%</dd>' in shown
    assert 'data-field="margin_percentage"' in shown
    assert 'data-field="grand_total"' in shown
    # the rep who submitted it may withdraw it, but has no decision to take: no figures
    assert (
        'data-testid="approval-figures"'
        not in desk("rep").get(f"/app/quotation/{pending_quotation}").content.decode()
    )
