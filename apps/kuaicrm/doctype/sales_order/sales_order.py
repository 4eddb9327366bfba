"""Sales Order (销售订单): what a customer bought, approved, then delivered by its plan.

Approval routes by amount and customer level (workflow/sales_order_approval.json). Once
approved the order itself is fixed: a change is a cancel and an amendment (``amended_from``,
re-approved from the start, the cancelled order kept as history). What may move after
approval is the delivery plan's shipped quantities (``deliveries``), from which the delivery
status and the delivered amount follow (``orders.py`` records a shipment and releases the
plan of a cancelled or returned order).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kuaicrm import selling
from lowcode.sdk import Document, FieldError, ValidationError, _, get_model, round_money

STATUS_OF_STATE = {
    "Draft": "Draft",
    "Revision": "Draft",
    "Manager Approval": "Pending Approval",
    "Countersign": "Pending Approval",
    "Director Approval": "Pending Approval",
    "Approved": "Approved",
    "Closed": "Closed",
    "Returned": "Returned",
    "Cancelled": "Cancelled",
}
# What a shipment may change on a plan line after approval; the plan itself is approved.
SHIPMENT_FIELDS = frozenset({"shipped_qty", "shipped_on", "status"})
CANCELLED_LINE = "Cancelled"
# States that end an approved order before it is delivered: its plan is released.
RELEASING_STATES = frozenset({"Returned", "Cancelled"})
CLOSED_STATE = "Closed"


def _item_key(row: Any) -> str:
    return row.get("product") or row.get("item_name") or ""


class SalesOrder(Document):
    customer: str
    customer_name: str | None
    customer_level: str | None
    order_date: dt.date | None
    delivery_date: dt.date | None
    total_qty: Decimal | None
    grand_total: Decimal | None
    delivered_amount: Decimal | None
    collected_amount: Decimal | None
    outstanding_amount: Decimal | None
    delivery_status: str | None
    status: str | None
    closed_on: dt.date | None

    def validate(self) -> None:
        self.copy_customer_details()
        self.compute_totals()
        self.check_delivery_date()
        self.check_delivery_plan()
        self.compute_delivery()
        self.set_status()

    def before_submit(self) -> None:
        self.plan_deliveries()

    def before_update_after_submit(self) -> None:
        self.check_shipments_only()
        entering = self._entering()
        if entering in RELEASING_STATES:
            self.release_plan_lines()
        if entering == CLOSED_STATE:
            self.closed_on = timezone.localdate()
        self.compute_delivery()
        self.set_status()

    def before_cancel(self) -> None:
        self.release_plan_lines()

    def _entering(self) -> str | None:
        before: Any = self._doc_before_save or {}
        state = self.get("workflow_state")
        return state if state and state != before.get("workflow_state") else None

    def release_plan_lines(self) -> None:
        """A cancelled or returned order ships nothing more: its open plan lines are cancelled."""
        for line in self.get_children("deliveries"):
            if selling.dec(line.get("shipped_qty")) < selling.dec(line.get("qty")):
                line.status = CANCELLED_LINE

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
        selling.compute_totals(self)
        self.outstanding_amount = round_money(self.grand_total) - round_money(self.collected_amount)

    def check_delivery_date(self) -> None:
        if self.delivery_date and self.order_date and self.delivery_date < self.order_date:
            message = _("Delivery Date cannot be before the Order Date")
            raise ValidationError(message, [FieldError("delivery_date", "range", message)])

    # -- the delivery plan ---------------------------------------------------------------

    def _ordered_qty(self) -> dict[str, Decimal]:
        ordered: dict[str, Decimal] = defaultdict(Decimal)
        for item in self.get_children("items"):
            ordered[_item_key(item)] += selling.dec(item.get("qty"))
        return ordered

    def check_delivery_plan(self) -> None:
        """The plan ships what was ordered, no more, and only what is on the order."""
        planned: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.get_children("deliveries"):
            if not line.get("item_name") and line.get("product"):
                line.item_name = line.product
            planned[_item_key(line)] += selling.dec(line.get("qty"))
        ordered = self._ordered_qty()
        errors = [
            _(
                "The delivery plan ships {planned} of {item}, more than the {ordered} ordered",
                planned=f"{qty.normalize():f}",
                item=key,
                ordered=f"{ordered.get(key, Decimal(0)).normalize():f}",
            )
            for key, qty in planned.items()
            if qty > ordered.get(key, Decimal(0))
        ]
        if errors:
            message = "; ".join(errors)
            raise ValidationError(message, [FieldError("deliveries", "plan", message)])

    def plan_deliveries(self) -> None:
        """An order approved without a plan ships everything on its delivery (or order) date."""
        if self.get_children("deliveries"):
            return
        model: Any = get_model("Sales Order Delivery")
        when = self.delivery_date or self.order_date
        self.set_children(
            "deliveries",
            [
                model(
                    product=item.get("product"),
                    item_name=item.get("item_name"),
                    qty=item.get("qty"),
                    planned_date=when,
                    shipped_qty=0,
                    status="Pending",
                    idx=idx,
                )
                for idx, item in enumerate(self.get_children("items"), start=1)
            ],
        )

    def check_shipments_only(self) -> None:
        """After approval a plan line records shipments; its item, quantity and date stay."""
        before: Any = self._doc_before_save or {}
        old = {row["name"]: row for row in before.get("deliveries") or []}
        lines = self.get_children("deliveries")
        changed = {row.name for row in lines} != set(old) or any(
            str(row.get(f) if row.get(f) is not None else "") != str(old[row.name].get(f) or "")
            for row in lines
            for f in ("product", "item_name", "planned_date")
        )
        changed = changed or any(
            selling.dec(row.get("qty")) != selling.dec(old[row.name].get("qty"))
            for row in lines
            if row.name in old
        )
        if changed:
            message = _(
                "The approved delivery plan records shipments only; change the order by cancelling and amending it"
            )
            raise ValidationError(message, [FieldError("deliveries", "approved_plan", message)])

    def compute_delivery(self) -> None:
        """Line statuses, the order's delivery status and the value shipped (with tax)."""
        unit_value: dict[str, Decimal] = {}
        for item in self.get_children("items"):
            qty = selling.dec(item.get("qty"))
            if qty:
                unit_value.setdefault(_item_key(item), selling.dec(item.amount_with_tax) / qty)
        planned = shipped = Decimal(0)
        delivered_amount = Decimal(0)
        errors = []
        for idx, line in enumerate(self.get_children("deliveries"), start=1):
            qty, done = selling.dec(line.get("qty")), selling.dec(line.get("shipped_qty"))
            if done > qty:
                errors.append(
                    FieldError(
                        "shipped_qty",
                        "range",
                        _(
                            "Row {row}: the shipped quantity {shipped} is more than the planned {qty}",
                            row=idx,
                            shipped=f"{done.normalize():f}",
                            qty=f"{qty.normalize():f}",
                        ),
                        row=idx,
                        table="deliveries",
                    )
                )
            if line.get("status") == CANCELLED_LINE:
                planned += done  # released: what it shipped is all it will ship
            else:
                line.status = "Shipped" if done >= qty else "Partly Shipped" if done else "Pending"
                planned += qty
            shipped += done
            delivered_amount += done * unit_value.get(_item_key(line), Decimal(0))
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)
        self.delivered_amount = round_money(delivered_amount)
        if not shipped:
            self.delivery_status = "Not Delivered"
        elif shipped >= planned:
            self.delivery_status = "Delivered"
        else:
            self.delivery_status = "Partly Delivered"

    def set_status(self) -> None:
        state = self.get("workflow_state")
        if state in STATUS_OF_STATE:
            self.status = STATUS_OF_STATE[state]
        elif not state:
            self.status = {0: "Draft", 1: "Approved", 2: "Cancelled"}.get(self.docstatus, "Draft")
