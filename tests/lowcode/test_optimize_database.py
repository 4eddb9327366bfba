"""The planner-statistics upkeep job: SQLite gets statistics, other databases keep their own."""

from __future__ import annotations

from django.db import connection

from lowcode.documents.actions import do_insert_doc
from lowcode.hooks_loader import get_hooks
from lowcode.setup import optimize_database


def _statistics_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return set()
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def test_statistics_are_refreshed_after_migrate_and_nightly():
    assert "lowcode.setup.optimize_database" in get_hooks("after_migrate")
    assert "lowcode.setup.optimize_database" in get_hooks("scheduler_events")["daily"]


def test_sqlite_gets_statistics_for_indexed_tables(users):
    for index in range(3):
        do_insert_doc(
            "rep", "Lead", {"lead_name": f"统计{index}", "mobile_no": f"1390000{index:04d}"}
        )

    outcome = optimize_database()

    if connection.vendor == "sqlite":
        assert outcome == "analysed"
        assert "tabLead" in _statistics_tables()
    else:
        assert outcome == "skipped"  # InnoDB keeps persistent statistics itself
