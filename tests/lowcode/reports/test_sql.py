"""Query-report SQL: the SELECT-only validator, parameters, read-only execution, timeout, row cap."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from lowcode.documents.actions import do_insert_doc
from lowcode.exceptions import DataError
from lowcode.reports import sql as report_sql
from lowcode.storage.factory import get_model

MALICIOUS = [
    "SELECT 1; DELETE FROM `tabTest Order`",
    "SELECT 1;DROP TABLE `tabTest Order`",
    "SELECT 1 -- ; DROP TABLE x",
    "SELECT 1 /* hidden */ FROM `tabTest Order`",
    "SELECT 1 /*!50000 ; DELETE FROM `tabTest Order` */",
    "SELECT 1 # ; DELETE FROM `tabTest Order`",
    "SELECT * FROM `tabTest Order` INTO OUTFILE '/tmp/orders.csv'",
    "SELECT * FROM `tabTest Order` INTO DUMPFILE '/tmp/orders.bin'",
    "SELECT LOAD_FILE('/etc/passwd')",
    "UPDATE `tabTest Order` SET title = 'x'",
    "INSERT INTO `tabTest Order` (name) VALUES ('x')",
    "DELETE FROM `tabTest Order`",
    "REPLACE INTO `tabTest Order` (name) VALUES ('x')",
    "DROP TABLE `tabTest Order`",
    "ALTER TABLE `tabTest Order` ADD COLUMN x INT",
    "CREATE TABLE evil (x INT)",
    "TRUNCATE `tabTest Order`",
    "GRANT ALL ON *.* TO 'x'@'%'",
    "SET GLOBAL max_connections = 1",
    "CALL mysql.some_procedure()",
    "LOCK TABLES `tabTest Order` WRITE",
    "WITH x AS (SELECT 1) DELETE FROM `tabTest Order`",
    "SELECT * FROM `tabTest Order` FOR UPDATE",
    "SELECT * FROM `tabTest Order` LOCK IN SHARE MODE",
    "SELECT SLEEP(100)",
    "SELECT BENCHMARK(100000000, MD5('x'))",
    "SELECT '\\'; DELETE FROM `tabTest Order`; -- '",
    "SELECT @@datadir",
    "PRAGMA query_only = OFF",
    "ATTACH DATABASE '/tmp/x.db' AS x",
    "SELECT load_extension('/tmp/evil.so')",
    "SELECT 1 UNION SELECT 2; SELECT 3",
    "",
]


@pytest.mark.parametrize("query", MALICIOUS)
def test_validator_rejects_everything_but_one_plain_select(query):
    with pytest.raises(DataError) as caught:
        report_sql.check_select_only(query)
    assert caught.value.http_status == 400


@pytest.mark.parametrize(
    "query",
    [
        "SELECT name, REPLACE(title, 'a', 'b') AS t FROM `tabTest Order`",
        "select 'drop table; delete -- update' as harmless",
        "SELECT `update`, `set` FROM x",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n;",
        "SELECT status, COUNT(*) FROM `tabTest Order` WHERE title LIKE 'a%%' GROUP BY status",
    ],
)
def test_validator_accepts_plain_selects_including_words_inside_strings(query):
    assert report_sql.check_select_only(query).lower().startswith(("select", "with"))


def test_parameters_are_found_in_order_without_duplicates():
    sql = "SELECT * FROM t WHERE a = %(b)s OR c = %(a)s OR d = %(b)s"
    assert report_sql.query_parameters(sql) == ["b", "a"]


def test_parameters_are_bound_not_interpolated(db):
    # given a value that would break out of a string literal if it were pasted in
    hostile = "x' OR '1'='1"
    # when
    outcome = report_sql.execute_readonly(
        "SELECT %(v)s AS v, %(n)s + 1 AS n", {"v": hostile, "n": 41}, timeout=5, row_cap=10
    )
    # then the value comes back verbatim as data
    assert outcome.columns == ["v", "n"]
    assert outcome.rows == [[hostile, 42]]


def test_executor_refuses_writes_even_when_the_validator_is_bypassed(site):
    # given a stored order
    order = do_insert_doc("Administrator", "Test Order", {"title": "keep me"})
    # when an UPDATE reaches the executor directly
    with pytest.raises(DataError):
        report_sql.execute_readonly(
            "UPDATE `tabTest Order` SET title = 'changed'", {}, timeout=5, row_cap=10
        )
    with pytest.raises(DataError):
        report_sql.execute_readonly("DELETE FROM `tabTest Order`", {}, timeout=5, row_cap=10)
    # then nothing changed, and the connection writes normally again afterwards
    assert get_model("Test Order").objects.get(name=order.name).title == "keep me"
    do_insert_doc("Administrator", "Test Order", {"title": "still writable"})
    assert get_model("Test Order").objects.count() == 2


def long_cte(name: str) -> str:
    """A billion-row cross join of a 1000-row recursive CTE called ``name``.

    MariaDB stops recursion itself at max_recursive_iterations=1000, so depth alone would not
    run long there. Each test names its own CTE: the process list is server-wide, and another
    test worker's query of the same text must not count as this one's still running.
    """
    # a test's own constant CTE name, no outside input
    template = (
        "WITH RECURSIVE cte(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM cte WHERE i < 1000) "
        "SELECT COUNT(*) FROM cte a, cte b, cte c"
    )
    return template.replace("cte", name)


def assert_no_session_runs(fragment: str) -> None:
    """On MariaDB: the server stopped the statement, no session is still running it.

    The server sends the timeout error before its thread clears the statement text from
    the process list, so a closed session may show it for a few milliseconds: poll for up
    to one second (a statement left running would show for its whole billion rows).
    """
    if connection.vendor != "mysql":
        return
    deadline = time.monotonic() + 1.0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                "WHERE INFO LIKE %s AND ID <> CONNECTION_ID()",
                [f"%{fragment}%"],
            )
            running = cursor.fetchone()[0]
        if running == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert running == 0


def test_a_long_query_is_stopped_at_the_timeout_with_a_clear_error(db):
    started = time.monotonic()
    with pytest.raises(report_sql.QueryTimeoutError) as caught:
        report_sql.execute_readonly(long_cte("n_sql"), {}, timeout=0.3, row_cap=10)
    elapsed = time.monotonic() - started
    assert elapsed < 3
    assert caught.value.http_status == 417
    assert "0.3" in caught.value.message
    assert_no_session_runs("FROM n_sql a, n_sql b")
    # nothing keeps running: a query answers at once
    quick = report_sql.execute_readonly("SELECT 7 AS seven", {}, timeout=5, row_cap=10)
    assert quick.rows == [[7]]


def test_rows_beyond_the_cap_are_cut_off_and_flagged(db):
    cte = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n"
    capped = report_sql.execute_readonly(cte, {}, timeout=5, row_cap=20)
    assert [r[0] for r in capped.rows] == list(range(1, 21))
    assert capped.truncated
    whole = report_sql.execute_readonly(cte, {}, timeout=5, row_cap=50)
    assert len(whole.rows) == 50 and not whole.truncated


def test_query_only_is_switched_off_after_a_report(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pragma")
    report_sql.execute_readonly("SELECT 1", {}, timeout=5, row_cap=1)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA query_only")
        assert cursor.fetchone()[0] == 0
