"""Insert many documents of one DocType with the database work batched (the import's fast path).

Every guarantee of ``do_insert_doc`` holds, in the same order for each document:
defaults, typed input with create/write permlevels, ``before_insert``, the name (naming
series numbers as the per-row path would give them: a row that fails gives its number
back), ``validate`` hooks and the standard validation, ``before_save``. That part runs
row by row in memory, each row in its own savepoint, so a row that fails leaves nothing
and is reported with its field errors. Then the accepted documents are written together
inside one savepoint: one multi-row INSERT, their Versions, then ``after_insert`` and
``on_update`` (controller and ``doc_events``) for each document in order, then the side
records that batch-aware handlers deferred (Score Logs, Duplicate Keys) in one INSERT per
table. If anything in that savepoint fails it rolls back whole and ``write`` raises
:class:`BatchFailed`: the caller re-runs those rows through ``do_insert_doc`` so exactly
the bad rows become errors.

Batch-aware handlers ask :func:`current` for the batch: ``check_duplicates`` looks keys up
once per batch and sees the batch's earlier documents, ``apply_scoring`` and
``update_keys`` defer their rows, the naming series hands out numbers from one locked
counter read. Other handlers simply run per document, so hooks stay correct, only slower.

What differs from one ``do_insert_doc`` per row, by design: every document of the batch is
validated before the first is written, so a hook cannot read an earlier row of the same
batch from the database in ``validate`` (the duplicate check sees them through the batch),
and ``after_insert``/``on_update`` run after the whole batch is written.
Server scripts and every other hook run per document like in ``do_insert_doc``. A DocType
opts out with ``bulk_insert = False`` on its controller (a controller whose ``validate``
must read the batch's earlier rows from the database); DocTypes with Table fields always
take the per-row path (:func:`blocker`).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Field, TextField
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from lowcode.documents.actions import (
    _now,
    _snapshot,
    _version_data,
    apply_input,
    validate_doc,
)
from lowcode.documents.naming import NumberPool, make_name
from lowcode.exceptions import PermissionError, ValidationError
from lowcode.hooks_loader import doc_event_handlers
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.storage.factory import get_model
from lowcode.storage.validation import resolve_default

INSERT_CHUNK = 500
# Set on each document a batch inserts: its handlers may defer its side records.
NEW_IN_BATCH = "_bulk_new"

_current: contextvars.ContextVar[BulkInsert | None] = contextvars.ContextVar(
    "lowcode_bulk_insert", default=None
)


class BatchFailed(Exception):
    """The batch's write rolled back (a constraint or an after-insert hook failed)."""


def current() -> BulkInsert | None:
    """The batch being prepared or written in this context, for batch-aware handlers."""
    return _current.get()


# Values whose database form depends on nothing but the field and the value itself, so one
# conversion serves every row that holds the same value (Decimal is left out: 1.0 == 1.00;
# equal aware datetimes are the same instant, which is what the column stores).
_MEMO_TYPES = frozenset({type(None), str, int, bool, float, dt.date, dt.datetime})
# A column whose values keep differing (names, keys, timestamps) stops being memoised.
_MEMO_PROBE = 64


def _stores_text_as_is(field: Any) -> bool:
    """Whether ``get_db_prep_save`` returns a ``str`` unchanged (Django's Char/TextField:
    ``to_python`` of a str is the str, and no backend adapts text)."""
    cls = type(field)
    return (
        isinstance(field, (CharField, TextField))
        and cls.get_db_prep_save is Field.get_db_prep_save
        and cls.get_db_prep_value is Field.get_db_prep_value
        and cls.get_prep_value in (CharField.get_prep_value, TextField.get_prep_value)
        and cls.to_python in (CharField.to_python, TextField.to_python)
    )


def _db_values(fields: list[Any], rows: list[Any]) -> list[list[Any]]:
    """Each row's ``get_db_prep_save(pre_save(row))`` per field, as ``save()`` computes them."""
    memo_types = _MEMO_TYPES
    columns = []
    for f in fields:
        # Field.pre_save is getattr(instance, attname) unless a field overrides it (auto_now).
        plain = type(f).pre_save is Field.pre_save
        columns.append([f, f.attname, plain, _stores_text_as_is(f), {}, 0])
    params = []
    for count, row in enumerate(rows, start=1):
        values = []
        for column in columns:
            field, attname, plain, text, memo, misses = column
            value = getattr(row, attname) if plain else field.pre_save(row, True)
            kind = type(value)
            if text and kind is str:
                values.append(value)
            elif memo is not None and kind in memo_types:
                key = (kind, value)
                if key in memo:
                    values.append(memo[key])
                else:
                    converted = memo[key] = field.get_db_prep_save(value, connection)
                    values.append(converted)
                    column[5] = misses = misses + 1
                    if count >= _MEMO_PROBE and misses * 2 > count:
                        column[4] = None  # mostly distinct values: convert each directly
            else:
                values.append(field.get_db_prep_save(value, connection))
        params.append(values)
    return params


