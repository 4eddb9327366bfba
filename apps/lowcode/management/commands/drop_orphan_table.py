"""kuaicrm drop-orphan-table <table>: drop a ``tab…`` table no DocType owns, if it is empty."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Drop an empty table that no DocType owns (documents.W001)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("table", help="the table named by documents.W001, e.g. tabWidget")

    def handle(self, *args, table: str, **options) -> None:
        from lowcode.documents.checks import orphan_tables

        orphans = orphan_tables()
        if table not in orphans:
            raise CommandError(f"{table} is not a table without a DocType; nothing dropped.")
        if orphans[table]:
            raise CommandError(
                f"{table} holds {orphans[table]} rows; nothing dropped (back them up first)."
            )
        with connection.schema_editor() as editor:
            editor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
        self.stdout.write(f"Dropped {table}.")
