"""Database checks of the documents layer, run at start-up and by ``kuaicrm check``.

documents.W001  A ``tab…`` table no DocType owns (left by an interrupted run-time DocType
                creation or delete); ``kuaicrm drop-orphan-table`` drops it when empty
"""

from __future__ import annotations

from django.core.checks import CheckMessage, Warning
from django.db import DatabaseError, connection


def orphan_tables() -> dict[str, int]:
    """``tab<Name>`` tables whose DocType does not exist, with their row counts."""
    from lowcode.meta import registry

    found = {}
    quote = connection.ops.quote_name
    for table in connection.introspection.table_names():
        if not table.startswith("tab") or registry.exists(table[3:]):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - an introspected name, quoted
            found[table] = cursor.fetchone()[0]
    return found


def run_checks(app_configs=None, databases=None, **kwargs) -> list[CheckMessage]:
    """documents.W001: a table a DocType creation or delete interrupted by a crash left behind.

    Making a DocType of the same name is refused while it stands ("table exists"), so the
    admin is told here which table it is and whether it holds rows.
    """
    if not databases:
        return []
    try:
        orphans = orphan_tables()
    except DatabaseError:
        return []  # not migrated yet
    return [
        Warning(
            f"Table {table} belongs to no DocType ({rows} rows); a DocType named "
            f"'{table[3:]}' cannot be created while it stands.",
            hint=(
                f"Run `kuaicrm drop-orphan-table '{table}'` to drop it (refused while it holds "
                "rows: back them up or restore the DocType first)."
            ),
            obj=table,
            id="documents.W001",
        )
        for table, rows in sorted(orphans.items())
    ]
