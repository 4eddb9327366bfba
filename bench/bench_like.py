"""Time a pathological LIKE filter: the old regex translation against the database's LIKE.

Usage::

    .venv/bin/python bench/bench_like.py [--rows 2000] [--length 120] [--max-terms 6]

``[["lead_name", "like", "%a%a%a%a%c"]]`` used to become ``lead_name REGEXP '^.*a.*a.*a.*a.*c$'``
(``iregex``), which SQLite answers by calling Python's ``re.search`` per row: backtracking
that grows about x17 per extra ``%a`` over a 120-character value. The engine now sends
``LIKE … ESCAPE '\\'``. This runs both on an in-memory SQLite table of ``--rows`` values of
``--length`` repeated ``a`` (no match, the worst case) and prints milliseconds per query.
Nothing here asserts.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import time


def old_like_to_regex(pattern: str) -> str:
    """The translation the query builder used before (kept here as the baseline)."""
    parts = (re.escape(part).replace("_", ".") for part in pattern.split("%"))
    return "^" + ".*".join(parts) + "$"


def regexp(pattern: str, value: str) -> bool:
    # What Django registers for SQLite's REGEXP (case-insensitive, as iregex adds '(?i)').
    return bool(re.search(pattern, value))


def timed(cursor, sql: str, params: tuple) -> float:
    """Milliseconds of one query."""
    started = time.perf_counter()
    cursor.execute(sql, params).fetchall()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--length", type=int, default=120)
    parser.add_argument("--max-terms", type=int, default=6)
    parser.add_argument("--regex-budget", type=float, default=60.0, help="seconds per query")
    args = parser.parse_args()
    db = sqlite3.connect(":memory:")
    db.create_function("REGEXP", 2, regexp, deterministic=True)
    db.execute("CREATE TABLE lead (lead_name TEXT)")
    db.executemany("INSERT INTO lead VALUES (?)", [("a" * args.length,)] * args.rows)
    cursor = db.cursor()
    print(
        f"{args.rows} rows of {args.length} x 'a'; ms per query (regex over 1 row, LIKE over all)"
    )
    print(f"{'pattern':<22}{'regex 1 row':>14}{'LIKE all rows':>16}")
    regex_stopped = False
    for terms in range(1, args.max_terms + 1):
        pattern = "%" + "a%" * terms + "c"
        like_ms = timed(
            cursor, "SELECT count(*) FROM lead WHERE lead_name LIKE ? ESCAPE '\\'", (pattern,)
        )
        regex_ms = None
        if not regex_stopped:
            one_row = (
                "SELECT count(*) FROM (SELECT lead_name FROM lead LIMIT 1) WHERE lead_name REGEXP ?"
            )
            regex_ms = timed(cursor, one_row, ("(?i)" + old_like_to_regex(pattern),))
            # the next term costs ~x17 more: stop before it runs for minutes
            regex_stopped = regex_ms > args.regex_budget * 1000 / 17
        regex_text = f"{regex_ms:.1f}" if regex_ms is not None else "(skipped)"
        print(f"{pattern:<22}{regex_text:>14}{like_ms:>16.2f}")


if __name__ == "__main__":
    main()
