"""回款 and 开票: payment plans, payment receipts, invoices and the receivables they add up to.

- A **Payment Plan** splits a contract's or a sales order's amount into installments (due date,
  percentage, amount). What each installment has been paid is never typed in: it is the sum
  of the submitted Payment Receipt allocations to it, recomputed on every change, so a stale
  form cannot overwrite it.
- A **Payment Receipt** is recorded by finance (submit = received) and allocated to
  installments. Allocating more than the receipt or than an installment's outstanding amount
  is refused naming the row and the installment. The check runs with the plans' rows locked
  (``SELECT … FOR UPDATE``; SQLite takes its write lock at BEGIN IMMEDIATE), so two receipts
  recorded at once for the same installment take turns and the second sees the first.
  Reversal (冲销) cancels the receipt with a reason and gives the installments their
  outstanding amount back.
- An **Invoice** (开票) is requested by sales and issued or rejected by finance through the
  "Invoice Request" workflow; 红冲 marks an issued invoice Reversed and creates the negative
  invoice that reverses it (``reversal_of``). What is invoiced and requested never passes the
  contract's (or order's) amount.
- Contract / Sales Order ``invoiced_amount``, ``collected_amount`` and ``outstanding_amount``
  are system fields, written through ``lowcode.documents.system_fields`` (a receipt is not an
  edit of the contract, so the contract's approval guard does not apply).

Amounts are Decimal, rounded to the cent half up (``lowcode.money.round_money``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from lowcode.sdk import (
    FieldError,
    PermissionError,
    ValidationError,
    _,
    access_doc,
    do_assign_doc,
    do_cancel_doc,
    do_insert_doc,
    do_set_system_fields,
    do_submit_doc,
    get_meta,
    get_model,
    permitted_queryset,
    round_money,
    to_json,
)

PLAN = "Payment Plan"
INSTALLMENT = "Payment Plan Installment"
RECEIPT = "Payment Receipt"
ALLOCATION = "Payment Receipt Allocation"
INVOICE = "Invoice"
CONTRACT = "Contract"
SALES_ORDER = "Sales Order"

# Installment and plan statuses (one list: a plan's status reads like its worst installment).
UNPAID, PARTLY_PAID, PAID, OVERDUE, CANCELLED = (
    "Unpaid",
    "Partly Paid",
    "Paid",
    "Overdue",
    "Cancelled",
)
# Invoice statuses (the Invoice Request workflow's update_field values).
REQUESTED, ISSUED, REJECTED, REVERSED = "Requested", "Issued", "Rejected", "Reversed"
SPECIAL_INVOICE = "VAT Special Invoice"
DEFAULT_ESCALATE_AFTER_DAYS = 7
ZERO = Decimal(0)


def _d(value: Any) -> Decimal:
    return round_money(value or 0)


def _today() -> dt.date:
    return timezone.localdate()


# ================================================================== read-only: sums


def received_receipts():
    """Payment Receipts that count: submitted ones (a reversed receipt is cancelled)."""
    return get_model(RECEIPT).objects.filter(docstatus=1).values("name")


def paid_by_installment(installments: list[str]) -> dict[str, Decimal]:
    """What submitted receipts allocated to each installment row."""
    if not installments:
        return {}
    rows = (
        get_model(ALLOCATION)
        .objects.filter(
            parenttype=RECEIPT, parent__in=received_receipts(), installment__in=installments
        )
        .values("installment")
        .annotate(total=Sum("allocated_amount"))
    )
    return {row["installment"]: _d(row["total"]) for row in rows}


def collected_for(field: str, value: str) -> Decimal:
    """Cash received against a contract or sales order (allocations of submitted receipts)."""
    total = (
        get_model(ALLOCATION)
        .objects.filter(parenttype=RECEIPT, parent__in=received_receipts(), **{field: value})
        .aggregate(total=Sum("allocated_amount"))["total"]
    )
    return _d(total)


def invoiced_for(field: str, value: str) -> Decimal:
    """Issued invoices net of 红冲 (an issued negative invoice cancels its original)."""
    total = (
        get_model(INVOICE)
        .objects.filter(docstatus=1, **{field: value})
        .aggregate(total=Sum("grand_total"))["total"]
    )
    return _d(total)


def source_amount(doctype: str, name: str) -> Decimal:
    """A contract's or order's amount (grand total with tax when it has one)."""
    meta = get_meta(doctype)
    fields = [f for f in ("grand_total", "amount") if meta.has_field(f)]
    values = get_model(doctype).objects.filter(name=name).values(*fields).first() or {}
    return _d(next((values[f] for f in fields if values.get(f)), 0))


def installment_status(row, paid: Decimal, today: dt.date) -> str:
    if row.status == CANCELLED:
        return CANCELLED
    amount = _d(row.amount)
    if amount > 0 and paid >= amount:
        return PAID
    if row.due_date and row.due_date < today:
        return OVERDUE
    return PARTLY_PAID if paid > 0 else UNPAID


def plan_status(statuses: list[str], paid: Decimal) -> str:
    """The plan reads like its installments: overdue first, then paid, cancelled, partly paid."""
    live = [s for s in statuses if s != CANCELLED]
    if OVERDUE in live:
        return OVERDUE
    if live and all(s == PAID for s in live):
        return PAID
    if not live:
        return CANCELLED if statuses else UNPAID
    if not [s for s in live if s != PAID] and CANCELLED in statuses:
        return CANCELLED
    return PARTLY_PAID if paid > 0 else UNPAID


# ================================================================== Payment Plan


def installments_from_contract(contract) -> list[dict]:
    """Installments from a contract's payment terms (Contract Payment Term rows)."""
    rows = []
    fallback = contract.get("end_date") or contract.get("sign_date") or _today()
    for term in contract.get("payment_terms") or []:
        rows.append(
            {
                "description": term.get("description"),
                "due_date": term.get("due_date") or fallback,
                "milestone": term.get("milestone"),
                "percentage": term.get("percentage"),
                "amount": term.get("amount"),
            }
        )
    return rows


