"""Sales targets (业绩目标): periods, actual figures, attainment and the ranking (排行榜).

What counts (seed 004, issue 12):

- **Signed Amount**: signed contracts (docstatus 1: signed, 绿色通道 included; a cancelled
  one drops out) by ``sign_date``, at ``grand_total`` (``amount`` when no items); plus approved
  (submitted) Sales Orders *without* a contract by ``order_date`` at ``grand_total`` — an order
  made from a contract is the same sale, so it is not counted twice; returned orders drop out.
- **Collected Amount**: received Payment Receipts (docstatus 1) by ``receipt_date`` at
  ``amount``; a reversed receipt is cancelled (docstatus 2) and drops out.

Each figure is credited to the document's ``sales_owner``; a department's figure is the sum
over the people whose department (today) is in that department's subtree.

Permissions: targets are read through ``permitted_queryset`` (a rep reads their own and their
department's, a manager the department subtree's: ``target_read_grant``); who may read a
target may read its attainment figure. The ranking is built from the documents the runner may
read (a rep ranks their own figures, a manager the department's, a director everyone's).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from lowcode.sdk import (
    DataError,
    _,
    department_subtree,
    full_names,
    get_model,
    permitted_queryset,
    round_money,
    scope_for,
    user_department,
)

TARGET = "Sales Target"
SIGNED, COLLECTED = "Signed Amount", "Collected Amount"
TARGET_TYPES = (SIGNED, COLLECTED)
MONTH, QUARTER, YEAR = "Month", "Quarter", "Year"
PERIOD_TYPES = (MONTH, QUARTER, YEAR)
_PATTERNS = {
    MONTH: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
    YEAR: re.compile(r"^(\d{4})$"),
}
_EXAMPLES = {MONTH: "2026-03", QUARTER: "2026-Q1", YEAR: "2026"}


# ---------------------------------------------------------------- periods


def period_bounds(period_type: str, period: str) -> tuple[dt.date, dt.date]:
    """Return ``[start, end)`` of a period label (2026-03, 2026-Q1, 2026); DataError if malformed."""
    match = _PATTERNS.get(period_type, _PATTERNS[MONTH]).match(str(period or ""))
    if period_type not in PERIOD_TYPES or match is None:
        raise DataError(
            _(
                "Period {period} is not a {period_type}: write it as {example}",
                period=period,
                period_type=_(period_type),
                example=_EXAMPLES.get(period_type, _EXAMPLES[MONTH]),
            )
        )
    year = int(match.group(1))
    if period_type == YEAR:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    months = 3 if period_type == QUARTER else 1
    first = (int(match.group(2)) - 1) * 3 + 1 if period_type == QUARTER else int(match.group(2))
    last = first + months
    return dt.date(year, first, 1), dt.date(year + (last - 1) // 12, (last - 1) % 12 + 1, 1)


def period_of(period_type: str, day: dt.date) -> str:
    """The label of the period containing ``day``."""
    if period_type == YEAR:
        return f"{day.year}"
    if period_type == QUARTER:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def previous_period(period_type: str, period: str) -> str:
    """The period just before (环比, MoM): last month, last quarter, last year."""
    start, _end = period_bounds(period_type, period)
    return period_of(period_type, start - dt.timedelta(days=1))


def last_year_period(period_type: str, period: str) -> str:
    """The same period one year earlier (同比, YoY)."""
    start, _end = period_bounds(period_type, period)
    return period_of(period_type, start.replace(year=start.year - 1))


# ---------------------------------------------------------------- actual figures


def signed_documents(contracts: QuerySet, orders: QuerySet, start: dt.date, end: dt.date):
    """(contracts, orders) that count as signed in ``[start, end)`` (see the module rule)."""
    contracts = contracts.filter(docstatus=1, sign_date__gte=start, sign_date__lt=end)
    orders = (
        orders.filter(docstatus=1, order_date__gte=start, order_date__lt=end)
        .filter(Q(contract__isnull=True) | Q(contract=""))
        .exclude(status="Returned")
    )
    return contracts, orders


def collected_receipts(receipts: QuerySet, start: dt.date, end: dt.date) -> QuerySet:
    """Received (submitted, not reversed) receipts dated in ``[start, end)``."""
    return receipts.filter(docstatus=1, receipt_date__gte=start, receipt_date__lt=end)


def _by_owner(queryset: QuerySet, amount: Any) -> dict[str, Decimal]:
    rows = queryset.order_by().values("sales_owner").annotate(total=Sum(amount))
    return {row["sales_owner"] or "": Decimal(row["total"] or 0) for row in rows}


def actuals(
    target_type: str,
    start: dt.date,
    end: dt.date,
    user: str | None = None,
) -> dict[str, Decimal]:
    """Sales owner → signed or collected amount in ``[start, end)``.

    With ``user`` the documents are those ``user`` may read; without, all of them (the
    figure behind a target the caller was allowed to read).
    """

    def base(doctype: str) -> QuerySet:
        if user is None:
            return get_model(doctype).objects.all()
        return permitted_queryset(user, doctype)

    totals: dict[str, Decimal] = defaultdict(Decimal)
    if target_type == COLLECTED:
        for owner, amount in _by_owner(
            collected_receipts(base("Payment Receipt"), start, end), "amount"
        ).items():
            totals[owner] += amount
        return totals
    contracts, orders = signed_documents(base("Contract"), base("Sales Order"), start, end)
    for queryset, field in ((contracts, "amount"), (orders, "grand_total")):
        for owner, value in _by_owner(queryset, field).items():
            totals[owner] += value
    return totals


def department_members(department: str) -> list[str]:
    """Usernames whose department is ``department`` or below it."""
    from lowcode.sdk import UserProfile

    return list(
        UserProfile.objects.filter(department__in=department_subtree(department)).values_list(
            "user__username", flat=True
        )
    )


def percent(part: Decimal, whole: Decimal) -> float | None:
    """``part / whole`` in percent with one decimal; None when ``whole`` is 0."""
    return round(float(part) * 100 / float(whole), 1) if whole else None


def growth(now: Decimal, before: Decimal) -> float | None:
    """Growth in percent (同比 / 环比); None when there is nothing to compare with."""
    return round((float(now) - float(before)) * 100 / float(before), 1) if before else None


# ---------------------------------------------------------------- attainment


def attainment(user: str, day: dt.date, period_types: tuple[str, ...] = PERIOD_TYPES) -> list:
    """The targets ``user`` may read for the periods containing ``day``, with actual and %.

    A rep sees their own and their department's targets; a manager also each member's.
    """
    labels = {period_type: period_of(period_type, day) for period_type in period_types}
    wanted = Q()
    for period_type, label in labels.items():
        wanted |= Q(period_type=period_type, period=label)
    targets = list(
        permitted_queryset(user, TARGET)
        .filter(wanted)
        .order_by("period_type", "target_type", "department", "user")
        .values("name", "target_type", "period_type", "period", "user", "department",
                "target_amount")
    )  # fmt: skip
    figures: dict[tuple[str, str], dict[str, Decimal]] = {}
    members: dict[str, list[str]] = {}
    names = full_names({t["user"] for t in targets if t["user"]})
    rows = []
    for target in targets:
        key = (target["target_type"], target["period"])
        if key not in figures:
            start, end = period_bounds(target["period_type"], target["period"])
            figures[key] = actuals(target["target_type"], start, end)
        if target["user"]:
            actual = figures[key].get(target["user"], Decimal(0))
        else:
            department = target["department"] or ""
            if department not in members:
                members[department] = department_members(department)
            actual = sum((figures[key].get(m, Decimal(0)) for m in members[department]), Decimal(0))
        amount = Decimal(target["target_amount"] or 0)
        rows.append(
            {
                "target": target["name"],
                "target_type": target["target_type"],
                "period_type": target["period_type"],
                "period": target["period"],
                "user": target["user"] or None,
                "full_name": names.get(target["user"], target["user"]) if target["user"] else None,
                "department": target["department"] or None,
                "target_amount": float(round_money(amount)),
                "actual_amount": float(round_money(actual)),
                "attainment": percent(actual, amount),
                "is_mine": target["user"] == user,
            }
        )
    return rows


def target_attainment(request, user: str, date: str = "", **_ignored) -> dict[str, Any]:
    """/api/method/kuaicrm.target_attainment: my (and my team's) attainment this month, quarter, year."""
    day = _day(date)
    rows = attainment(user, day)
    return {
        "date": day.isoformat(),
        "periods": {pt: period_of(pt, day) for pt in PERIOD_TYPES},
        "mine": [row for row in rows if row["is_mine"]],
        "team": [row for row in rows if not row["is_mine"]],
    }


def _day(value: Any) -> dt.date:
    from django.utils import timezone

    if value in (None, ""):
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise DataError(_("Date must be a date (YYYY-MM-DD)")) from None


# ---------------------------------------------------------------- ranking


def ranking(
    user: str,
    period_type: str,
    period: str,
    target_type: str = SIGNED,
    department: str | None = None,
) -> list[dict[str, Any]]:
    """排行榜: one row per sales owner with figures the runner may read, best first.

    Each row: actual in the period, the previous period (环比, MoM) and the same period a
    year earlier (同比, YoY) with growth in percent, the person's target and attainment.
    """
    if target_type not in TARGET_TYPES:
        raise DataError(
            _("Filter {name} must be one of {options}", name="target_type",
              options=", ".join(TARGET_TYPES))
        )  # fmt: skip
    start, end = period_bounds(period_type, period)
    previous = previous_period(period_type, period)
    last_year = last_year_period(period_type, period)
    now = actuals(target_type, start, end, user)
    before = actuals(target_type, *period_bounds(period_type, previous), user)
    year_ago = actuals(target_type, *period_bounds(period_type, last_year), user)
    people = {p for p in (*now, *before, *year_ago) if p}
    if department:
        people &= set(department_members(department))
    targets = {
        row["user"]: Decimal(row["target_amount"] or 0)
        for row in permitted_queryset(user, TARGET)
        .filter(period_type=period_type, period=period, target_type=target_type,
                user__in=people)
        .values("user", "target_amount")
    }  # fmt: skip
    names = full_names(people)
    departments = _departments(people)
    rows: list[dict[str, Any]] = []
    for person in people:
        actual = now.get(person, Decimal(0))
        prev, ago = before.get(person, Decimal(0)), year_ago.get(person, Decimal(0))
        target = targets.get(person)
        rows.append(
            {
                "user": person,
                "full_name": names.get(person, person),
                "department": departments.get(person),
                "actual_amount": float(round_money(actual)),
                "target_amount": float(round_money(target)) if target is not None else None,
                "attainment": percent(actual, target) if target else None,
                "previous_amount": float(round_money(prev)),
                "mom": growth(actual, prev),
                "last_year_amount": float(round_money(ago)),
                "yoy": growth(actual, ago),
            }
        )
    rows.sort(key=lambda r: (-float(r["actual_amount"] or 0), str(r["user"])))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def _departments(people) -> dict[str, str]:
    from lowcode.sdk import UserProfile

    return dict(
        UserProfile.objects.filter(user__username__in=list(people)).values_list(
            "user__username", "department"
        )
    )


def sales_ranking(
    request,
    user: str,
    period_type: str = MONTH,
    period: str = "",
    target_type: str = SIGNED,
    department: str = "",
    **_ignored,
) -> dict[str, Any]:
    """/api/method/kuaicrm.sales_ranking: 排行榜 of a period with 同比 and 环比."""
    period_type = str(period_type or MONTH)
    period = str(period or period_of(period_type if period_type in PERIOD_TYPES else MONTH,
                                     _day("")))  # fmt: skip
    return {
        "period_type": period_type,
        "period": period,
        "target_type": target_type,
        "previous_period": previous_period(period_type, period),
        "last_year_period": last_year_period(period_type, period),
        "rows": ranking(user, period_type, period, str(target_type), str(department) or None),
    }


# ---------------------------------------------------------------- read grants


def target_read_grant(user: str, doctype: str) -> Q | None:
    """Who reads a target beyond its owner: its person, their department, a manager's team.

    Targets are set by managers (the owner), so without this a rep could not read their own.
    """
    department = user_department(user)
    granted = Q(user=user)
    if department and scope_for(user, doctype, "read") == "department":
        subtree = department_subtree(department)
        granted |= Q(department__in=subtree) | Q(user__in=department_members(department))
    elif department:
        granted |= Q(department=department)
    return granted
