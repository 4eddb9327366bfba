"""A signed contract's life: execution progress, expiry reminders, 到期, renewal.

The daily ``process_contracts`` starts execution on the start date, reminds the owner N days
before the end (the company's ``contract_reminder_days``, default 30), expires a contract
whose end date has passed (到期) and reminds its owner to renew it. Transitions are taken
through the workflow as the contract's owner (who holds Start Execution / Expire), so the
log and the state guard see them as any other; the controller refuses 到期 before the end.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from kuaicrm.doctype.contract.contract import reminder_days
from kuaicrm.selling import ITEM_FIELDS
from lowcode.sdk import (
    FieldError,
    FrappeError,
    ValidationError,
    _,
    access_doc,
    as_of,
    do_apply_workflow,
    do_insert_doc,
    do_notify,
    do_set_system_fields,
    doc_to_dict,
    get_model,
    round_money,
)

log = logging.getLogger(__name__)

CONTRACT = "Contract"
# States of a signed contract still running (the old File / Monitor steps included).
RUNNING_STATES = ("Signed", "Filed", "In Execution", "Monitoring")
NOT_STARTED_STATES = ("Signed", "Filed")
# Order states whose deliveries count for the contract (a returned order delivered nothing).
DELIVERING_ORDER_STATUSES = ("Approved", "Closed")
# Fields a renewal copies as they are; dates move on, amounts follow the copied items.
RENEWAL_FIELDS = (
    "contract_title",
    "contract_type",
    "customer",
    "company",
    "sales_owner",
    "opportunity",
    "our_signatory",
    "our_signatory_title",
    "customer_signatory",
    "customer_signatory_title",
    "contract_template",
    "terms",
)


# ------------------------------------------------------------------ progress


def delivered_for(contract: str) -> Decimal:
    """What the contract's approved orders have shipped, valued at their prices with tax."""
    total = (
        get_model("Sales Order")
        .objects.filter(contract=contract, docstatus=1, status__in=DELIVERING_ORDER_STATUSES)
        .aggregate(total=Sum("delivered_amount"))["total"]
    )
    return round_money(total)


def do_update_contract_progress(name: str) -> None:
    """Refresh the contract's delivered amount from its orders' shipments.

    Invoiced and collected amounts are kept by the cash side (kuaicrm.cash); all three are
    system fields, written past the contract's state guard: a shipment is not an edit.
    """
    if not name:
        return
    do_set_system_fields(CONTRACT, name, {"delivered_amount": delivered_for(name)})
    shipped = shipped_by_item(name)
    for row in get_model("Contract Item").objects.filter(parent=name, parenttype=CONTRACT):
        key = row.product or row.item_name or ""
        take = min(shipped.get(key, Decimal(0)), Decimal(row.qty or 0))
        shipped[key] = shipped.get(key, Decimal(0)) - take  # two rows of one item share it
        do_set_system_fields("Contract Item", row.name, {"delivered_qty": take})


def shipped_by_item(contract: str) -> dict[str, Decimal]:
    """Quantities the contract's delivering orders shipped, by product (or item name)."""
    orders = get_model("Sales Order").objects.filter(
        contract=contract, docstatus=1, status__in=DELIVERING_ORDER_STATUSES
    )
    shipped: dict[str, Decimal] = {}
    for line in get_model("Sales Order Delivery").objects.filter(
        parenttype="Sales Order", parent__in=orders.values("name")
    ):
        key = line.product or line.item_name or ""
        shipped[key] = shipped.get(key, Decimal(0)) + Decimal(line.shipped_qty or 0)
    return shipped


# ------------------------------------------------------------------ renewal


def _shifted(day: dt.date | None, delta: dt.timedelta) -> dt.date | None:
    return day + delta if day else None


def do_renew_contract(user: str, name: str):
    """Create the next term's draft from a signed contract (``renewed_from``); return it."""
    contract: Any = access_doc(user, CONTRACT, name, "read")
    if contract.docstatus != 1 or contract.status in ("Terminated", "Cancelled"):
        message = _("Only a signed contract that was not terminated can be renewed")
        raise ValidationError(message, [FieldError("contract", "renewal", message)])
    existing = (
        get_model(CONTRACT)
        .objects.filter(renewed_from=name)
        .exclude(docstatus=2)
        .values_list("name", flat=True)
        .first()
    )
    if existing:
        message = _("Contract {name} was already renewed as {renewal}", name=name, renewal=existing)
        raise ValidationError(message, [FieldError("contract", "renewal", message)])
    # The new term starts the day after the old one ends and lasts as long.
    delta = dt.timedelta(0)
    if contract.end_date:
        start = contract.start_date or contract.end_date
        delta = contract.end_date - start + dt.timedelta(days=1)
    data: dict[str, Any] = {f: contract.get(f) for f in RENEWAL_FIELDS}
    data.update(
        {
            "renewed_from": name,
            "start_date": _shifted(contract.end_date, dt.timedelta(days=1)),
            "end_date": _shifted(contract.end_date, delta),
            "amount": contract.amount,
            "items": [
                {f: row.get(f) for f in ITEM_FIELDS} for row in contract.get_children("items")
            ],
            "payment_terms": [
                {
                    "description": t.description,
                    "due_basis": t.due_basis,
                    "due_date": _shifted(t.due_date, delta),
                    "milestone": t.milestone,
                    "percentage": t.percentage,
                }
                for t in contract.get_children("payment_terms")
            ],
        }
    )
    return do_insert_doc(user, CONTRACT, data)


