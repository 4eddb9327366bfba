"""Invoice (开票): requested by sales, issued / rejected / 红冲 by finance (kuaicrm/cash.py)."""

from __future__ import annotations

from kuaicrm.cash import assign_sales_owner, refresh_for_doc, settle_invoice
from lowcode.sdk import Document


class Invoice(Document):
    def validate(self) -> None:
        settle_invoice(self)

    def on_update(self) -> None:
        assign_sales_owner(self)

    def on_submit(self) -> None:
        refresh_for_doc(self)

    def on_update_after_submit(self) -> None:
        refresh_for_doc(self)
