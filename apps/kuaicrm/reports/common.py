"""What the sales reports share: filter parsing, date windows, the opportunity scope, stages.

Every read goes through ``permitted_queryset(user, ...)``, so a report shows each runner the
figures of the documents they may read (a Sales User their own, a Sales Manager the
department's). Filters only narrow that set; none widens it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from lowcode.sdk import DataError, _, department_subtree, get_model, permitted_queryset

OPPORTUNITY = "Opportunity"
STAGE = "Opportunity Stage"
OPEN, WON, LOST = "Open", "Won", "Lost"
PERIODS = ("Day", "Week", "Month", "Quarter", "Year")
SOURCES = (
    "Exhibition",
    "Website",
    "Referral",
    "Cold Call",
    "Advertisement",
    "Social Media",
    "Other",
)


# ---------------------------------------------------------------- filter values


def text(filters: dict[str, Any], key: str) -> str | None:
    """Return a filter's string value, or None when empty; refuse anything but one value."""
    value = filters.get(key)
    if value in (None, ""):
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise DataError(_("Filter {name} must be a single value", name=key))
    return str(value)


def choice(filters: dict[str, Any], key: str, options: tuple[str, ...]) -> str | None:
    """Return a Select filter's value when it is one of ``options``."""
    value = text(filters, key)
    if value is not None and value not in options:
        raise DataError(
            _("Filter {name} must be one of {options}", name=key, options=", ".join(options))
        )
    return value


def date_value(filters: dict[str, Any], key: str) -> dt.date | None:
    value = text(filters, key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise DataError(_("Filter {name} must be a date (YYYY-MM-DD)", name=key)) from None


def today() -> dt.date:
    return timezone.localdate()


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """Return the first day of the period containing ``day`` and the first day after it."""
    if period == "Day":
        return day, day + dt.timedelta(days=1)
    if period == "Week":  # ISO weeks start on Monday, as Chinese calendars do
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=7)
    if period == "Year":
        return day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    months = 3 if period == "Quarter" else 1
    first_month = (day.month - 1) // months * months + 1
    start = day.replace(month=first_month, day=1)
    end_month = first_month + months
    end = start.replace(year=start.year + (end_month - 1) // 12, month=(end_month - 1) % 12 + 1)
    return start, end


def date_window(filters: dict[str, Any]) -> tuple[dt.date | None, dt.date | None]:
    """Return ``[start, end)`` from ``period`` + ``date`` and ``from_date`` / ``to_date``.

    Both narrow: a period and a range together keep the days in both. ``to_date`` is
    inclusive, as a user means it; ``date`` defaults to today when only a period is given.
    """
    start, end = date_value(filters, "from_date"), date_value(filters, "to_date")
    if end is not None:
        end += dt.timedelta(days=1)
    period = choice(filters, "period", PERIODS)
    if period:
        p_start, p_end = period_bounds(period, date_value(filters, "date") or today())
        start = max(start, p_start) if start else p_start
        end = min(end, p_end) if end else p_end
    return start, end


def local_midnight(day: dt.date) -> dt.datetime:
    """The instant a local calendar day starts (datetimes are stored in UTC)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def window_q(field: str, start: dt.date | None, end: dt.date | None, is_datetime: bool) -> Q:
    """``start <= field < end`` on a Date or (local days of a) Datetime column."""
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__gte": local_midnight(start) if is_datetime else start})
    if end is not None:
        q &= Q(**{f"{field}__lt": local_midnight(end) if is_datetime else end})
    return q


# ---------------------------------------------------------------- the opportunity scope


def opportunities(user: str, filters: dict[str, Any]) -> QuerySet:
    """The opportunities the user may read, narrowed by owner, department, product and source.

    ``department`` includes its sub-departments (华东销售部 covers 苏州组), as the department
    data scope does.
    """
    queryset = permitted_queryset(user, OPPORTUNITY)
    owner = text(filters, "sales_owner")
    if owner:
        queryset = queryset.filter(sales_owner=owner)
    department = text(filters, "department")
    if department:
        queryset = queryset.filter(department__in=department_subtree(department))
    source = choice(filters, "source", SOURCES)
    if source:
        queryset = queryset.filter(source=source)
    product = text(filters, "product")
    if product:
        # IN (not a correlated EXISTS): the database starts from the product's item rows
        # (index on product) instead of probing every permitted deal.
        items = get_model("Opportunity Item").objects.filter(
            product=product, parenttype=OPPORTUNITY
        )
        queryset = queryset.filter(name__in=items.values("parent"))
    return queryset


def stage_history(permitted: QuerySet) -> QuerySet:
    """Stage-change rows of the given (already permitted) opportunities."""
    return get_model("Opportunity Stage Change").objects.filter(
        parenttype=OPPORTUNITY, parentfield="stage_history", parent__in=permitted.values("name")
    )


@dataclass(frozen=True)
class Stage:
    name: str
    order: int
    probability: float
    stage_type: str


def stages(user: str, include_disabled: bool = False) -> list[Stage]:
    """The configured stages in ``stage_order``."""
    queryset = permitted_queryset(user, STAGE)
    if not include_disabled:
        queryset = queryset.filter(enabled=1)
    return [
        Stage(name, order or 0, float(probability or 0), stage_type or OPEN)
        for name, order, probability, stage_type in queryset.order_by(
            "stage_order", "name"
        ).values_list("name", "stage_order", "probability", "stage_type")
    ]


# ---------------------------------------------------------------- numbers


def money(value: Any) -> float:
    return round(float(value or 0), 2)


def rate(part: float, whole: float) -> float | None:
    """Percent with one decimal, or None when there is nothing to divide."""
    return round(100.0 * part / whole, 1) if whole else None


def hours(value: dt.timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        value = value.total_seconds() / 3600
    return round(float(value), 1)


def column(fieldname: str, label: str, fieldtype: str = "Data", width: int = 120, **more) -> dict:
    return {"fieldname": fieldname, "label": label, "fieldtype": fieldtype, "width": width, **more}


def bar_chart(rows: list[dict], label_key: str, series: list[tuple[str, str]]) -> dict:
    """Frappe's bar chart of ``rows``: one dataset per (translated name, value key); empty is 0."""
    return {
        "data": {
            "labels": [row[label_key] for row in rows],
            "datasets": [
                {"name": name, "values": [row[key] or 0 for row in rows]} for name, key in series
            ],
        },
        "type": "bar",
    }