def installments_from_order(order) -> list[dict]:
    """A sales order without terms: one installment of the whole amount, due on delivery."""
    due = order.get("delivery_date") or order.get("order_date") or _today()
    return [{"description": _("Full payment"), "due_date": due, "percentage": 100}]


def _rows(values: list[dict]) -> list:
    model = get_model(INSTALLMENT)
    return [_new_row(model, v) for v in values]


def installments_for(source) -> list[dict]:
    """A plan's default installments: the contract's terms; an order follows its contract's
    percentages (it may be a part of the contract), else one installment due on delivery."""
    if source.doctype == CONTRACT:
        return installments_from_contract(source)
    contract_name = source.get("contract")
    contract = (
        get_model(CONTRACT).objects.filter(name=contract_name).first() if contract_name else None
    )
    rows = installments_from_contract(contract) if contract is not None else []
    for row in rows:
        row["amount"] = None
    return rows or installments_from_order(source)


def after_map_plan(source, target, user: str = "") -> None:
    """document_mappings postprocess: the total and the installments from the source."""
    target.total_amount = source_amount(source.doctype, source.name)
    target.sales_owner = source.get("sales_owner") or source.owner
    target.set_children("installments", _rows(installments_for(source)))


def settle_plan(plan) -> None:
    """Payment Plan validate: defaults, installment amounts, the sum check, paid and status."""
    _plan_defaults(plan)
    rows = plan.get_children("installments")
    total = _d(plan.total_amount)
    errors = _fill_installment_amounts(rows, total)
    if errors:
        raise ValidationError("; ".join(e.message for e in errors), errors)
    _check_installment_sum(rows, total)
    _apply_paid(plan, rows)


def _plan_defaults(plan) -> None:
    # An order's plan is the order's, even when the order belongs to a contract.
    source = None
    if plan.sales_order:
        source = get_model(SALES_ORDER).objects.filter(name=plan.sales_order).first()
    elif plan.contract:
        source = get_model(CONTRACT).objects.filter(name=plan.contract).first()
    if source is not None:
        plan.customer = plan.customer or source.get("customer")
        plan.sales_owner = plan.sales_owner or source.get("sales_owner") or source.owner
        if not plan.total_amount:
            plan.total_amount = source_amount(source.doctype, source.name)
        if not plan.get_children("installments"):
            plan.set_children("installments", _rows(installments_for(source)))
        _check_one_plan(plan, source)
    plan.sales_owner = plan.sales_owner or plan.acting_user or plan.owner
    if plan.escalate_after_days is None:
        plan.escalate_after_days = DEFAULT_ESCALATE_AFTER_DAYS
    plan.customer_name = (
        get_model("Customer")
        .objects.filter(name=plan.customer)
        .values_list("customer_name", flat=True)
        .first()
    )


def _check_one_plan(plan, source) -> None:
    """One live plan per contract (without an order) and per order: two would count twice."""
    field = "sales_order" if source.doctype == SALES_ORDER else "contract"
    others = get_model(PLAN).objects.filter(**{field: source.name}).exclude(status=CANCELLED)
    if field == "contract":
        others = others.filter(Q(sales_order__isnull=True) | Q(sales_order=""))
    other = others.exclude(name=plan.name).values_list("name", flat=True).first()
    if other:
        message = _(
            "{doctype} {name} already has the payment plan {plan}",
            doctype=_(source.doctype),
            name=source.name,
            plan=other,
        )
        raise ValidationError(message, [FieldError(field, "one_plan", message)])


def _new_row(model, values: dict):
    row = model()
    for key, value in values.items():
        row.set(key, value)
    row.status = UNPAID
    return row


