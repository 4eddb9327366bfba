"""Payment Plan (回款计划): a contract's or order's amount split into installments (kuaicrm/cash.py)."""

from __future__ import annotations

from kuaicrm.cash import assign_sales_owner, refuse_plan_delete, settle_plan
from lowcode.sdk import Document


class PaymentPlan(Document):
    def validate(self) -> None:
        settle_plan(self)

    def on_update(self) -> None:
        assign_sales_owner(self)

    def on_trash(self) -> None:
        refuse_plan_delete(self)