def renew_contract(request, user, contract: str = "", name: str = "", **_ignored) -> dict:
    """/api/method/kuaicrm.renew_contract: the next term as a new draft contract."""
    renewal = do_renew_contract(user, str(contract or name))
    return doc_to_dict(user, renewal)


renew_contract.writes = True  # type: ignore[attr-defined]


# ------------------------------------------------------------------ mapping postprocess


def after_map_contract_from_quotation(source, target, user: str = "") -> None:
    """A contract made from a quotation is titled after it and keeps its terms as clauses."""
    target.contract_title = _(
        "{customer} contract (quotation {quotation})",
        customer=source.get("customer_name") or source.get("customer") or "",
        quotation=source.name,
    )
    if source.get("terms") and not target.get("terms"):
        target.terms = source.terms


def after_map_order_from_contract(source, target, user: str = "") -> None:
    """A contract without items makes an order of one line for its whole amount."""
    if target.get_children("items"):
        return
    row: Any = get_model("Sales Order Item")()
    row.item_name, row.qty, row.rate, row.idx = source.contract_title, 1, source.amount, 1
    target.set_children("items", [row])


# ------------------------------------------------------------------ daily


def _actor(contract) -> str:
    """Who takes the scheduler's transition: the contract's owner (the sales side)."""
    return contract.owner


def _move(contract, action: str) -> bool:
    try:
        do_apply_workflow(_actor(contract), CONTRACT, contract.name, action)
    except FrappeError as exc:  # one contract's refusal must not stop the others
        log.warning("contract %s: %s refused: %s", contract.name, action, exc)
        return False
    return True


def _notify_owner(contract, subject: str) -> None:
    recipients = sorted({contract.sales_owner or contract.owner})
    do_notify(recipients, subject, reference_doctype=CONTRACT, reference_name=contract.name)


def do_process_contracts(today: dt.date | None = None) -> dict[str, int]:
    """Start, remind, expire; return how many contracts each step touched."""
    today = today or timezone.localdate()
    with as_of(today):
        return _process_contracts(today)


def _process_contracts(today: dt.date) -> dict[str, int]:
    model: Any = get_model(CONTRACT)
    counts = {"started": 0, "reminded": 0, "expired": 0}
    for contract in model.objects.filter(
        docstatus=1, workflow_state__in=NOT_STARTED_STATES, start_date__lte=today
    ).exclude(end_date__lt=today):
        counts["started"] += _move(contract, "Start Execution")
    for contract in model.objects.filter(
        docstatus=1, workflow_state__in=RUNNING_STATES, end_date__lt=today
    ):
        if _move(contract, "Expire"):
            counts["expired"] += 1
            if not model.objects.filter(renewed_from=contract.name).exclude(docstatus=2).exists():
                _notify_owner(
                    contract,
                    _(
                        "Contract {title} ended on {end_date}: renew it if the customer continues",
                        title=contract.contract_title,
                        end_date=contract.end_date.isoformat(),
                    ),
                )
    for contract in model.objects.filter(
        docstatus=1,
        workflow_state__in=RUNNING_STATES,
        end_date__gte=today,
        expiry_reminded_on__isnull=True,
    ):
        if contract.end_date > today + dt.timedelta(days=reminder_days(contract.company)):
            continue
        _notify_owner(
            contract,
            _(
                "Contract {title} ends on {end_date} ({days} days): prepare its renewal",
                title=contract.contract_title,
                end_date=contract.end_date.isoformat(),
                days=(contract.end_date - today).days,
            ),
        )
        do_set_system_fields(CONTRACT, contract.name, {"expiry_reminded_on": today})
        counts["reminded"] += 1
    return counts


def process_contracts() -> None:
    """Scheduler (daily): see do_process_contracts."""
    do_process_contracts()


# ------------------------------------------------------------------ workflow reasons


def on_workflow_logged(log_row, event: str) -> None:
    """Workflow Log after_insert: keep a termination's reason on the contract itself."""
    if log_row.reference_doctype != CONTRACT or log_row.to_state != "Terminated":
        return
    if log_row.from_state == log_row.to_state:
        return
    do_set_system_fields(
        CONTRACT, log_row.reference_name, {"termination_reason": (log_row.reason or "").strip()}
    )
    release = _cash_release()
    if release is not None:
        release(CONTRACT, log_row.reference_name)


def release_contract_plans(doc, event: str) -> None:
    """Contract on_cancel: its payment plan's open installments are cancelled."""
    release = _cash_release()
    if release is not None:
        release(CONTRACT, doc.name)


def _cash_release():
    """kuaicrm.cash.release_plans (the cash side cancels a plan's open installments)."""
    try:
        from kuaicrm.cash import release_plans
    except ImportError:
        return None
    return release_plans
