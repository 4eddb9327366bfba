"""Quotation (报价单): priced items for a customer, approved when the discount or margin says so.

Amounts are computed on the server in Decimal, every rounding through
``lowcode.money.round_money`` (to the cent, half up, 四舍五入), per line first and then summed:

- ``price_list_rate`` defaults to the product's ``standard_rate``;
- discount per unit: ``discount_percentage``, when set (non-zero), wins and
  ``discount_amount = round(price_list_rate × discount_percentage / 100)``; otherwise the given
  ``discount_amount`` is used (it may not exceed the list price). To switch from a percentage to
  an amount, clear the percentage;
- ``rate = price_list_rate − discount_amount`` (the net unit price);
- ``amount = round(qty × rate)``; ``tax_amount = round(amount × tax_rate / 100)`` per line
  (增值税 13/9/6/0 %); ``amount_with_tax = amount + tax_amount``;
- ``net_total``, ``total_tax`` and ``discount_total`` are sums of the rounded line values
  (``discount_total = Σ round(qty × price_list_rate) − net_total``), ``grand_total =
  net_total + total_tax``, so the printed lines always add up to the printed total;
- ``in_words`` is ``money_in_words(grand_total)`` (人民币…元整).

``max_discount_percentage`` is the largest line discount as a percentage of its list price
(an amount discount counts too); ``margin_percentage`` is ``(net_total − Σ qty × standard_cost)
/ net_total × 100`` from the products' ``standard_cost`` (permlevel 1, like the cost), empty
while a product has no cost. The approval workflow (workflow/quotation_approval.json) compares
both with the Workflow Settings ``quotation_max_discount`` and ``quotation_min_margin``.

After approval: Sent, Accepted (the opportunity moves to its won stage), Lost (the opportunity
is lost with the quotation's reason, unless another quotation of it is still open), Expired
(daily, once ``valid_till`` has passed) or Cancelled; a revision is cancel + amend. A quotation
whose ``valid_till`` has passed is not submitted (nor approved).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.utils import timezone

from lowcode.sdk import (
    Document,
    FieldError,
    FrappeError,
    ValidationError,
    _,
    get_meta,
    get_model,
    label_of,
    money_in_words,
    round_money,
    to_decimal,
)

logger = logging.getLogger(__name__)

HUNDRED = Decimal(100)


class Status:
    DRAFT = "Draft"
    PENDING = "Pending Approval"
    APPROVED = "Approved"
    SENT = "Sent"
    ACCEPTED = "Accepted"
    LOST = "Lost"
    EXPIRED = "Expired"
    CANCELLED = "Cancelled"


# A quotation still in play: the opportunity is not lost while one of these is open.
OPEN_STATUSES = (Status.DRAFT, Status.PENDING, Status.APPROVED, Status.SENT)
# Workflow actions (workflow/quotation_approval.json) the CRM reacts to.
ACCEPT_ACTION, LOST_ACTION, EXPIRE_ACTION = "Accept", "Mark Lost", "Expire"


class Quotation(Document):
    customer: str
    customer_name: str | None
    opportunity: str | None
    quotation_date: dt.date | None
    valid_till: dt.date | None
    sales_owner: str | None
    status: str | None
    total_qty: Decimal | None
    discount_total: Decimal | None
    net_total: Decimal | None
    total_tax: Decimal | None
    grand_total: Decimal | None
    in_words: str | None
    max_discount_percentage: Decimal | None
    margin_percentage: Decimal | None
    lost_reason: str | None
    lost_details: str | None

    def validate(self) -> None:
        self.copy_customer_details()
        self.check_opportunity()
        self.set_sales_owner()
        self.check_valid_till()
        self.compute_items()
        self.compute_totals()
        self.check_auto_approval()

    def before_submit(self) -> None:
        """An approval never makes a quotation whose validity has already passed binding."""
        if self.valid_till and self.valid_till < timezone.localdate():
            self._refuse(
                "valid_till",
                "expired",
                _(
                    "{label} {date} has passed: change it before the quotation is approved",
                    label=self._label("valid_till"),
                    date=self.valid_till.isoformat(),
                ),
            )

    # ------------------------------------------------------------------ validate steps
    def copy_customer_details(self) -> None:
        self.customer_name = (
            get_model("Customer")
            .objects.filter(name=self.customer)
            .values_list("customer_name", flat=True)
            .first()
        )

    def check_opportunity(self) -> None:
        """The opportunity quoted must be the customer's: its outcome follows the quotation's."""
        if not self.opportunity:
            return
        customer = (
            get_model("Opportunity")
            .objects.filter(name=self.opportunity)
            .values_list("customer", flat=True)
            .first()
        )
        if customer is not None and customer != self.customer:
            self._refuse(
                "opportunity",
                "customer",
                _(
                    "Opportunity {opportunity} belongs to another customer ({customer})",
                    opportunity=self.opportunity,
                    customer=customer,
                ),
            )

    def set_sales_owner(self) -> None:
        if not self.sales_owner:
            self.sales_owner = self.acting_user or self.owner

    def check_valid_till(self) -> None:
        if self.valid_till and self.quotation_date and self.valid_till < self.quotation_date:
            self._refuse(
                "valid_till",
                "range",
                _(
                    "{label} cannot be before the {date}",
                    label=self._label("valid_till"),
                    date=self._label("quotation_date"),
                ),
            )

    def compute_items(self) -> None:
        """Each line's prices, discount, amount and tax (module docstring)."""
        rows = self.get_children("items")
        products = {
            name: values
            for name, *values in get_model("Product")
            .objects.filter(name__in={row.product for row in rows if row.product})
            .values_list("name", "product_name", "uom", "standard_rate")
        }
        errors: list[FieldError] = []
        for idx, row in enumerate(rows, start=1):
            product_name, uom, standard_rate = products.get(row.product, (None, None, None))
            row.item_name = row.item_name or product_name
            row.uom = row.uom or uom
            if row.price_list_rate is None:
                row.price_list_rate = standard_rate or Decimal(0)
            errors += self.price_row(row, idx)
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)

    def price_row(self, row: Any, idx: int) -> list[FieldError]:
        list_price = round_money(row.price_list_rate)
        percentage = to_decimal(row.discount_percentage)
        errors = []
        if percentage > HUNDRED:
            errors.append(self._row_error(idx, "discount_percentage", "range"))
        if percentage:
            discount = round_money(list_price * percentage / HUNDRED)
        else:
            discount = round_money(row.discount_amount)
            if discount > list_price:
                errors.append(self._row_error(idx, "discount_amount", "range"))
        row.price_list_rate, row.discount_percentage = list_price, percentage
        row.discount_amount = discount
        row.rate = list_price - discount
        row.amount = round_money(to_decimal(row.qty) * row.rate)
        row.tax_amount = round_money(row.amount * to_decimal(row.tax_rate) / HUNDRED)
        row.amount_with_tax = row.amount + row.tax_amount
        return errors

    def _row_error(self, idx: int, fieldname: str, rule: str) -> FieldError:
        """A line's error, shaped like the standard validation's (table, row, field)."""
        field = get_meta("Quotation Item").get_field(fieldname)
        label = label_of(field) if field is not None else fieldname
        if fieldname == "discount_percentage":
            message = _("{label} cannot exceed 100", label=label)
        else:
            message = _("{label} cannot exceed the list price", label=label)
        table = self._label("items")
        return FieldError(
            fieldname,
            rule,
            _("{table} row {row}: {message}", table=table, row=idx, message=message),
            row=idx,
            table="items",
        )

    def compute_totals(self) -> None:
        rows = self.get_children("items")
        self.total_qty = sum((to_decimal(r.qty) for r in rows), Decimal(0))
        self.net_total = sum((r.amount for r in rows), Decimal(0))
        self.total_tax = sum((r.tax_amount for r in rows), Decimal(0))
        self.grand_total = self.net_total + self.total_tax
        gross = sum((round_money(to_decimal(r.qty) * r.price_list_rate) for r in rows), Decimal(0))
        self.discount_total = gross - self.net_total
        self.in_words = money_in_words(self.grand_total)
        self.max_discount_percentage = max(
            (
                round_money(r.discount_amount * HUNDRED / r.price_list_rate)
                for r in rows
                if r.price_list_rate
            ),
            default=Decimal(0),
        )
        self.margin_percentage = self.margin(rows)

    def check_auto_approval(self) -> None:
        """Submit chose "approved at once" from the values stored at the last save; the move
        recomputes them (a product's cost may have changed since). If they now need approval,
        refuse: nothing reaches Approved past the approval its values call for."""
        before = self._doc_before_save
        if before is None or before.get("status") != Status.DRAFT:
            return
        if self.status != Status.APPROVED:
            return
        from lowcode.sdk import get_workflow, transition_condition_holds

        workflow = get_workflow(self.doctype)
        if workflow is None:
            return
        needs_approval = [
            t for t in workflow.outgoing(Status.DRAFT) if t.next_state == Status.PENDING
        ]
        user = self.acting_user or self.modified_by or ""
        if any(transition_condition_holds(t, self, user) for t in needs_approval):
            self._refuse(
                "items",
                "needs_approval",
                _(
                    "Prices or costs changed since the quotation was saved and it now needs "
                    "approval: save it again, then submit"
                ),
            )

    def margin(self, rows: list) -> Decimal | None:
        """Margin on the net total from the products' standard cost; None if a cost is missing."""
        if not self.net_total:
            return None
        costs = dict(
            get_model("Product")
            .objects.filter(name__in={r.product for r in rows})
            .values_list("name", "standard_cost")
        )
        if any(costs.get(r.product) is None for r in rows):
            return None
        cost = sum((round_money(to_decimal(r.qty) * costs[r.product]) for r in rows), Decimal(0))
        return round_money((self.net_total - cost) * HUNDRED / self.net_total)

    def _label(self, fieldname: str) -> str:
        return label_of(self.meta.get_field(fieldname))

    @staticmethod
    def _refuse(fieldname: str, rule: str, message: str) -> None:
        raise ValidationError(message, [FieldError(fieldname, rule, message)])