def insert_rows(model: Any, rows: list[Any]) -> None:
    """INSERT model instances with one ``executemany`` per chunk (what bulk_create does,
    without compiling a statement per chunk: for a 60-column DocType that was most of it).

    Values go through each field's ``get_db_prep_save`` like every ORM save (text into a
    text column is stored as it is, and a column's conversion of a repeated plain value —
    None, a number, a shared timestamp — is computed once per call); the instances are
    marked saved afterwards, as ``save()`` marks them.
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.column != "id"]
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {q(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - identifiers from the model
    params = _db_values(fields, rows)
    with connection.cursor() as cursor:
        for start in range(0, len(params), INSERT_CHUNK):
            cursor.executemany(sql, params[start : start + INSERT_CHUNK])
    for row in rows:
        row._state.adding, row._state.db = False, connection.alias


def new_side_record(model: Any, user: str, now: Any, **values: Any) -> Any:
    """An unsaved bookkeeping row (a key, a log, a fingerprint): a random name, stamped by ``user``."""
    import uuid

    return new_instance(
        model,
        name=uuid.uuid4().hex[:20],
        owner=user,
        modified_by=user,
        creation=now,
        modified=now,
        **values,
    )


_plain_fields: dict[type, tuple[tuple, frozenset] | None] = {}


def new_instance(model: Any, **values: Any) -> Any:
    """``model(**values)`` for the plain models a batch writes by the thousand.

    The same instance Django's constructor builds (every field's attribute from ``values``
    or its default, a fresh ``_state``) without its per-field argument handling, which is a
    visible part of an import row. Models with relations, non-concrete fields or
    ``pre_init``/``post_init`` receivers, and unknown keyword arguments, take the
    constructor itself.
    """
    if model not in _plain_fields:
        opts = model._meta
        plain = not opts.private_fields and all(
            not f.is_relation and f.concrete for f in opts.fields
        )
        pairs = tuple((f.attname, f) for f in opts.fields)
        _plain_fields[model] = (pairs, frozenset(a for a, _f in pairs)) if plain else None
    known = _plain_fields[model]
    if (
        known is None
        or pre_init.has_listeners(model)
        or post_init.has_listeners(model)
        or not known[1].issuperset(values)
    ):
        return model(**values)
    fields = known[0]
    instance = model.__new__(model)
    instance._state = ModelState()
    attributes = instance.__dict__
    for attname, field in fields:
        attributes[attname] = values[attname] if attname in values else field.get_default()
    return instance


def blocker(doctype: str) -> str | None:
    """Why ``doctype`` must take the per-row path, or None when it may be bulk inserted."""
    meta = registry.get_meta(doctype)
    if meta.istable:
        return "child table"
    if meta.table_fields:
        return "has Table fields"
    if getattr(get_model(doctype), "bulk_insert", True) is False:
        return "controller opts out (bulk_insert = False)"
    return None


class BulkInsert:
    """One batch of new documents: prepared one by one, written together.

    Use inside ``with batch.active():`` (the context batch-aware handlers look for); one
    ``BulkInsert`` per written batch, inside the caller's transaction.
    """

    def __init__(self, user: str, doctype: str):
        from lowcode.permissions.core import has_doctype_permission

        if not has_doctype_permission(user, doctype, "create"):
            raise PermissionError(_("No permission to create {doctype}", doctype=_(doctype)))
        self.user, self.doctype = user, doctype
        self.meta = registry.get_meta(doctype)
        self.model: Any = get_model(doctype)
        self.docs: list[Any] = []
        self.state: dict[str, Any] = {}  # per-capability batch state (e.g. duplicate keys)
        self.pool = NumberPool()
        self._deferred: dict[int, list[Any]] = {}  # id(doc) → side records to insert
        self._accept_hooks: dict[str, Callable[[Any], None]] = {}
        self._handlers: dict[str, list[Callable]] = {}

    @contextmanager
    def active(self) -> Iterator[BulkInsert]:
        token = _current.set(self)
        try:
            with self.pool.active():
                yield self
        finally:
            _current.reset(token)

    # -- for batch-aware handlers -----------------------------------------------------
    def defer(self, doc, *records: Any) -> None:
        """Insert ``records`` (unsaved model instances) with the batch, unless ``doc`` fails."""
        self._deferred.setdefault(id(doc), []).extend(records)

    def on_accept(self, key: str, hook: Callable[[Any], None]) -> None:
        """Call ``hook(doc)`` for each document that passes validation (once per ``key``)."""
        self._accept_hooks.setdefault(key, hook)

    def run_event(self, doc, event: str) -> None:
        """``actions.run_event`` with the handler list resolved once per batch."""
        getattr(doc, event)()
        handlers = self._handlers.get(event)
        if handlers is None:
            handlers = self._handlers[event] = doc_event_handlers(self.doctype, event)
        for handler in handlers:
            handler(doc, event)

    # -- preparing --------------------------------------------------------------------
    def add(self, data: dict):
        """Build, name and validate one document in memory; raise a FrappeError if it fails."""
        doc = new_instance(self.model)
        doc.__dict__[NEW_IN_BATCH] = True
        try:
            with transaction.atomic(), self.pool.row():
                self._prepare(doc, data)
        except BaseException:
            self._deferred.pop(id(doc), None)
            raise
        for hook in self._accept_hooks.values():
            hook(doc)
        self.docs.append(doc)
        return doc

    def _prepare(self, doc, data: dict) -> None:
        """``do_insert_doc`` up to the write, step for step."""
        meta, user = self.meta, self.user
        doc.acting_user = user
        now = _now()
        doc.owner, doc.modified_by, doc.creation, doc.modified = user, user, now, now
        doc.docstatus = 0
        for field in meta.data_fields:
            default = resolve_default(field, user)
            if default is not None:
                doc.set(field.fieldname, default)
        errors = apply_input(doc, meta, data, user, is_new=True, check_levels=True)
        if errors:
            validate_doc(doc, meta, user, errors)
        self.run_event(doc, "before_insert")
        doc.name = make_name(
            doc, requested=data.get("name") if isinstance(data.get("name"), str) else None
        )
        if len(doc.name) > 140:
            raise ValidationError(_("Name is too long: at most 140 characters"))
        self.run_event(doc, "validate")
        validate_doc(doc, meta, user)
        self.run_event(doc, "before_save")

    # -- writing ----------------------------------------------------------------------
    def write(self) -> list[Any]:
        """Write the accepted documents and run their after-insert hooks; raise BatchFailed."""
        docs, self.docs = self.docs, []
        if not docs:
            return []
        deferred, self._deferred = self._deferred, {}
        try:
            with transaction.atomic():
                self.pool.commit()
                insert_rows(self.model, docs)
                if self.meta.track_changes:
                    self._write_versions(docs)
                for doc in docs:  # bulk_create marked them saved, as doc.save() does
                    self.run_event(doc, "after_insert")
                    self.run_event(doc, "on_update")
                records: dict[Any, list[Any]] = {}
                for bucket in (deferred, self._deferred):  # before and during the hooks
                    for doc in docs:
                        for record in bucket.get(id(doc), []):
                            records.setdefault(type(record), []).append(record)
                for model, rows in records.items():
                    insert_rows(model, rows)
        except Exception as exc:
            raise BatchFailed(str(exc) or type(exc).__name__) from exc
        finally:
            self._deferred = {}
        return docs

    def _write_versions(self, docs: list[Any]) -> None:
        """Each document's "created" Version, as ``do_insert_doc`` writes it.

        ``_version_data(meta, {}, snapshot)`` of a document without tables (the only kind
        bulk inserts) is every non-null snapshot value as changed from None, in field order;
        built here directly (the generic diff costs more than the rest of the Version).
        """
        from lowcode.models import Version
        from lowcode.query.serialize import to_json

        if self.meta.table_fields:  # never on this path (blocker), kept exact anyway
            snapshots = [
                {"created": True, **_version_data(self.meta, {}, _snapshot(doc, self.meta))}
                for doc in docs
            ]
        else:
            fields = [(f.fieldname, f.is_custom) for f in self.meta.data_fields]
            snapshots = []
            for doc in docs:
                changed = []
                for fieldname, is_custom in fields:
                    value = doc.get(fieldname) if is_custom else getattr(doc, fieldname, None)
                    if value is not None:
                        value = to_json(value)
                        if value is not None:
                            changed.append([fieldname, None, value])
                snapshots.append(
                    {
                        "created": True,
                        "changed": changed,
                        "added": [],
                        "removed": [],
                        "row_changed": [],
                    }
                )
        insert_rows(
            Version,
            [
                new_instance(
                    Version,
                    ref_doctype=self.doctype,
                    docname=doc.name,
                    owner=self.user,
                    creation=doc.modified,
                    data=data,
                )
                for doc, data in zip(docs, snapshots, strict=True)
            ],
        )
