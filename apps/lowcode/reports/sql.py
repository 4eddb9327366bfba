"""Query-report SQL: a SELECT-only validator and a read-only, time- and row-bounded executor.

The validator is the first wall; the executor is the second and holds on its own: on
SQLite the statement runs with ``PRAGMA query_only`` and a progress-handler deadline, on
MariaDB on a separate connection inside ``START TRANSACTION READ ONLY`` with
``SET STATEMENT max_statement_time``. Query reports read whole tables (row-level scopes
cannot apply to arbitrary SQL), which is why running one is role-gated.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlparse
from django.db import DatabaseError, connection, connections
from sqlparse import tokens as T

from lowcode.exceptions import DataError, ValidationError
from lowcode.i18n import _

PARAM_RE = re.compile(r"%\((\w+)\)s")

# Words that have no place in a report: writes, session changes, file access, locks and
# server functions that stall or reach outside the database. Matched on unquoted tokens
# only, so a column or string named "update" stays allowed. REPLACE is left out on purpose:
# REPLACE() is a string function, and REPLACE INTO is refused by INTO.
FORBIDDEN_WORDS = frozenset(
    {
        "insert", "update", "delete", "merge", "upsert", "drop", "alter", "create",
        "truncate", "rename", "grant", "revoke", "set", "call", "do", "lock", "unlock",
        "handler", "load", "into", "outfile", "dumpfile", "load_file", "execute", "prepare",
        "deallocate", "procedure", "attach", "detach", "pragma", "vacuum", "reindex",
        "analyze", "kill", "shutdown", "flush", "purge", "install", "uninstall", "sleep",
        "benchmark", "get_lock", "release_lock", "release_all_locks", "master_pos_wait",
        "master_gtid_wait", "load_extension", "readfile", "writefile", "sys_exec", "sys_eval",
    }
)  # fmt: skip


class QueryTimeoutError(ValidationError):
    """The report's query ran past the statement timeout and was stopped."""

    exc_type = "QueryTimeoutError"


def reject(reason: str) -> DataError:
    return DataError(_("Query not allowed: {reason}", reason=reason))


def check_select_only(sql: str | None) -> str:
    """Return the query without a trailing semicolon if it is one plain SELECT; else raise."""
    if not isinstance(sql, str) or not sql.strip():
        raise reject(_("the query is empty"))
    text = sql.strip().rstrip(";").strip()
    if "\\" in text:
        # MySQL reads a backslash as an escape inside strings and SQLite does not, so a
        # literal could end at different places for the tokenizer and the server.
        raise reject(_("backslashes are not allowed"))
    statements = [s for s in sqlparse.parse(text) if s.value.strip()]
    if len(statements) != 1:
        raise reject(_("only one statement is allowed"))
    statement = statements[0]
    for token in statement.flatten():
        if token.is_whitespace:
            continue
        if token.ttype in T.Comment:
            raise reject(_("comments are not allowed"))
        if token.ttype is T.Error:
            raise reject(_("unexpected character {char}", char=token.value[:20]))
        if token.ttype in T.Punctuation and token.value == ";":
            raise reject(_("only one statement is allowed"))
        if token.ttype in T.String or token.ttype in T.Number:
            continue
        if token.value.startswith("@"):
            raise reject(_("variables are not allowed"))
        if token.ttype in T.Name and token.value[:1] in '`"[':
            continue  # a quoted identifier names a column or table, never a command
        word = token.value.lower()
        if token.ttype in T.Keyword.DML and word != "select":
            raise reject(_("{word} is not allowed", word=token.value.upper()))
        if token.ttype in T.Keyword.DDL or token.ttype in T.Keyword.DCL:
            raise reject(_("{word} is not allowed", word=token.value.upper()))
        if word in FORBIDDEN_WORDS:
            raise reject(_("{word} is not allowed", word=token.value.upper()))
    if statement.get_type() != "SELECT":
        raise reject(_("only SELECT queries are allowed"))
    return text


def query_parameters(sql: str) -> list[str]:
    """Return the names of the ``%(name)s`` parameters a query uses, in order."""
    return list(dict.fromkeys(PARAM_RE.findall(sql)))