# ---------------------------------------------------------------------- mapping
VALID_DAYS = 30  # a new quotation's default validity


def after_map_from_opportunity(source, target, user: str) -> None:
    """Postprocess of ``kuaicrm.make_quotation``: validity and the opportunity's prices.

    The quotation is valid for 30 days. Each line's list price is the product's standard price;
    where the opportunity's rate is lower the difference becomes the line's discount amount
    (a higher rate becomes the list price), so the discount the approval reads is the real one.
    """
    target.quotation_date = timezone.localdate()
    target.valid_till = target.quotation_date + dt.timedelta(days=VALID_DAYS)
    rows = list(zip(source.get_children("items"), target.get_children("items"), strict=False))
    prices = dict(
        get_model("Product")
        .objects.filter(name__in={s.product for s, _t in rows})
        .values_list("name", "standard_rate")
    )
    for source_row, row in rows:
        list_price = prices.get(source_row.product)
        rate = source_row.rate
        if rate is None:
            continue
        if list_price is None or rate > list_price:
            row.price_list_rate = rate
        elif rate < list_price:
            row.price_list_rate = list_price
            row.discount_amount = round_money(list_price - rate)


# ---------------------------------------------------------------------- outcome → opportunity
def _stage_of_type(stage_type: str) -> str | None:
    return (
        get_model("Opportunity Stage")
        .objects.filter(enabled=True, stage_type=stage_type)
        .order_by("stage_order", "name")
        .values_list("name", flat=True)
        .first()
    )


