"""An approved sales order's delivery: shipments, due-date alerts, the plan released at the end.

A shipment is recorded on the order's delivery plan (``record_delivery``) through the order's
own save, so the approved plan stays fixed (the controller allows shipped quantities only)
and the state's edit limits apply. Each shipment refreshes the delivered amount of the
contract the order belongs to. A cancelled or returned order releases its payment plan
(kuaicrm.cash.release_plans); its open plan lines are cancelled by the controller.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kuaicrm import selling
from kuaicrm.contracts import do_update_contract_progress
from lowcode.sdk import (
    FieldError,
    ValidationError,
    _,
    access_doc,
    do_notify,
    do_save_doc,
    doc_to_dict,
    get_model,
    option_label,
    to_json,
)

SALES_ORDER = "Sales Order"
OPEN_LINE_STATUSES = ("Pending", "Partly Shipped")


def _refuse(field: str, rule: str, message: str) -> None:
    raise ValidationError(message, [FieldError(field, rule, message)])


def _line_dict(line) -> dict[str, Any]:
    return {
        "name": line.name,
        **{f.fieldname: to_json(line.get(f.fieldname)) for f in line.meta.data_fields},
    }


def do_record_delivery(
    user: str,
    name: str,
    qty: Any,
    *,
    line: str = "",
    item: str = "",
    shipped_on: Any = None,
):
    """Add ``qty`` shipped to one plan line, or spread it over an item's open lines by date."""
    order: Any = access_doc(user, SALES_ORDER, name, "write")
    try:
        quantity = selling.dec(qty)
    except ArithmeticError:
        quantity = Decimal(0)
    if quantity <= 0:
        _refuse("qty", "range", _("The shipped quantity must be more than 0"))
    if order.docstatus != 1 or order.status != "Approved":
        _refuse(
            "sales_order",
            "state",
            _(
                "Shipments are recorded on approved orders only ({name} is {status})",
                name=name,
                status=option_label(order.meta.get_field("status"), order.status or "Draft"),
            ),
        )
    lines = order.get_children("deliveries")
    if line:
        targets = [row for row in lines if row.name == line]
        if not targets:
            _refuse(
                "line", "missing", _("Delivery plan line {line} is not on this order", line=line)
            )
    elif item:
        targets = sorted(
            (
                row
                for row in lines
                if item in (row.product, row.item_name) and row.status in OPEN_LINE_STATUSES
            ),
            key=lambda row: (row.planned_date or dt.date.max, row.idx),
        )
        if not targets:
            _refuse("item", "missing", _("No open delivery plan line ships {item}", item=item))
    else:
        _refuse("line", "reqd", _("Choose the delivery plan line (or the item) shipped"))
    when = shipped_on or timezone.localdate()
    rest = quantity
    for row in targets:
        room = selling.dec(row.qty) - selling.dec(row.shipped_qty)
        take = rest if row is targets[-1] else min(rest, max(room, Decimal(0)))
        if take <= 0:
            continue
        row.shipped_qty = selling.dec(row.shipped_qty) + take
        row.shipped_on = when
        rest -= take
    rows = [_line_dict(row) for row in lines]
    return do_save_doc(user, SALES_ORDER, name, {"deliveries": rows})


def record_delivery(
    request,
    user,
    sales_order: str = "",
    name: str = "",
    qty: Any = None,
    line: str = "",
    item: str = "",
    shipped_on: Any = None,
    **_ignored,
) -> dict:
    """/api/method/kuaicrm.record_delivery: a shipment against the order's delivery plan."""
    order = do_record_delivery(
        user,
        str(sales_order or name),
        qty,
        line=str(line or ""),
        item=str(item or ""),
        shipped_on=shipped_on or None,
    )
    # The desk's success message names the delivery status in the user's language.
    return {**doc_to_dict(user, order), "delivery_status_label": _(order.delivery_status or "")}


record_delivery.writes = True  # type: ignore[attr-defined]


# ------------------------------------------------------------------ document events


def refresh_contract_delivery(doc, event: str) -> None:
    """Sales Order on_update_after_submit / on_cancel: the contract's delivered amount follows."""
    if doc.get("contract"):
        do_update_contract_progress(doc.contract)


def release_order_plan(doc, event: str) -> None:
    """on_cancel, or entering Returned: the order's payment plan is no longer due."""
    if event != "on_cancel" and doc.get("status") != "Returned":
        return
    before: Any = doc._doc_before_save or {}
    if event != "on_cancel" and before.get("status") == "Returned":
        return
    try:
        from kuaicrm.cash import release_plans
    except ImportError:  # the cash side is optional
        return
    release_plans(SALES_ORDER, doc.name)


def keep_return_reason(log_row, event: str) -> None:
    """Workflow Log after_insert: a returned order keeps why it came back."""
    if log_row.reference_doctype != SALES_ORDER or log_row.to_state != "Returned":
        return
    from lowcode.sdk import do_set_system_fields

    do_set_system_fields(
        SALES_ORDER, log_row.reference_name, {"return_reason": (log_row.reason or "").strip()}
    )


# ------------------------------------------------------------------ daily


def do_alert_due_deliveries(today: dt.date | None = None) -> int:
    """Tell each order's owner of its plan lines due tomorrow or overdue; return alerts sent."""
    today = today or timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    lines = (
        get_model("Sales Order Delivery")
        .objects.filter(
            parenttype=SALES_ORDER,
            docstatus=1,
            status__in=OPEN_LINE_STATUSES,
            planned_date__lte=tomorrow,
        )
        .order_by("parent", "planned_date", "idx")
    )
    by_order: dict[str, list] = defaultdict(list)
    for row in lines:
        by_order[row.parent].append(row)
    orders = get_model(SALES_ORDER).objects.filter(name__in=list(by_order), status="Approved")
    sent = 0
    for order in orders:
        rows = by_order[order.name]
        overdue = [r for r in rows if r.planned_date < today]
        parts = [
            _(
                "{item}: {qty} planned for {date}",
                item=r.item_name,
                qty=f"{(selling.dec(r.qty) - selling.dec(r.shipped_qty)).normalize():f}",
                date=r.planned_date.isoformat(),
            )
            for r in rows
        ]
        subject = (
            _(
                "Sales Order {name}: {count} delivery lines overdue",
                name=order.name,
                count=len(overdue),
            )
            if overdue
            else _("Sales Order {name}: deliveries due tomorrow", name=order.name)
        )
        do_notify(
            sorted({order.sales_owner or order.owner}),
            subject,
            "\n".join(parts),
            reference_doctype=SALES_ORDER,
            reference_name=order.name,
        )
        sent += 1
    return sent


def alert_due_deliveries() -> None:
    """Scheduler (daily): see do_alert_due_deliveries."""
    do_alert_due_deliveries()
