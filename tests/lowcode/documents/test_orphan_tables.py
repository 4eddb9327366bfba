"""documents.W001 and ``kuaicrm drop-orphan-table``: a table no DocType owns is reported, and
dropped on request only while it is empty."""

from __future__ import annotations

import pytest
from django.core.checks import Warning, run_checks
from django.core.management import CommandError, call_command
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)
TABLE = "tabGhost Widget"


@pytest.fixture
def ghost():
    """A table as a crash between CREATE TABLE and the DocType's row leaves it."""
    quote = connection.ops.quote_name
    with connection.schema_editor() as editor:
        editor.execute(f"CREATE TABLE {quote(TABLE)} (name varchar(140) PRIMARY KEY)")
    yield quote(TABLE)
    if TABLE in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.execute(f"DROP TABLE {quote(TABLE)}")


def w001() -> list:
    return [m for m in run_checks(databases=["default"]) if m.id == "documents.W001"]


def test_documents_w001_names_a_table_no_doctype_owns(ghost):
    assert w001() == [
        Warning(
            "Table tabGhost Widget belongs to no DocType (0 rows); a DocType named "
            "'Ghost Widget' cannot be created while it stands.",
            hint=(
                "Run `kuaicrm drop-orphan-table 'tabGhost Widget'` to drop it (refused while it "
                "holds rows: back them up or restore the DocType first)."
            ),
            obj=TABLE,
            id="documents.W001",
        )
    ]


def test_a_site_s_own_tables_all_have_their_doctype():
    assert w001() == []


def test_drop_orphan_table_drops_it_only_while_empty(ghost):
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {ghost} (name) VALUES (%s)", ["w-1"])  # noqa: S608 - a fixed name
    with pytest.raises(CommandError, match="holds 1 rows; nothing dropped"):
        call_command("drop_orphan_table", TABLE)
    assert TABLE in connection.introspection.table_names()

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ghost}")  # noqa: S608 - a fixed name
    call_command("drop_orphan_table", TABLE)
    assert TABLE not in connection.introspection.table_names()
    assert w001() == []


def test_drop_orphan_table_refuses_a_doctype_s_table():
    with pytest.raises(CommandError, match="not a table without a DocType"):
        call_command("drop_orphan_table", "tabLead")
    assert "tabLead" in connection.introspection.table_names()
