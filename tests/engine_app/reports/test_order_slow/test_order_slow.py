"""Standard Script Report that runs far too long: the report timeout must stop it."""

from __future__ import annotations

from django.db import connection

# A billion-row cross join of a 1000-row recursive CTE (see tests/lowcode/reports/test_sql.py).
ENDLESS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
    "SELECT COUNT(*) FROM n a, n b, n c"
)


def execute(filters: dict):
    with connection.cursor() as cursor:
        cursor.execute(ENDLESS)
        total = cursor.fetchone()[0]
    return [{"fieldname": "total", "label": "Total", "fieldtype": "Int"}], [{"total": total}]