@dataclass
class QueryResult:
    """Column names, at most ``row_cap`` rows, and whether more rows were cut off."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


def execute_readonly(
    sql: str, params: dict[str, Any], *, timeout: float, row_cap: int
) -> QueryResult:
    """Run one query on a read-only path, stopping it after ``timeout`` seconds.

    Parameters are bound by the driver, never interpolated. This does not validate the
    query: it must refuse writes on its own.
    """
    if connection.vendor == "sqlite":
        return _execute_sqlite(sql, params, timeout, row_cap)
    if connection.vendor == "mysql":
        return _execute_mariadb(sql, params, timeout, row_cap)
    raise DataError(_("Query reports are not supported on {vendor}", vendor=connection.vendor))


def _execute_sqlite(sql: str, params: dict, timeout: float, row_cap: int) -> QueryResult:
    # The request's own connection, switched to query_only for this statement: it sees the
    # same snapshot as the rest of the request and refuses every write while it runs.
    cursor = connection.cursor()
    try:
        cursor.execute("PRAGMA query_only = ON")
        try:
            with statement_deadline(timeout):
                cursor.execute(sql, params)
                rows = cursor.fetchmany(row_cap + 1)
                columns = [c[0] for c in cursor.description or []]
        except QueryTimeoutError:
            raise
        except DatabaseError as exc:
            raise DataError(_("The query failed: {error}", error=str(exc))) from None
    finally:
        cursor.close()  # finalises the statement: nothing keeps running
        with connection.cursor() as reset:
            reset.execute("PRAGMA query_only = OFF")
    return QueryResult(columns, [list(r) for r in rows[:row_cap]], len(rows) > row_cap)


def _execute_mariadb(sql: str, params: dict, timeout: float, row_cap: int) -> QueryResult:
    import MySQLdb.cursors

    # A connection of its own: the request's transaction may have written already, and a
    # transaction's access mode can only be chosen when it starts.
    wrapper = connections.create_connection("default")
    try:
        wrapper.ensure_connection()
        raw = wrapper.connection
        cursor = raw.cursor(MySQLdb.cursors.SSCursor)  # streams rows: the cap bounds memory
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.execute("START TRANSACTION READ ONLY")
        try:
            cursor.execute(f"SET STATEMENT max_statement_time={timeout:.3f} FOR {sql}", params)
            rows = cursor.fetchmany(row_cap + 1)
            columns = [c[0] for c in cursor.description or []]
        except MySQLdb.Error as exc:
            if exc.args and exc.args[0] == 1969:  # ER_STATEMENT_TIMEOUT
                raise _timeout_error(timeout) from None
            raise DataError(_("The query failed: {error}", error=str(exc))) from None
    finally:
        # Closing the connection drops any unread rows; the server stops the statement.
        wrapper.close()
    return QueryResult(columns, [list(r) for r in rows[:row_cap]], len(rows) > row_cap)


def _timeout_error(timeout: float) -> QueryTimeoutError:
    return QueryTimeoutError(
        _("The report took longer than {seconds} seconds and was stopped", seconds=timeout)
    )


@contextlib.contextmanager
def statement_deadline(timeout: float) -> Iterator[None]:
    """Stop any statement the block runs on the request's connection after ``timeout`` s.

    For reports that query through the ORM (Report Builder, Script Reports), where
    ``execute_readonly`` does not apply. SQLite: a progress-handler deadline on the
    connection; MariaDB: the session's ``max_statement_time``, restored afterwards.
    A stopped statement raises QueryTimeoutError; the server has already ended it.
    """
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        raw = connection.connection
        deadline = time.monotonic() + timeout
        timed_out = False

        def past_deadline() -> int:
            nonlocal timed_out
            timed_out = time.monotonic() > deadline
            return 1 if timed_out else 0  # non-zero makes SQLite abort the statement

        raw.set_progress_handler(past_deadline, 1000)
        try:
            yield
        except DatabaseError:
            if timed_out:
                raise _timeout_error(timeout) from None
            raise
        finally:
            raw.set_progress_handler(None, 0)
        return
    if connection.vendor != "mysql":
        yield
        return
    import MySQLdb

    with connection.cursor() as cursor:
        cursor.execute("SELECT @@SESSION.max_statement_time")
        previous = float(cursor.fetchone()[0] or 0)
        cursor.execute("SET SESSION max_statement_time = %s", [timeout])
    try:
        yield
    except DatabaseError as exc:
        cause = exc.__cause__
        if isinstance(cause, MySQLdb.Error) and cause.args and cause.args[0] == 1969:
            raise _timeout_error(timeout) from None
        raise
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION max_statement_time = %s", [previous])
