"""Frappe's autoname rules.

- ``naming_series:`` uses the document's ``naming_series`` field, e.g. ``LEAD-.YYYY.-.#####``
- a bare pattern (``LEAD-.YYYY.-.#####``), ``format:INV-{YYYY}-{####}`` (may name fields)
- ``field:<fieldname>``, ``hash``, ``uuid``, ``autoincrement``, ``prompt`` (client gives the name)

Counters live in one row per prefix, incremented with an atomic UPDATE in the
caller's transaction, so concurrent inserts never get the same number.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _

# One upsert per number. It takes the row's exclusive lock at once, also when the prefix
# is new: "UPDATE, else get_or_create" let concurrent first inserts of a prefix hold shared
# locks on the new row and then deadlock upgrading them (seen on MariaDB, tests/…/documents).
# The statements are fixed text; the prefix is always a bound parameter.
_UPSERT = {
    "mysql": "INSERT INTO {table} (prefix, current) VALUES (%s, 1) "
    "ON DUPLICATE KEY UPDATE current = current + 1",
    "sqlite": "INSERT INTO {table} (prefix, current) VALUES (%s, 1) "
    "ON CONFLICT (prefix) DO UPDATE SET current = current + 1",
}


# Takes the counter row's exclusive lock (creating it at 0 when new) without changing it.
_LOCK = {
    "mysql": "INSERT INTO {table} (prefix, current) VALUES (%s, 0) "
    "ON DUPLICATE KEY UPDATE current = current",
    "sqlite": "INSERT INTO {table} (prefix, current) VALUES (%s, 0) "
    "ON CONFLICT (prefix) DO UPDATE SET current = current",
}

# Sets the counter to the batch's last number (the row may have been created in a savepoint
# that a failed row rolled back, hence an upsert rather than an UPDATE).
_STORE = {
    "mysql": "INSERT INTO {table} (prefix, current) VALUES (%s, %s) "
    "ON DUPLICATE KEY UPDATE current = VALUES(current)",
    "sqlite": "INSERT INTO {table} (prefix, current) VALUES (%s, %s) "
    "ON CONFLICT (prefix) DO UPDATE SET current = excluded.current",
}

_pool: contextvars.ContextVar[NumberPool | None] = contextvars.ContextVar(
    "lowcode_number_pool", default=None
)


def _counter_table() -> str:
    from lowcode.models import NamingSeriesCounter

    return connection.ops.quote_name(NamingSeriesCounter._meta.db_table)


class NumberPool:
    """Series numbers for a batch of inserts: one locked read per prefix, one write at the end.

    Numbers are handed out in order as ``next_number`` would; a row that fails gives its
    numbers back (``row()``), as its rolled-back savepoint would in the per-row path, so a
    batch names its documents exactly as one insert per row does. The counter row stays
    locked from the first read until the transaction ends, so no other insert can take a
    number in between.
    """

    def __init__(self) -> None:
        self.base: dict[str, int] = {}  # counter value as stored in this transaction
        self.last: dict[str, int] = {}  # last number handed out

    def take(self, prefix: str) -> int:
        if prefix not in self.base:
            table = _counter_table()
            with connection.cursor() as cursor:
                cursor.execute(_LOCK[connection.vendor].format(table=table), [prefix])
                cursor.execute(f"SELECT current FROM {table} WHERE prefix = %s", [prefix])  # noqa: S608 - fixed table name
                self.base[prefix] = self.last[prefix] = int(cursor.fetchone()[0])
        self.last[prefix] += 1
        return self.last[prefix]

    @contextmanager
    def row(self) -> Iterator[None]:
        """Give back the numbers taken inside the block if it raises."""
        saved = dict(self.last)
        try:
            yield
        except BaseException:
            self.last = {prefix: saved.get(prefix, self.base[prefix]) for prefix in self.last}
            raise

    def commit(self) -> None:
        """Store the last numbers handed out (inside the batch's transaction)."""
        table = _counter_table()
        with connection.cursor() as cursor:
            for prefix, last in self.last.items():
                if last != self.base[prefix]:
                    cursor.execute(_STORE[connection.vendor].format(table=table), [prefix, last])
        self.base = dict(self.last)

    @contextmanager
    def active(self) -> Iterator[NumberPool]:
        token = _pool.set(self)
        try:
            yield self
        finally:
            _pool.reset(token)


def next_number(prefix: str) -> int:
    """Take the next number of a series prefix (call inside a transaction)."""
    pool = _pool.get()
    if pool is not None:
        return pool.take(prefix)
    from lowcode.models import NamingSeriesCounter

    table = connection.ops.quote_name(NamingSeriesCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT[connection.vendor].format(table=table), [prefix])
        cursor.execute(f"SELECT current FROM {table} WHERE prefix = %s", [prefix])  # noqa: S608 - fixed table name
        return int(cursor.fetchone()[0])


DATE_TOKENS = frozenset({"YYYY", "YY", "MM", "DD", "FY"})


def _date_part(token: str, now: dt.datetime | None = None) -> str | None:
    if token not in DATE_TOKENS:
        return None
    now = now or timezone.localtime()
    return {
        "YYYY": f"{now:%Y}",
        "YY": f"{now:%y}",
        "MM": f"{now:%m}",
        "DD": f"{now:%d}",
        "FY": f"{now:%Y}",
    }[token]


def parse_series(pattern: str, doc) -> str:
    """Expand a dotted series such as ``LEAD-.YYYY.-.#####``."""
    parts = pattern.split(".")
    prefix, digits = "", 0
    now = timezone.localtime() if DATE_TOKENS.intersection(parts) else None
    for part in parts:
        if not part:
            continue
        if part.startswith("#"):
            digits = len(part)
            continue
        date = _date_part(part, now)
        if date is not None:
            prefix += date
        elif part.startswith("{") and part.endswith("}"):
            prefix += str(doc.get(part[1:-1]) or "")
        else:
            prefix += part
    digits = digits or 5
    return f"{prefix}{next_number(prefix):0{digits}d}"


def _format_name(template: str, doc) -> str:
    counter_token = None

    def replace(match: re.Match) -> str:
        nonlocal counter_token
        token = match.group(1)
        if set(token) == {"#"}:
            counter_token = token
            return "\0"
        date = _date_part(token)
        if date is not None:
            return date
        return str(doc.get(token) or "").strip()

    name = re.sub(r"\{(\w+|#+)\}", replace, template)
    if counter_token:
        prefix = name.split("\0")[0]
        name = name.replace("\0", f"{next_number(prefix):0{len(counter_token)}d}")
    return name


def make_name(doc, requested: str | None = None) -> str:
    """Return the new document's name by its DocType's autoname rule."""
    meta = doc.meta
    rule = meta.autoname or "hash"
    lowered = rule.lower()
    if meta.istable or lowered == "hash":
        return secrets.token_hex(5)
    if lowered == "uuid":
        return str(uuid.uuid4())
    if lowered == "prompt":
        if not requested:
            raise ValidationError(_("Name is required"))
        return requested
    if lowered == "autoincrement":
        return str(next_number(f"__autoincrement__{meta.name}"))
    if rule.startswith("field:"):
        fieldname = rule[6:]
        value = str(doc.get(fieldname) or "").strip()
        if not value:
            field = meta.get_field(fieldname)
            label = _(field.label) if field is not None and field.label else fieldname
            message = _("{field} is required to name this document", field=label)
            raise ValidationError(message, [FieldError(fieldname, "reqd", message)])
        return value
    if rule.startswith("naming_series:"):
        series = doc.get("naming_series") or (meta.get_field("naming_series").default or "")
        if series not in (meta.get_field("naming_series").select_options or [series]):
            raise ValidationError(_("Naming series {series} is not allowed", series=series))
        return parse_series(series, doc)
    if rule.startswith("format:"):
        return _format_name(rule[7:], doc)
    return parse_series(rule, doc)
