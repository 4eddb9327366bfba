"""Sales Order (销售订单): what a customer bought, approved by amount and customer level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lowcode.documents.document import Document
from lowcode.documents.factory import get_model
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _


class SalesOrder(Document):
    customer: str
    customer_name: str | None
    customer_level: str | None
    order_date: dt.date | None
    delivery_date: dt.date | None
    total_qty: Decimal | None
    grand_total: Decimal | None

    def validate(self) -> None:
        self.copy_customer_details()
        self.compute_totals()
        self.check_delivery_date()

    def copy_customer_details(self) -> None:
        """Keep the customer's name and level on the order: approval routing reads the level."""
        found = (
            get_model("Customer")
            .objects.filter(name=self.customer)
            .values_list("customer_name", "customer_level")
            .first()
        )
        self.customer_name, self.customer_level = found or (None, None)

    def compute_totals(self) -> None:
        total_qty = grand_total = Decimal(0)
        for row in self.get_children("items"):
            row.amount = Decimal(row.qty or 0) * Decimal(row.rate or 0)
            total_qty += Decimal(row.qty or 0)
            grand_total += row.amount
        self.total_qty, self.grand_total = total_qty, grand_total

    def check_delivery_date(self) -> None:
        if self.delivery_date and self.order_date and self.delivery_date < self.order_date:
            message = _("Delivery Date cannot be before the Order Date")
            raise ValidationError(message, [FieldError("delivery_date", "range", message)])