def _fill_installment_amounts(rows: list, total: Decimal) -> list[FieldError]:
    """An amount from its percentage, or the percentage from the amount."""
    errors = []
    for idx, row in enumerate(rows, start=1):
        row.idx = idx
        if not row.amount and row.percentage:
            row.amount = round_money(total * Decimal(str(row.percentage)) / 100)
        elif row.amount and total:
            row.percentage = float(round(_d(row.amount) * 100 / total, 4))
        if not row.amount:
            message = _("Installments row {row}: enter an amount or a percentage", row=idx)
            errors.append(FieldError("amount", "reqd", message, row=idx, table="installments"))
    # Percentages that add up to 100 % must add up to the total: the last installment takes the
    # cents rounding left over (30 % / 30 % / 40 % of 100.01).
    percentages = [Decimal(str(r.percentage or 0)) for r in rows]
    if rows and not errors and sum(percentages) == 100:
        rest = total - sum((_d(r.amount) for r in rows[:-1]), ZERO)
        if abs(rest - _d(rows[-1].amount)) <= Decimal("0.05"):
            rows[-1].amount = rest
    return errors


def _check_installment_sum(rows: list, total: Decimal) -> None:
    planned = sum((_d(r.amount) for r in rows), ZERO)
    if planned == total:
        return
    message = _(
        "The installments add up to {planned}, not the plan's total {total} (difference {diff})",
        planned=planned,
        total=total,
        diff=total - planned,
    )
    raise ValidationError(
        message,
        [FieldError("installments", "sum", message), FieldError("total_amount", "sum", message)],
    )


def _apply_paid(plan, rows: list) -> None:
    """Paid amounts from the receipts; a row cannot drop below what was paid on it."""
    stored: dict[str, str] = {}
    if not plan.is_new:
        rows_stored = get_model(INSTALLMENT).objects.filter(parent=plan.name, parenttype=PLAN)
        stored = dict(rows_stored.values_list("name", "status"))
    paid = paid_by_installment([r.name for r in rows if r.name])
    today, errors = _today(), []
    for row in rows:
        row.paid_amount = paid.get(row.name, ZERO) if row.name else ZERO
        # Only the system cancels an installment (release_plans); a form cannot.
        row.status = CANCELLED if stored.get(row.name) == CANCELLED else UNPAID
        if _d(row.amount) < row.paid_amount:
            message = _(
                "Installments row {row}: the amount cannot be less than the {paid} already received",
                row=row.idx,
                paid=row.paid_amount,
            )
            errors.append(FieldError("amount", "paid", message, row=row.idx, table="installments"))
        row.status = installment_status(row, row.paid_amount, today)
        row.outstanding_amount = (
            ZERO if row.status == CANCELLED else _d(row.amount) - row.paid_amount
        )
    removed_paid = set(paid) - {r.name for r in rows}
    if removed_paid:
        message = _("An installment that received payments cannot be removed")
        errors.append(FieldError("installments", "paid", message))
    if errors:
        raise ValidationError("; ".join(e.message for e in errors), errors)
    plan.paid_amount = sum((r.paid_amount for r in rows), ZERO)
    plan.outstanding_amount = sum((_d(r.outstanding_amount) for r in rows), ZERO)
    plan.status = plan_status([r.status for r in rows], plan.paid_amount)


def refuse_plan_delete(plan) -> None:
    """Payment Plan on_trash: a plan that received money stays (its receipts point at it)."""
    allocations = get_model(ALLOCATION).objects.filter(
        parenttype=RECEIPT, payment_plan=plan.name, parent__in=received_receipts()
    )
    receipt = allocations.values_list("parent", flat=True).first()
    if receipt:
        message = _(
            "Payment Plan {plan} has received payments ({receipt}); reverse them before deleting it",
            plan=plan.name,
            receipt=receipt,
        )
        raise ValidationError(message, [FieldError("installments", "paid", message)])


def assign_sales_owner(doc, event: str = "") -> None:
    """after_insert / on_update: the sales owner reads the document ("own" scope = assigned)."""
    owner = doc.get("sales_owner")
    if owner and owner != doc.owner:
        do_assign_doc("Administrator", doc.doctype, doc.name, owner, ignore_permissions=True)


@transaction.atomic
def do_refresh_plans(plan_names: list[str], today: dt.date | None = None) -> None:
    """Recompute installments' paid / outstanding / status and the plans' totals from receipts."""
    today = today or _today()
    Plan, Installment = get_model(PLAN), get_model(INSTALLMENT)
    plans = list(Plan.objects.select_for_update().filter(name__in=plan_names).order_by("name"))
    for plan in plans:
        rows = list(Installment.objects.filter(parent=plan.name, parenttype=PLAN).order_by("idx"))
        paid = paid_by_installment([r.name for r in rows])
        for row in rows:
            row_paid = paid.get(row.name, ZERO)
            status = installment_status(row, row_paid, today)
            outstanding = ZERO if status == CANCELLED else _d(row.amount) - row_paid
            if (status, row_paid, _d(row.outstanding_amount)) != (
                row.status,
                _d(row.paid_amount),
                outstanding,
            ):
                do_set_system_fields(
                    INSTALLMENT,
                    row.name,
                    {"paid_amount": row_paid, "outstanding_amount": outstanding, "status": status},
                )
            row.status, row.paid_amount, row.outstanding_amount = status, row_paid, outstanding
        paid_total = sum((_d(r.paid_amount) for r in rows), ZERO)
        do_set_system_fields(
            PLAN,
            plan.name,
            {
                "paid_amount": paid_total,
                "outstanding_amount": sum((_d(r.outstanding_amount) for r in rows), ZERO),
                "status": plan_status([r.status for r in rows], paid_total),
            },
        )


