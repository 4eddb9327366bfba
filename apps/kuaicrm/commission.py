"""Commission (提成): monthly statements computed from the cash collected (Payment Receipts).

The rules, as the statements apply them:

- **Base**: each received Payment Receipt (docstatus 1) dated in the month, credited to its
  ``sales_owner``. Its amount is split over product groups: each allocation (to a contract, a
  sales order, or a payment plan of one) is divided in proportion to the ``amount`` of that
  document's item rows per ``Product.product_group``; what cannot be tied to a group (no items,
  items without a product, the receipt's unallocated part) is group "" (all).
- **Rule**: for each slice, the enabled Commission Rule effective on the receipt date that
  applies to the person (listed user, or one of the listed roles; neither listed = everyone)
  and names the slice's product group; if none does, one with no product group. Among several,
  the one with the latest ``effective_from`` (then name) wins. A slice with no rule earns 0.
- **Tiers** apply to the month's total per rule: *Progressive* (累进) — each part of the total
  earns its own tier's rate (0–100k at 2 %, 100k–300k at 3 % …); *Whole Amount* (全额) — the
  whole total earns the rate of the tier it reaches. The rule's cap limits what it pays in
  one statement. Each receipt's line then carries the rule's effective rate (commission ÷
  base), rounded to cents with the remainder on the last line, so lines sum to the total.
- **Reversals**: a receipt reversed after its statement was approved (docstatus 1, locked)
  is never taken out of that statement; the person's next statement computed for a later
  month gets an adjustment line (``is_adjustment``, negative base and commission equal to what
  was counted, the note naming the reversed receipt). A reversed receipt in a Draft statement
  simply drops out at the next computation; one in a statement still Pending Review is the
  reviewer's to return (Return → Draft recomputes it) — if it is approved all the same, the
  next statement adjusts it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kuaicrm.targets import MONTH, department_members, period_bounds
from lowcode.sdk import (
    ADMINISTRATOR,
    FieldError,
    PermissionError,
    ValidationError,
    _,
    access_doc,
    department_subtree,
    do_insert_doc,
    do_save_doc,
    full_names,
    get_model,
    get_roles,
    has_doctype_permission,
    option_label,
    request_cached,
    round_money,
    scope_for,
    user_department,
)

STATEMENT = "Commission Statement"
RULE = "Commission Rule"
DRAFT = "Draft"
PROGRESSIVE, WHOLE = "Progressive", "Whole Amount"
SALES_ROLES = ("Sales User", "Sales Manager")
ALL_GROUPS = ""
ZERO = Decimal(0)


# ---------------------------------------------------------------- tiers


@dataclass(frozen=True)
class Tier:
    start: Decimal
    end: Decimal | None
    rate: Decimal


@dataclass
class Rule:
    name: str
    product_group: str
    calculation: str
    effective_from: dt.date
    effective_to: dt.date | None
    cap: Decimal
    roles: frozenset[str]
    users: frozenset[str]
    tiers: list[Tier] = field(default_factory=list)

    def applies(self, user: str, roles: frozenset[str], day: dt.date) -> bool:
        if day < self.effective_from or (self.effective_to and day > self.effective_to):
            return False
        if not self.roles and not self.users:
            return True
        return user in self.users or bool(self.roles & roles)

    def commission(self, base: Decimal) -> Decimal:
        """The commission on a month's ``base`` under this rule's tiers and cap."""
        if base <= 0:
            return ZERO
        if self.calculation == WHOLE:
            rate = ZERO
            for tier in self.tiers:
                if base >= tier.start:
                    rate = tier.rate
            amount = base * rate / 100
        else:
            amount = ZERO
            for tier in self.tiers:
                top = base if tier.end is None else min(base, tier.end)
                if top > tier.start:
                    amount += (top - tier.start) * tier.rate / 100
        amount = round_money(amount)
        return min(amount, self.cap) if self.cap > 0 else amount


def load_rules() -> list[Rule]:
    """Every enabled rule with its tiers and who it applies to (three queries)."""
    rules = {
        row["name"]: Rule(
            row["name"],
            row["product_group"] or ALL_GROUPS,
            row["calculation"] or PROGRESSIVE,
            row["effective_from"],
            row["effective_to"],
            Decimal(row["cap_amount"] or 0),
            frozenset(),
            frozenset(),
        )
        for row in get_model(RULE)
        .objects.filter(enabled=1)
        .values("name", "product_group", "calculation", "effective_from", "effective_to",
                "cap_amount")
    }  # fmt: skip
    tiers = (
        get_model("Commission Rule Tier")
        .objects.filter(parenttype=RULE, parent__in=list(rules))
        .order_by("parent", "from_amount")
        .values_list("parent", "from_amount", "to_amount", "rate")
    )
    for parent, start, end, rate in tiers:
        rules[parent].tiers.append(
            Tier(Decimal(start or 0), Decimal(end) if end else None, Decimal(rate or 0))
        )
    for doctype, fieldname in (("Commission Rule Role", "role"), ("Commission Rule User", "user")):
        found: dict[str, set[str]] = defaultdict(set)
        for parent, value in (
            get_model(doctype)
            .objects.filter(parenttype=RULE, parent__in=list(rules))
            .values_list("parent", fieldname)
        ):
            found[parent].add(value)
        for parent, values in found.items():
            attr = "roles" if fieldname == "role" else "users"
            setattr(rules[parent], attr, frozenset(values))
    return sorted(rules.values(), key=lambda r: (r.effective_from, r.name), reverse=True)


def pick_rule(
    rules: list[Rule], user: str, roles: frozenset[str], group: str, day: dt.date
) -> Rule | None:
    """The rule for one slice: its product group's, else an all-groups one (latest first)."""
    fallback = None
    for rule in rules:  # newest effective_from first
        if not rule.applies(user, roles, day):
            continue
        if rule.product_group == group:
            return rule
        if rule.product_group == ALL_GROUPS and fallback is None:
            fallback = rule
    return fallback


