"""Payment Receipt (回款单): money received (submit), allocated to installments (kuaicrm/cash.py)."""

from __future__ import annotations

from kuaicrm.cash import assign_sales_owner, refresh_for_doc, refuse_bare_cancel, settle_receipt
from lowcode.sdk import Document


class PaymentReceipt(Document):
    def validate(self) -> None:
        settle_receipt(self)

    def on_update(self) -> None:
        assign_sales_owner(self)

    def on_submit(self) -> None:
        refresh_for_doc(self)

    def before_cancel(self) -> None:
        refuse_bare_cancel(self)

    def on_cancel(self) -> None:
        refresh_for_doc(self)