@transaction.atomic
def release_plans(doctype: str, name: str) -> int:
    """Cancel the open installments of a cancelled / returned order or a terminated contract.

    What was already received stays received; the rest is no longer due. Return how many
    installments were cancelled.
    """
    field = {CONTRACT: "contract", SALES_ORDER: "sales_order"}[doctype]
    plans = list(
        get_model(PLAN)
        .objects.select_for_update()
        .filter(**{field: name})
        .order_by("name")
        .values_list("name", flat=True)
    )
    rows = (
        get_model(INSTALLMENT)
        .objects.filter(parent__in=plans, parenttype=PLAN)
        .exclude(status__in=[PAID, CANCELLED])
    )
    released = 0
    for row_name in rows.values_list("name", flat=True):
        released += do_set_system_fields(
            INSTALLMENT, row_name, {"status": CANCELLED, "outstanding_amount": 0}
        )
    do_refresh_plans(plans)
    return released


# ================================================================== receivables on sources


@transaction.atomic
def do_refresh_receivables(contracts=(), sales_orders=()) -> None:
    """Write invoiced / collected / outstanding on contracts and sales orders (system fields)."""
    for doctype, field, names in (
        (CONTRACT, "contract", contracts),
        (SALES_ORDER, "sales_order", sales_orders),
    ):
        meta = get_meta(doctype)
        for name in sorted({n for n in names if n}):
            collected = collected_for(field, name)
            values = {
                "invoiced_amount": invoiced_for(field, name),
                "collected_amount": collected,
                "outstanding_amount": source_amount(doctype, name) - collected,
            }
            # Fields the source's DocType does not have (yet) are not kept there.
            values = {k: v for k, v in values.items() if meta.has_field(k)}
            if values:
                do_set_system_fields(doctype, name, values)


def keep_receivables(doc, event: str = "") -> None:
    """Contract / Sales Order validate and before_update_after_submit: the receivable totals
    come from the receipts and invoices, never from the form.

    They are read-only, but a save carries them back as the form last showed them: a manager
    who opened a signed contract before a receipt was recorded would otherwise write the old
    collected amount over the new one.
    """
    field = {CONTRACT: "contract", SALES_ORDER: "sales_order"}[doc.doctype]
    meta = doc.meta
    amount = _d(doc.get("grand_total") or doc.get("amount"))
    collected = ZERO if doc.is_new else collected_for(field, doc.name)
    values = {
        "invoiced_amount": ZERO if doc.is_new else invoiced_for(field, doc.name),
        "collected_amount": collected,
        "outstanding_amount": amount - collected,
    }
    for fieldname, value in values.items():
        if meta.has_field(fieldname):
            doc.set(fieldname, value)


def refresh_for_doc(doc) -> None:
    """Refresh the plans, contracts and orders a receipt or an invoice touches."""
    if doc.doctype == RECEIPT:
        rows = doc.get_children("allocations")
        do_refresh_plans(sorted({r.payment_plan for r in rows if r.payment_plan}))
        do_refresh_receivables([r.contract for r in rows], [r.sales_order for r in rows])
    else:
        do_refresh_receivables([doc.get("contract")], [doc.get("sales_order")])


# ================================================================== Payment Receipt