# ---------------------------------------------------------------- receipts to product groups


@dataclass
class Slice:
    receipt: str
    receipt_date: dt.date
    customer: str | None
    product_group: str
    amount: Decimal


def split(amount: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """Divide ``amount`` in proportion to ``weights`` in cents, the remainder on the largest."""
    total = sum(weights.values(), ZERO)
    if total <= 0 or not weights:
        return {ALL_GROUPS: amount}
    parts = {key: round_money(amount * w / total) for key, w in weights.items() if w > 0}
    biggest = max(parts, key=lambda k: weights[k])
    parts[biggest] += amount - sum(parts.values(), ZERO)
    return parts


def _group_weights(doctype: str, names: set[str]) -> dict[str, dict[str, Decimal]]:
    """Document → product group → item amount, for a contract's or an order's items."""
    if not names:
        return {}
    item_doctype = f"{doctype} Item"
    items = (
        get_model(item_doctype)
        .objects.filter(parenttype=doctype, parent__in=list(names))
        .values_list("parent", "product", "amount")
    )
    rows = list(items)
    products = {p for _parent, p, _amount in rows if p}
    groups = dict(
        get_model("Product").objects.filter(name__in=products).values_list("name", "product_group")
    )
    weights: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for parent, product, amount in rows:
        weights[parent][groups.get(product) or ALL_GROUPS] += Decimal(amount or 0)
    return weights


def receipt_slices(receipts: list[dict[str, Any]]) -> list[Slice]:
    """Each receipt's amount split over product groups (see the module rule)."""
    names = [r["name"] for r in receipts]
    allocations = list(
        get_model("Payment Receipt Allocation")
        .objects.filter(parenttype="Payment Receipt", parent__in=names)
        .values_list("parent", "payment_plan", "contract", "sales_order", "allocated_amount")
    )
    plans = {
        plan for _r, plan, contract, order, _a in allocations if plan and not (contract or order)
    }
    plan_docs = {
        name: (contract, order)
        for name, contract, order in get_model("Payment Plan")
        .objects.filter(name__in=plans)
        .values_list("name", "contract", "sales_order")
    }
    resolved: dict[str, list[tuple[str, str, Decimal]]] = defaultdict(list)
    contracts, orders = set(), set()
    for receipt, plan, contract, order, amount in allocations:
        if not (contract or order) and plan:
            contract, order = plan_docs.get(plan, (None, None))
        if contract:
            contracts.add(contract)
            resolved[receipt].append(("Contract", contract, Decimal(amount or 0)))
        elif order:
            orders.add(order)
            resolved[receipt].append(("Sales Order", order, Decimal(amount or 0)))
        else:
            resolved[receipt].append(("", "", Decimal(amount or 0)))
    weights = {
        "Contract": _group_weights("Contract", contracts),
        "Sales Order": _group_weights("Sales Order", orders),
    }
    slices = []
    for receipt in receipts:
        total = Decimal(receipt["amount"] or 0)
        groups: dict[str, Decimal] = defaultdict(Decimal)
        allocated = ZERO
        for doctype, name, amount in resolved.get(receipt["name"], []):
            allocated += amount
            parts = (
                split(amount, weights.get(doctype, {}).get(name, {}))
                if doctype
                else {ALL_GROUPS: amount}
            )
            for group, part in parts.items():
                groups[group] += part
        if total - allocated > 0:
            groups[ALL_GROUPS] += total - allocated
        for group in sorted(groups):
            if groups[group]:
                slices.append(
                    Slice(receipt["name"], receipt["receipt_date"], receipt["customer"], group,
                          groups[group])
                )  # fmt: skip
    return slices


# ---------------------------------------------------------------- statement lines


def _line(s: Slice, rule: Rule | None, rate: Decimal, commission: Decimal) -> dict[str, Any]:
    return {
        "payment_receipt": s.receipt,
        "receipt_date": s.receipt_date,
        "customer": s.customer,
        "product_group": s.product_group,
        "commission_rule": rule.name if rule else None,
        "base_amount": s.amount,
        "rate": rate,
        "commission_amount": commission,
        "is_adjustment": 0,
        "note": None,
    }


def month_lines(
    user: str, roles: frozenset[str], slices: list[Slice], rules: list[Rule]
) -> list[dict[str, Any]]:
    """One line per receipt slice; tiers and cap per rule over the month's slices."""
    by_rule: dict[str | None, list[tuple[Slice, Rule | None]]] = defaultdict(list)
    for s in slices:
        rule = pick_rule(rules, user, roles, s.product_group, s.receipt_date)
        by_rule[rule.name if rule else None].append((s, rule))
    lines = []
    for _name, members in by_rule.items():
        rule = members[0][1]
        base = sum((s.amount for s, _r in members), ZERO)
        total = rule.commission(base) if rule else ZERO
        rate = (total * 100 / base).quantize(Decimal("0.0001")) if base else ZERO
        paid = ZERO
        for index, (s, _r) in enumerate(members):
            last = index == len(members) - 1
            amount = total - paid if last else round_money(s.amount * total / base)
            paid += amount
            lines.append(_line(s, rule, rate, amount))
    lines.sort(key=lambda line: (line["receipt_date"], line["payment_receipt"],
                                 line["product_group"]))  # fmt: skip
    return lines


def adjustment_lines(users: list[str], period: str) -> dict[str, list[dict[str, Any]]]:
    """Per person: negative lines for receipts reversed after their statement was approved.

    A receipt counted in an earlier approved statement and cancelled since, with no
    adjustment for it in any other statement, is adjusted in this period's statement.
    """
    Statement, Line = get_model(STATEMENT), get_model("Commission Statement Line")
    locked = dict(
        Statement.objects.filter(user__in=users, period__lt=period, docstatus=1).values_list(
            "name", "user"
        )
    )
    counted = list(
        Line.objects.filter(parenttype=STATEMENT, parent__in=list(locked), is_adjustment=0)
        .values("parent", "payment_receipt", "product_group", "commission_rule", "base_amount",
                "rate", "commission_amount", "customer")
    )  # fmt: skip
    receipts = {row["payment_receipt"] for row in counted if row["payment_receipt"]}
    reversed_on = dict(
        get_model("Payment Receipt")
        .objects.filter(name__in=receipts, docstatus=2)
        .values_list("name", "reversed_on")
    )
    this_period = {
        f"CS-{period}-{u}" for u in users
    }  # the statements being computed: their own adjustments are recomputed
    adjusted = set(
        Line.objects.filter(
            parenttype=STATEMENT, is_adjustment=1, payment_receipt__in=list(reversed_on)
        )
        .exclude(parent__in=this_period)
        .values_list("payment_receipt", flat=True)
    )
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in counted:
        receipt = row["payment_receipt"]
        if receipt not in reversed_on or receipt in adjusted:
            continue
        when = reversed_on[receipt]
        note = _(
            "Reversal of Payment Receipt {receipt} (reversed on {date}), counted in {statement}",
            receipt=receipt,
            date=when.isoformat()[:10] if when else "-",
            statement=row["parent"],
        )
        found[locked[row["parent"]]].append(
            {
                "payment_receipt": receipt,
                "receipt_date": None,
                "customer": row["customer"],
                "product_group": row["product_group"],
                "commission_rule": row["commission_rule"],
                "base_amount": -Decimal(row["base_amount"] or 0),
                "rate": row["rate"],
                "commission_amount": -Decimal(row["commission_amount"] or 0),
                "is_adjustment": 1,
                "note": note,
            }
        )
    return found


def compute_lines(users: list[str], period: str) -> dict[str, list[dict[str, Any]]]:
    """Person → the lines of their statement for ``period`` (a month, 2026-03)."""
    start, end = period_bounds(MONTH, period)
    receipts = list(
        get_model("Payment Receipt")
        .objects.filter(sales_owner__in=users, docstatus=1, receipt_date__gte=start,
                        receipt_date__lt=end)
        .order_by("receipt_date", "name")
        .values("name", "sales_owner", "receipt_date", "customer", "amount")
    )  # fmt: skip
    owners = {r["name"]: r["sales_owner"] for r in receipts}
    slices: dict[str, list[Slice]] = defaultdict(list)
    for s in receipt_slices(receipts):
        slices[owners[s.receipt]].append(s)
    rules = load_rules()
    adjustments = adjustment_lines(users, period)
    return {
        user: month_lines(user, get_roles(user), slices.get(user, []), rules)
        + adjustments.get(user, [])
        for user in users
    }


# ---------------------------------------------------------------- actions


def batch() -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Lines computed for many people at once, handed to each statement's save (this request)."""
    return request_cached(("commission_batch",), dict)


def sales_people(user: str) -> list[str]:
    """The people whose statements ``user`` may make: everyone for an all-scope, else the team."""
    from lowcode.sdk import HasRole

    people = set(
        HasRole.objects.filter(role__in=SALES_ROLES).values_list("user__username", flat=True)
    )
    if scope_for(user, STATEMENT, "create") != "all":
        department = user_department(user)
        people &= set(department_members(department)) if department else {user}
    return sorted(people)


@transaction.atomic
def do_make_commission_statements(user: str, period: str) -> dict[str, Any]:
    """Compute (or recompute) every Draft statement of ``period`` for the user's sales people.

    Locked statements (Pending Review, Approved) are left as they are and listed; a person
    with nothing collected and nothing to adjust gets no statement.
    """
    if not has_doctype_permission(user, STATEMENT, "create"):
        raise PermissionError(_("No permission to create {doctype}", doctype=_(STATEMENT)))
    period_bounds(MONTH, period)  # a malformed month is refused before any work
    people = sales_people(user)
    lines = compute_lines(people, period)
    existing = dict(
        get_model(STATEMENT)
        .objects.filter(user__in=people, period=period, docstatus__lt=2)
        .values_list("user", "status")
    )
    made, updated, locked = [], [], []
    stash = batch()
    for person in people:
        name = f"CS-{period}-{person}"
        status = existing.get(person)
        if status not in (None, DRAFT):
            locked.append(name)
            continue
        if status is None and not lines[person]:
            continue
        stash[(person, period)] = lines[person]
        if status is None:
            do_insert_doc(user, STATEMENT, {"user": person, "period": period},
                          ignore_permissions=True)  # fmt: skip
            made.append(name)
        else:
            do_save_doc(user, STATEMENT, name, {}, ignore_permissions=True)
            updated.append(name)
    return {"period": period, "created": made, "updated": updated, "locked": locked}


def make_commission_statements(request, user: str, period: str = "", **_ignored) -> dict[str, Any]:
    """/api/method/kuaicrm.make_commission_statements: this month's (or ``period``'s) statements.

    Also the Commission Statement list's 生成提成单 (hooks ``desk_list_actions``), whose toast
    reads the counts.
    """
    if not period:
        today = timezone.localdate()
        period = f"{today.year}-{today.month:02d}"
    result = do_make_commission_statements(user, str(period).strip())
    counts = {f"{key}_count": len(result[key]) for key in ("created", "updated", "locked")}
    return {**result, **counts}


def previous_month(today: dt.date) -> str:
    """The label of the month before ``today``'s (2026-12-01 → 2026-11)."""
    last = today.replace(day=1) - dt.timedelta(days=1)
    return f"{last.year}-{last.month:02d}"


def statement_dialog_values(user: str, doc=None) -> dict[str, str]:
    """生成提成单's dialog starts at last month, the one a manager closes at the month's start."""
    return {"period": previous_month(timezone.localdate())}


def make_last_month_statements(today: dt.date | None = None) -> dict[str, Any]:
    """Scheduler (monthly, on the 1st): last month's statements of every sales person.

    Made as the Administrator (every department), through the same action as the manager's
    button. Idempotent: a statement is one per person and month (``CS-<month>-<user>``), so a
    repeated run recomputes the Drafts it made, leaves submitted ones as they are and creates
    none twice; a scheduler that was down on the 1st still closes the right month later.
    """
    period = previous_month(today or timezone.localdate())
    return do_make_commission_statements(ADMINISTRATOR, period)


@transaction.atomic
def do_recompute_commission_statement(user: str, name: str):
    """Recompute one Draft statement the user may write (a locked one is refused as locked)."""
    statement = access_doc(user, STATEMENT, name, "write", for_update=True)
    if statement.docstatus != 0 or (statement.status or DRAFT) != DRAFT:
        message = _("Only a Draft commission statement is recomputed; {name} is {status}",
                    name=name, status=option_label(statement.meta.get_field("status"), statement.status))  # fmt: skip
        raise ValidationError(message, [FieldError("status", "state", message)])
    return do_save_doc(user, STATEMENT, name, {})


def recompute_commission_statement(request, user: str, name: str = "", **_ignored) -> dict:
    """/api/method/kuaicrm.recompute_commission_statement: the desk's Recompute button."""
    doc = do_recompute_commission_statement(user, str(name))
    return {"name": doc.name, "total_commission": float(doc.total_commission or 0)}


def statement_read_grant(user: str, doctype: str) -> Q | None:
    """A sales person reads their own statements (a manager generates them: the owner)."""
    granted = Q(user=user)
    department = user_department(user)
    if department and scope_for(user, doctype, "read") == "department":
        granted |= Q(department__in=department_subtree(department))
    return granted


def person_details(user: str) -> tuple[str, str | None]:
    return full_names([user]).get(user, user), user_department(user) or None
