"""Writes of the global search's index ("Search Entry"), one row per searchable document.

Kept by ``doc_events`` "*" handlers (``hooks.py``), so every write path (the API, the desk,
imports, scripts, the demo loader) keeps it current inside the write's own transaction;
``sync_search_entries`` (``after_migrate``) indexes the documents that have no entry yet,
so a site's existing rows become findable by ``kuaicrm migrate``. What an entry holds is
read-only work in ``lib/search.py``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from lowcode.desk.lib.search import SEARCH_ENTRY, entry_values, is_searchable
from lowcode.meta import registry
from lowcode.storage.factory import get_model

SYNC_CHUNK = 1000


def _searchable(doctype: str) -> bool:
    return registry.exists(doctype) and is_searchable(registry.get_meta(doctype))


def update_entry(doc, event: str) -> None:
    """doc_events "*" on_update: the document's entry says what it now holds."""
    if not _searchable(doc.doctype):
        return
    do_index_doc(doc)


def delete_entry(doc, event: str) -> None:
    """doc_events "*" after_delete: a deleted document is no longer found."""
    if doc.doctype == SEARCH_ENTRY or not registry.exists(SEARCH_ENTRY):
        return
    _entries(doc.doctype).filter(reference_name=doc.name).delete()


def _entries(doctype: str):
    model: Any = get_model(SEARCH_ENTRY)
    return model.objects.filter(reference_doctype=doctype)


def _new_entry(doc, values: dict[str, str], user: str, now) -> Any:
    from lowcode.documents.bulk import new_side_record

    return new_side_record(
        get_model(SEARCH_ENTRY),
        user,
        now,
        reference_doctype=doc.doctype,
        reference_name=doc.name,
        **values,
    )


def do_index_doc(doc) -> None:
    """Write ``doc``'s entry (insert, or update only when what it holds changed)."""
    from lowcode.documents import bulk

    meta = registry.get_meta(doc.doctype)
    values = entry_values(doc, meta)
    user = doc.acting_user or doc.modified_by or doc.owner
    now = timezone.now()
    batch = bulk.current()
    if batch is not None and doc.__dict__.get(bulk.NEW_IN_BATCH):
        batch.defer(doc, _new_entry(doc, values, user, now))  # one INSERT with the batch
        return
    current = _entries(doc.doctype).filter(reference_name=doc.name)
    existing = current.values("title", "content", "phones").first()
    if existing is None:
        _new_entry(doc, values, user, now).save(force_insert=True)
    elif existing != values:
        current.update(**values, modified=now, modified_by=user)


def do_sync_search_entries(doctypes: list[str] | None = None) -> int:
    """Index every document of ``doctypes`` (default: all searchable) that has no entry."""
    total = 0
    names = doctypes if doctypes is not None else registry.doctype_names()
    for doctype in names:
        if _searchable(doctype):
            total += _sync_doctype(doctype)
    return total


def _sync_doctype(doctype: str) -> int:
    """Index the documents of ``doctype`` without an entry, a chunk per transaction."""
    model: Any = get_model(doctype)
    meta = registry.get_meta(doctype)
    indexed = _entries(doctype).values("reference_name")
    missing = model.objects.exclude(name__in=indexed).values_list("name", flat=True)
    count = 0
    while True:
        chunk = list(missing[:SYNC_CHUNK])
        if not chunk:
            return count
        now = timezone.now()
        with transaction.atomic():
            entries = [
                _new_entry(doc, entry_values(doc, meta), "Administrator", now)
                for doc in model.objects.filter(name__in=chunk)
            ]
            get_model(SEARCH_ENTRY).objects.bulk_create(entries, batch_size=500)
        count += len(entries)
        if len(chunk) < SYNC_CHUNK:
            return count


def sync_search_entries() -> None:
    """after_migrate: documents written before the index existed (or around it) get one."""
    do_sync_search_entries()