def settle_receipt(receipt) -> None:
    """Payment Receipt validate: link allocations to their plans, refuse over-allocation.

    The plans are locked first, so the outstanding amounts read below cannot change until this
    transaction ends: a receipt recorded meanwhile for the same installment waits, then sees
    this one (READ COMMITTED on MariaDB; SQLite writers take turns).
    """
    receipt.customer_name = (
        get_model("Customer")
        .objects.filter(name=receipt.customer)
        .values_list("customer_name", flat=True)
        .first()
    )
    if receipt.docstatus == 0:  # reversal details are written by the reversal alone
        receipt.reversal_reason = receipt.reversed_on = None
    rows = receipt.get_children("allocations")
    Installment = get_model(INSTALLMENT)
    found = {
        i.name: i
        for i in Installment.objects.filter(
            name__in=[r.installment for r in rows if r.installment], parenttype=PLAN
        )
    }
    plan_names = sorted({i.parent for i in found.values()})
    plans = {
        p.name: p
        for p in get_model(PLAN)
        .objects.select_for_update()
        .filter(name__in=plan_names)
        .order_by("name")
    }
    # Re-read the installments under the lock.
    found = {i.name: i for i in Installment.objects.filter(name__in=list(found), parenttype=PLAN)}
    paid = paid_by_installment(list(found))
    errors: list[FieldError] = []
    allocated_here: dict[str, Decimal] = defaultdict(lambda: ZERO)
    total = ZERO
    for idx, row in enumerate(rows, start=1):
        installment = found.get(row.installment)
        if installment is None:
            message = _(
                "Allocations row {row}: installment {installment} does not exist",
                row=idx,
                installment=row.installment,
            )
            errors.append(FieldError("installment", "link", message, row=idx, table="allocations"))
            continue
        plan = plans[installment.parent]
        row.payment_plan, row.contract, row.sales_order = (
            plan.name,
            plan.contract,
            plan.sales_order,
        )
        row.due_date = installment.due_date
        receipt.sales_owner = receipt.sales_owner or plan.sales_owner
        label = _(
            "{plan} installment {idx} (due {due})",
            plan=plan.name,
            idx=installment.idx,
            due=to_json(installment.due_date),
        )
        if plan.customer != receipt.customer:
            message = _(
                "Allocations row {row}: {installment} belongs to another customer",
                row=idx,
                installment=label,
            )
            errors.append(
                FieldError("installment", "customer", message, row=idx, table="allocations")
            )
            continue
        amount = _d(row.allocated_amount)
        if amount <= 0:
            message = _("Allocations row {row}: the allocated amount must be positive", row=idx)
            errors.append(
                FieldError("allocated_amount", "positive", message, row=idx, table="allocations")
            )
            continue
        remaining = (
            ZERO
            if installment.status == CANCELLED
            else _d(installment.amount) - paid.get(installment.name, ZERO)
        ) - allocated_here[installment.name]
        if amount > remaining:
            message = _(
                "Allocations row {row}: {installment} has {remaining} outstanding; "
                "{amount} cannot be allocated to it",
                row=idx,
                installment=label,
                remaining=max(remaining, ZERO),
                amount=amount,
            )
            errors.append(
                FieldError(
                    "allocated_amount", "over_allocated", message, row=idx, table="allocations"
                )
            )
            continue
        allocated_here[installment.name] += amount
        total += amount
    receipt_amount = _d(receipt.amount)
    if not errors and total > receipt_amount:
        message = _(
            "The allocations add up to {allocated}, more than the receipt's amount {amount} "
            "(by {excess})",
            allocated=total,
            amount=receipt_amount,
            excess=total - receipt_amount,
        )
        errors.append(FieldError("allocations", "over_allocated", message))
    if errors:
        raise ValidationError("; ".join(e.message for e in errors), errors)
    receipt.allocated_amount = total
    receipt.unallocated_amount = receipt_amount - total


def refuse_bare_cancel(receipt) -> None:
    """Payment Receipt before_cancel: a receipt is reversed with a reason, never just cancelled."""
    if not (receipt.reversal_reason or "").strip():
        message = _("A reversal needs a reason: use Reverse Receipt")
        raise ValidationError(message, [FieldError("reversal_reason", "reqd", message)])


@transaction.atomic
def do_record_payment_receipt(user: str, data: dict):
    """Record a received payment (insert + submit in one transaction); return the receipt."""
    receipt = do_insert_doc(user, RECEIPT, data)
    return do_submit_doc(user, RECEIPT, receipt.name)


@transaction.atomic
def do_reverse_payment_receipt(user: str, name: str, reason: str):
    """冲销: cancel a received payment with a reason; its installments are outstanding again."""
    reason = (reason or "").strip()
    if not reason:
        message = _("A reason is required to reverse a payment receipt")
        raise ValidationError(message, [FieldError("reason", "reqd", message)])
    receipt = access_doc(user, RECEIPT, name, "cancel", for_update=True)
    if receipt.docstatus != 1:
        message = _("Only a received (submitted) payment receipt can be reversed")
        raise ValidationError(message, [FieldError("docstatus", "state", message)])
    do_set_system_fields(
        RECEIPT, receipt.name, {"reversal_reason": reason, "reversed_on": timezone.now()}
    )
    return do_cancel_doc(user, RECEIPT, receipt.name)


# ================================================================== Invoice


def taxpayer_id_error(value: str) -> str | None:
    """Why a taxpayer ID (纳税人识别号) is invalid, or None.

    15 (old tax registration numbers), 18 (the unified social credit code, whose check
    character must hold) or 20 characters, digits and capital letters only.
    """
    from lowcode.sdk import credit_code_valid

    if len(value) not in (15, 18, 20) or not value.isalnum() or not value.isascii():
        return _("Taxpayer ID must be 15, 18 or 20 letters and digits")
    if len(value) == 18 and not credit_code_valid(value):
        return _("Taxpayer ID {value} is not a valid unified social credit code", value=value)
    return None


