"""What the order-to-cash reports share: open installments and their aging buckets.

An installment is *open* while it has an outstanding amount and neither it nor its Payment
Plan is Paid or Cancelled. Days overdue = the as-of date − the installment's due date: due
today or later is "not due"; 1–30 days overdue falls in 0–30, 31–60, 61–90, then >90.
Plans are read through ``permitted_queryset``; installments through their permitted plans.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    F,
    OuterRef,
    QuerySet,
    Subquery,
)

from lowcode.sdk import get_model, permitted_queryset

PLAN = "Payment Plan"
INSTALLMENT = "Payment Plan Installment"
CLOSED = ("Paid", "Cancelled")
# (key, label, first day overdue, last day overdue or None)
BUCKETS = (
    ("days_0_30", "0-30 Days", 1, 30),
    ("days_31_60", "31-60 Days", 31, 60),
    ("days_61_90", "61-90 Days", 61, 90),
    ("days_over_90", "Over 90 Days", 91, None),
)


def open_plans(user: str) -> QuerySet:
    return permitted_queryset(user, PLAN).exclude(status="Cancelled")


def open_installments(plans: QuerySet) -> QuerySet:
    """Installments of ``plans`` with money still to come."""
    return (
        get_model(INSTALLMENT)
        .objects.filter(parenttype=PLAN, parent__in=plans.values("name"), outstanding_amount__gt=0)
        .exclude(status__in=CLOSED)
    )


def plan_value(fieldname: str) -> Subquery:
    """The installment's plan's ``fieldname`` (customer, sales owner): a primary-key look-up."""
    return Subquery(get_model(PLAN).objects.filter(name=OuterRef("parent")).values(fieldname)[:1])


def aging_by(
    plans: QuerySet, group_field: str, as_of: dt.date, title_of: tuple[str, str] | None = None
) -> list[dict]:
    """Outstanding per aging bucket of the open installments of ``plans``, per ``group_field``.

    One JOIN + GROUP BY: the permitted plans (Django compiles their query, the permission
    filter included) joined to their installments on ``parent``. The ORM form of the same
    query (a correlated subquery for the plan's field, evaluated twice per installment) cost
    1.6x the CPU over 150k installments (bench/README.md). ``title_of`` (DocType, field)
    adds each group's title as ``title``, joined to the grouped rows by primary key.
    """
    from django.db import connection

    quote = connection.ops.quote_name
    plan_sql, plan_params = (
        plans.order_by()
        .values(plan_name=F("name"), plan_group=F(group_field))
        .query.sql_with_params()
    )
    ago = [as_of - dt.timedelta(days=days) for days in (1, 30, 31, 60, 61, 90, 91)]
    buckets = [
        "SUM(CASE WHEN i.due_date >= %s THEN i.outstanding_amount ELSE 0 END)",
        "SUM(CASE WHEN i.due_date <= %s AND i.due_date >= %s THEN i.outstanding_amount ELSE 0 END)",
        "SUM(CASE WHEN i.due_date <= %s AND i.due_date >= %s THEN i.outstanding_amount ELSE 0 END)",
        "SUM(CASE WHEN i.due_date <= %s AND i.due_date >= %s THEN i.outstanding_amount ELSE 0 END)",
        "SUM(CASE WHEN i.due_date <= %s THEN i.outstanding_amount ELSE 0 END)",
        "SUM(i.outstanding_amount)",
    ]
    sql = (
        f"SELECT p.plan_group AS grp, {', '.join(f'ROUND({b}, 2) AS c{i}' for i, b in enumerate(buckets))} "  # noqa: S608 - Django-compiled plan query, values as params
        f"FROM {quote(get_model(INSTALLMENT)._meta.db_table)} i "
        f"JOIN ({plan_sql}) p ON p.plan_name = i.parent "
        "WHERE i.parenttype = %s AND i.outstanding_amount > 0 AND i.status NOT IN (%s, %s) "
        "GROUP BY p.plan_group"
    )
    params: list[Any] = [as_of, ago[0], ago[1], ago[2], ago[3], ago[4], ago[5], ago[6]]
    params = [*params, *plan_params, PLAN, *CLOSED]
    keys = ("not_due", *[key for key, *_rest in BUCKETS], "outstanding")
    if title_of:
        # the grouped rows (a few thousand) look their title up by primary key in the same
        # statement, instead of a second query carrying every name as a parameter
        title_table = quote(get_model(title_of[0])._meta.db_table)
        columns = ", ".join(f"g.c{i}" for i in range(len(keys)))
        sql = (
            f"SELECT g.grp, {columns}, t.{quote(title_of[1])} FROM ({sql}) g "  # noqa: S608 - quoted names, values as params
            f"LEFT JOIN {title_table} t ON t.name = g.grp"
        )
        keys = (*keys, "title")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            {
                "group": row[0],
                # rounded to cents by the database (Decimal on MariaDB, float on SQLite)
                **{k: v if k == "title" else v or 0 for k, v in zip(keys, row[1:], strict=True)},
            }
            for row in cursor.fetchall()
        ]


def days_overdue(due_date: dt.date | None, as_of: dt.date) -> int:
    return (as_of - due_date).days if due_date else 0