def _other_open_quotations(quotation) -> bool:
    return (
        get_model("Quotation")
        .objects.filter(opportunity=quotation.opportunity, status__in=OPEN_STATUSES)
        .exclude(name=quotation.name)
        .exclude(docstatus=2)
        .exists()
    )


def do_record_quotation_outcome(log, event: str) -> None:
    """Workflow Log after_insert: an accepted / lost quotation moves its opportunity.

    Accepted: the opportunity goes to the first enabled Won stage. Lost: the quotation keeps
    the action's reason as ``lost_details``; the opportunity goes to the first enabled Lost
    stage with the quotation's ``lost_reason`` (Other when none was chosen) and the reason,
    unless another quotation of the same opportunity is still open (draft, pending, approved
    or sent): a rep who quoted two variants loses one, not the deal. The move is an ordinary
    save of the opportunity (stage history, probability, forecast) on the acting user's
    name; the quotation's transition is its authority, as a workflow transition is for the
    document it moves. Both happen in the transition's transaction.
    """
    if log.reference_doctype != "Quotation" or log.action not in (ACCEPT_ACTION, LOST_ACTION):
        return
    from lowcode.sdk import do_save_doc

    quotation = get_model("Quotation").objects.get(name=log.reference_name)
    user = log.user or "Administrator"
    if log.action == LOST_ACTION:
        do_save_doc(
            user,
            "Quotation",
            quotation.name,
            {"lost_details": log.reason},
            ignore_permissions=True,
        )
    if not quotation.opportunity:
        return
    opportunity = get_model("Opportunity").objects.filter(name=quotation.opportunity).first()
    if opportunity is None:
        return
    if log.action == ACCEPT_ACTION:
        stage = _stage_of_type("Won")
        data = {
            "stage": stage,
            "stage_reason": _("Quotation {name} accepted", name=quotation.name),
        }
    else:
        if _other_open_quotations(quotation):
            return
        stage = _stage_of_type("Lost")
        data = {
            "stage": stage,
            "stage_reason": log.reason,
            "lost_reason": quotation.lost_reason or "Other",
            "lost_details": log.reason,
        }
    if stage is None or opportunity.stage == stage or opportunity.status != "Open":
        return  # already closed (won by another quotation, say): a closed deal is not reopened
    do_save_doc(user, "Opportunity", opportunity.name, data, ignore_permissions=True)


# ---------------------------------------------------------------------- scheduled job
def expire_quotations(today: dt.date | None = None) -> int:
    """Daily: approved or sent quotations whose ``valid_till`` has passed become Expired."""
    from lowcode.sdk import do_apply_workflow

    today = today or timezone.localdate()
    names = list(
        get_model("Quotation")
        .objects.filter(
            docstatus=1, status__in=(Status.APPROVED, Status.SENT), valid_till__lt=today
        )
        .values_list("name", flat=True)
    )
    expired = 0
    for name in names:
        try:
            do_apply_workflow("Administrator", "Quotation", name, EXPIRE_ACTION)
        except FrappeError as exc:
            logger.warning("Quotation %s not expired: %s", name, exc.message)
            continue
        expired += 1
    return expired