def settle_invoice(invoice) -> None:
    """Invoice validate: defaults from the source, taxpayer ID, tax split, the amount ceiling."""
    from lowcode.sdk import normalise_credit_code

    _invoice_defaults(invoice)
    # The status mirrors the workflow state (a form cannot claim an invoice is issued).
    if invoice.get("workflow_state") in (REQUESTED, ISSUED, REJECTED, REVERSED):
        invoice.status = invoice.workflow_state
    errors: list[FieldError] = []
    if invoice.taxpayer_id:
        invoice.taxpayer_id = normalise_credit_code(invoice.taxpayer_id)
        problem = taxpayer_id_error(invoice.taxpayer_id)
        if problem:
            errors.append(FieldError("taxpayer_id", "taxpayer_id", problem))
    grand = _d(invoice.grand_total)
    if grand <= 0 and not invoice.reversal_of:
        errors.append(
            FieldError("grand_total", "positive", _("Grand Total must be greater than 0"))
        )
    rate = Decimal(str(invoice.tax_rate or 0))
    invoice.net_total = round_money(grand * 100 / (100 + rate))
    invoice.total_tax = grand - invoice.net_total
    if invoice.get("workflow_state") == ISSUED:
        for field, label in (("invoice_no", _("Invoice No")), ("invoice_date", _("Invoice Date"))):
            if not invoice.get(field):
                errors.append(
                    FieldError(field, "reqd", _("{label} is required to issue", label=label))
                )
    if errors:
        raise ValidationError("; ".join(e.message for e in errors), errors)
    if grand > 0 and invoice.get("workflow_state") != REJECTED:
        _check_invoice_ceiling(invoice, grand)


def _invoice_defaults(invoice) -> None:
    for field, doctype in (
        ("payment_plan", PLAN),
        ("sales_order", SALES_ORDER),
        ("contract", CONTRACT),
    ):
        name = invoice.get(field)
        source = get_model(doctype).objects.filter(name=name).first() if name else None
        if source is None:
            continue
        invoice.customer = invoice.customer or source.get("customer")
        invoice.sales_owner = invoice.sales_owner or source.get("sales_owner")
        if doctype != CONTRACT and not invoice.contract:
            invoice.contract = source.get("contract")
        if doctype == PLAN and not invoice.sales_order:
            invoice.sales_order = source.get("sales_order")
    invoice.sales_owner = invoice.sales_owner or invoice.acting_user or invoice.owner
    if not invoice.buyer_title and invoice.customer:
        invoice.buyer_title = (
            get_model("Customer")
            .objects.filter(name=invoice.customer)
            .values_list("customer_name", flat=True)
            .first()
        )


def _check_invoice_ceiling(invoice, grand: Decimal) -> None:
    """Issued + requested invoices never pass the contract's (else the order's) amount."""
    if invoice.contract:
        doctype, field, name = CONTRACT, "contract", invoice.contract
    elif invoice.sales_order:
        doctype, field, name = SALES_ORDER, "sales_order", invoice.sales_order
    else:
        return
    # Lock the source so two requests at once are counted one after the other.
    get_model(doctype).objects.select_for_update().filter(name=name).exists()
    others = (
        get_model(INVOICE)
        .objects.filter(**{field: name})
        .filter(Q(docstatus=1) | Q(docstatus=0, status=REQUESTED))
        .exclude(name=invoice.name)
        .aggregate(total=Sum("grand_total"))["total"]
    )
    others, amount = _d(others), source_amount(doctype, name)
    if others + grand > amount:
        message = _(
            "Invoiced {invoiced} plus this invoice's {grand} passes the {doctype} amount "
            "{amount}: at most {left} may still be invoiced",
            invoiced=others,
            grand=grand,
            doctype=_(doctype),
            amount=amount,
            left=max(amount - others, ZERO),
        )
        raise ValidationError(message, [FieldError("grand_total", "invoice_ceiling", message)])


def after_map_invoice(source, target, user: str = "") -> None:
    """document_mappings postprocess: the buyer from the customer, what is left to invoice."""
    customer = get_model("Customer").objects.filter(name=source.get("customer")).first()
    if customer is not None:
        target.buyer_title = customer.customer_name
        target.taxpayer_id = customer.get("tax_id") or target.taxpayer_id
    if source.doctype == PLAN:
        left = _d(source.total_amount) - invoiced_for("payment_plan", source.name)
    else:
        field = "contract" if source.doctype == CONTRACT else "sales_order"
        left = source_amount(source.doctype, source.name) - invoiced_for(field, source.name)
    target.grand_total = max(left, ZERO)


def on_invoice_workflow_logged(log, event: str) -> None:
    """Workflow Log after_insert: keep a rejection's reason; 红冲 creates the negative invoice."""
    if log.reference_doctype != INVOICE or log.from_state == log.to_state:
        return
    reason = (log.reason or "").strip()
    if log.to_state == REJECTED:
        do_set_system_fields(INVOICE, log.reference_name, {"rejection_reason": reason})
    elif log.to_state == REQUESTED:
        do_set_system_fields(INVOICE, log.reference_name, {"rejection_reason": None})
    elif log.to_state == REVERSED:
        do_reverse_invoice(log.user, log.reference_name, reason)


# Fields a 红冲 invoice copies from the invoice it reverses.
_REVERSAL_COPY = (
    "customer",
    "contract",
    "sales_order",
    "payment_plan",
    "invoice_type",
    "sales_owner",
    "buyer_title",
    "taxpayer_id",
    "buyer_address",
    "buyer_phone",
    "buyer_bank",
    "buyer_account",
    "tax_rate",
)


