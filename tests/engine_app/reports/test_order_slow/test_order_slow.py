"""Standard Script Report that runs far too long: the report timeout must stop it."""

from __future__ import annotations

from django.db import connection

# A billion-row cross join of a 1000-row recursive CTE (see tests/lowcode/reports/test_sql.py;
# its own CTE name, which the test looks for in the server's process list).
ENDLESS = (
    "WITH RECURSIVE n_script(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n_script WHERE i < 1000) "
    "SELECT COUNT(*) FROM n_script a, n_script b, n_script c"
)


def execute(filters: dict):
    with connection.cursor() as cursor:
        cursor.execute(ENDLESS)
        total = cursor.fetchone()[0]
    return [{"fieldname": "total", "label": "Total", "fieldtype": "Int"}], [{"total": total}]
