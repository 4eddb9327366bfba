"""The data step of migration 0013: contracts and orders written before it keep their meaning."""

from __future__ import annotations

from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.kuaicrm.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.workflow.helpers import state_after

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflows")]
MIGRATION = import_module("kuaicrm.migrations.0013_contract_complete_sales_order_delivery")


def test_old_contracts_and_orders_get_totals_words_and_statuses(api):
    customer = do_insert_doc("rep", "Customer", {"customer_name": "常州恒远精密机械有限公司"}).name
    contract = do_insert_doc(
        "rep", "Contract", {"contract_title": "年度服务合同", "amount": 1234.5}
    )
    state_after(api("rep"), "Contract", contract.name, "Submit")
    order = do_insert_doc(
        "rep",
        "Sales Order",
        {"customer": customer, "items": [{"item_name": "数控机床", "qty": 2, "rate": 100}]},
    )
    # given: the rows as the schema before 0013 left them (the new columns empty); written
    # straight to the table because no action can write the old shape any more
    Contract, Order, Item = (get_model(d) for d in ("Contract", "Sales Order", "Sales Order Item"))
    Contract.objects.update(
        grand_total=None, net_total=None, total_tax=None, outstanding_amount=None,
        in_words=None, status=None, contract_type=None, naming_series=None,
    )  # fmt: skip
    Order.objects.update(
        net_total=None, total_tax=None, outstanding_amount=None, in_words=None, status=None,
        delivery_status=None, discount_total=None,
    )  # fmt: skip
    Item.objects.update(tax_amount=None, amount_with_tax=None)

    # when
    MIGRATION.fill_existing_rows(django_apps, None)

    # then: a contract's amount is its total; an order's total is its net total
    stored = Contract.objects.get(name=contract.name)
    assert (stored.grand_total, stored.net_total, stored.total_tax) == (
        Decimal("1234.5"),
        Decimal("1234.5"),
        0,
    )
    assert stored.in_words == "人民币壹仟贰佰叁拾肆元伍角整"
    assert (stored.status, stored.contract_type) == ("Pending Approval", "Sales")
    assert stored.outstanding_amount == Decimal("1234.5")
    stored_order = Order.objects.get(name=order.name)
    assert (stored_order.net_total, stored_order.total_tax, stored_order.status) == (
        Decimal(200),
        0,
        "Draft",
    )
    assert stored_order.delivery_status == "Not Delivered"
    assert stored_order.in_words == "人民币贰佰元整"
    row = Item.objects.get(parent=order.name)
    assert (row.tax_amount, row.amount_with_tax) == (0, Decimal(200))