@transaction.atomic
def do_reverse_invoice(user: str, name: str, reason: str):
    """The negative invoice of a reversed (红冲) one, to issue with its own red-letter number."""
    original = get_model(INVOICE).objects.get(name=name)
    do_set_system_fields(INVOICE, name, {"reversal_reason": reason})
    data = {f: to_json(original.get(f)) for f in _REVERSAL_COPY}
    data.update({"grand_total": to_json(-_d(original.grand_total)), "reversal_of": name})
    red = do_insert_doc(user, INVOICE, data, ignore_permissions=True)
    do_refresh_receivables([original.contract], [original.sales_order])
    return red


@transaction.atomic
def do_issue_invoice(user: str, name: str, invoice_no: str, invoice_date: Any):
    """Finance issues a requested invoice: its number and date, then the Issue transition."""
    from lowcode.sdk import do_apply_workflow, do_save_doc

    do_save_doc(user, INVOICE, name, {"invoice_no": invoice_no, "invoice_date": invoice_date})
    return do_apply_workflow(user, INVOICE, name, "Issue Invoice")


# ================================================================== overdue reminders


def remind_overdue_installments(today: dt.date | None = None) -> tuple[int, int, int]:
    """Daily: mark installments past due Overdue, remind the owner, then escalate.

    The owner hears once when an installment falls overdue; the owner's manager (department
    head) once it is ``escalate_after_days`` (the plan's, default 7) past due. Each notice is
    claimed by a conditional write of its date flag (``do_set_system_fields`` with ``where``,
    as ``tasks.check_first_contact``), so overlapping runs never tell anyone twice. Return
    (marked, reminded, escalated).
    """
    from kuaicrm.tasks import supervisors_of
    from lowcode.sdk import do_notify

    today = today or _today()
    Installment, Plan = get_model(INSTALLMENT), get_model(PLAN)
    late = Installment.objects.filter(
        parenttype=PLAN, due_date__lt=today, outstanding_amount__gt=0
    ).exclude(status__in=[PAID, CANCELLED])
    marked_plans = sorted(set(late.exclude(status=OVERDUE).values_list("parent", flat=True)))
    marked = late.exclude(status=OVERDUE).count()
    if marked_plans:
        do_refresh_plans(marked_plans, today)
    # Only rows someone still has to hear about: a plan overdue for months is not re-read daily.
    pending = late.filter(Q(reminded_on__isnull=True) | Q(escalated_on__isnull=True))
    plans = {p.name: p for p in Plan.objects.filter(name__in=pending.values("parent"))}
    reminded = escalated = 0
    for row in pending.order_by("due_date", "name").iterator(chunk_size=500):
        plan = plans[row.parent]
        owner = plan.sales_owner or plan.owner
        subject_args = {
            "plan": plan.name,
            "customer": plan.customer_name or plan.customer,
            "idx": row.idx,
            "due": to_json(row.due_date),
            "amount": _d(row.outstanding_amount),
        }
        with transaction.atomic():
            if row.reminded_on is None and do_set_system_fields(
                INSTALLMENT, row.name, {"reminded_on": today}, where={"reminded_on": None}
            ):
                do_notify(
                    [owner],
                    _(
                        "Overdue receivable: {customer}, {plan} installment {idx} was due "
                        "{due}, {amount} outstanding",
                        **subject_args,
                    ),
                    reference_doctype=PLAN,
                    reference_name=plan.name,
                )
                reminded += 1
        days = plan.escalate_after_days
        days = DEFAULT_ESCALATE_AFTER_DAYS if days is None else int(days)
        if row.escalated_on is not None or row.due_date + dt.timedelta(days=days) > today:
            continue
        with transaction.atomic():
            if do_set_system_fields(
                INSTALLMENT, row.name, {"escalated_on": today}, where={"escalated_on": None}
            ):
                do_notify(
                    supervisors_of([owner]),
                    _(
                        "Overdue more than {days} days: {customer}, {plan} installment {idx} "
                        "was due {due}, {amount} outstanding (owner {owner})",
                        days=days,
                        owner=owner,
                        **subject_args,
                    ),
                    reference_doctype=PLAN,
                    reference_name=plan.name,
                )
                escalated += 1
    return marked, reminded, escalated


# ================================================================== receivables (read-only)


def receivables_summary(user: str, customer: str) -> dict[str, Any]:
    """A customer's receivables as the user may see them (customer 360)."""

    def total(doctype: str, field: str, **filters) -> Decimal:
        try:
            qs = permitted_queryset(user, doctype, "read").filter(customer=customer, **filters)
        except PermissionError:  # a role without read on it sees nothing of it
            return ZERO
        return _d(qs.aggregate(total=Sum(field))["total"])

    contract_meta = get_meta(CONTRACT)
    contract_field = "grand_total" if contract_meta.has_field("grand_total") else "amount"
    try:
        plans = permitted_queryset(user, PLAN, "read").filter(customer=customer)
    except PermissionError:
        plans = get_model(PLAN).objects.none()
    overdue = (
        get_model(INSTALLMENT)
        .objects.filter(
            parenttype=PLAN,
            parent__in=plans.values("name"),
            status=OVERDUE,
        )
        .aggregate(total=Sum("outstanding_amount"))["total"]
    )
    return {
        "contract_amount": to_json(total(CONTRACT, contract_field, docstatus=1)),
        "invoiced": to_json(total(INVOICE, "grand_total", docstatus=1)),
        "collected": to_json(total(RECEIPT, "allocated_amount", docstatus=1)),
        "received": to_json(total(RECEIPT, "amount", docstatus=1)),
        "outstanding": to_json(
            _d(plans.exclude(status=CANCELLED).aggregate(t=Sum("outstanding_amount"))["t"])
        ),
        "overdue": to_json(_d(overdue)),
    }


def contract_receivables_data(user: str, contract: str) -> dict[str, Any]:
    """Contract amount vs invoiced vs collected, and the plans' installments."""
    doc = access_doc(user, CONTRACT, contract, "read")
    amount = source_amount(CONTRACT, doc.name)
    invoiced, collected = invoiced_for("contract", doc.name), collected_for("contract", doc.name)
    requested = _d(
        get_model(INVOICE)
        .objects.filter(contract=doc.name, docstatus=0, status=REQUESTED)
        .aggregate(total=Sum("grand_total"))["total"]
    )
    plans = get_model(PLAN).objects.filter(contract=doc.name).order_by("name")
    installments = get_model(INSTALLMENT).objects.filter(
        parenttype=PLAN, parent__in=plans.values("name")
    )
    overdue = _d(installments.filter(status=OVERDUE).aggregate(t=Sum("outstanding_amount"))["t"])
    rows_by_plan: dict[str, list] = defaultdict(list)  # one query for every plan's rows
    for row in installments.order_by("parent", "idx"):
        rows_by_plan[row.parent].append(row)
    stored = {
        f: _d(doc.get(f))
        for f in ("invoiced_amount", "collected_amount", "outstanding_amount")
        if doc.meta.has_field(f)
    }
    computed = {
        "invoiced_amount": invoiced,
        "collected_amount": collected,
        "outstanding_amount": amount - collected,
    }
    return {
        "contract": doc.name,
        "customer": doc.get("customer"),
        "amount": to_json(amount),
        "invoiced": to_json(invoiced),
        "invoice_requested": to_json(requested),
        "collected": to_json(collected),
        "outstanding": to_json(amount - collected),
        "uninvoiced": to_json(amount - invoiced),
        "invoiced_not_collected": to_json(invoiced - collected),
        "collected_not_invoiced": to_json(max(collected - invoiced, ZERO)),
        "overdue": to_json(overdue),
        # The stored totals agree with the documents (they are rewritten on every change).
        "reconciled": all(stored[k] == computed[k] for k in stored),
        "plans": [
            {
                "name": plan.name,
                "total_amount": to_json(_d(plan.total_amount)),
                "paid_amount": to_json(_d(plan.paid_amount)),
                "outstanding_amount": to_json(_d(plan.outstanding_amount)),
                "status": plan.status,
                "installments": [
                    {
                        "name": row.name,
                        "idx": row.idx,
                        "due_date": to_json(row.due_date),
                        "amount": to_json(_d(row.amount)),
                        "paid_amount": to_json(_d(row.paid_amount)),
                        "outstanding_amount": to_json(_d(row.outstanding_amount)),
                        "status": row.status,
                    }
                    for row in rows_by_plan[plan.name]
                ],
            }
            for plan in plans
        ],
    }


# ================================================================== whitelisted methods


def record_payment_receipt(request, user, **data) -> dict:
    """/api/method/kuaicrm.record_payment_receipt: record and allocate a received payment."""
    from lowcode.sdk import doc_to_dict

    data.pop("cmd", None)
    if isinstance(data.get("allocations"), str):
        import json

        data["allocations"] = json.loads(data["allocations"])
    return doc_to_dict(user, do_record_payment_receipt(user, data))


def reverse_payment_receipt(request, user, receipt: str = "", reason: str = "", **_ignored):
    """/api/method/kuaicrm.reverse_payment_receipt: 冲销 with a reason."""
    from lowcode.sdk import doc_to_dict

    return doc_to_dict(user, do_reverse_payment_receipt(user, str(receipt), str(reason)))


def issue_invoice(
    request, user, invoice: str = "", invoice_no: str = "", invoice_date: str = "", **_ignored
):
    """/api/method/kuaicrm.issue_invoice: finance issues a requested invoice."""
    from lowcode.sdk import doc_to_dict

    return doc_to_dict(user, do_issue_invoice(user, str(invoice), invoice_no, invoice_date))


def contract_receivables(request, user, contract: str = "", **_ignored) -> dict:
    """/api/method/kuaicrm.contract_receivables: one contract's receivables, reconciled."""
    return contract_receivables_data(user, str(contract))
