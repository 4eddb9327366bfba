"""Import rows into documents: preview (rolled back) and run (background, batch by batch).

Every row goes through the real write path (``do_insert_doc`` / ``do_save_doc``) as the
importing user, inside its own savepoint: a bad row rolls back alone and is logged with
its field errors, the others go on. A batch of rows, its log entries, its fingerprints and
the progress counters commit together, so a client polling the Data Import sees progress
and a crash loses at most one uncommitted batch (which a re-run then imports).

Duplicates are found in bulk per batch, never with a query per row:
- the fingerprint table (``Data Import Key``): each row's content hash (with its occurrence
  number in the file) → the document it made. Re-running a file skips its rows, with or
  without duplicate rules;
- the duplicate rules (``lowcode.rules``): a row's normalised keys looked up in the
  ``Duplicate Key`` index, against this DocType and the rules' other DocTypes (one
  ``LIMIT 1`` seek per key, joined by UNION ALL);
- rows of the same file: contents and keys of the rows already done in this run.

What a match means follows the rule's action, as it does for a save:
- **Block** rule (the same record): a match with an existing document of the imported
  DocType is *merged* into it under "Merge Into Existing" (its empty fields filled from the
  row, nothing overwritten) or *skipped* under "Skip Duplicates"; a match with a document of
  the rule's other DocType (a Lead whose mobile is a Customer's phone) is *skipped*, naming
  it: an import never changes records of another DocType. "Insert Anyway" inserts and
  lets the rule refuse the row (an error naming the field).
- **Warn** rule (worth knowing, not the same record: a second contact at a known company)
  → the row is *created* and its log message names the match; when the match is a
  document of another DocType that the imported DocType links to through exactly one empty
  Link field (Lead.customer → Customer), the new document is linked to it.

Inserts take the bulk path (``lowcode.documents.bulk``) unless the DocType opts out: each
row is validated through the insert path in memory, in its own savepoint, and the batch's
accepted rows are written together; if that write fails the rows are inserted again one by
one, so exactly the bad rows are errors. Both paths give the same documents, keys, names
and errors (``tests/lowcode/dataio/test_bulk_import.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as django_apps
from django.db import transaction
from django.utils import timezone, translation

from lowcode.dataio.columns import (
    NAME_COLUMN,
    Column,
    importable_fields,
    is_blank,
    match_columns,
    normalise,
)
from lowcode.dataio.spreadsheet import Sheet, read_sheet
from lowcode.documents import bulk
from lowcode.documents.actions import do_insert_doc, do_save_doc, link_readable
from lowcode.exceptions import (
    FieldError,
    FrappeError,
    PermissionError,
    ServiceUnavailableError,
    ValidationError,
)
from lowcode.files import readable_file_path
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.doctype import DocField
from lowcode.permissions.core import has_doctype_permission, permitted_queryset
from lowcode.storage.factory import get_model

logger = logging.getLogger(__name__)

DATA_IMPORT = "Data Import"
IMPORT_LOG = "Data Import Log"
IMPORT_KEY = "Data Import Key"
DATAIO_DOCTYPES = frozenset({DATA_IMPORT, IMPORT_LOG, IMPORT_KEY})
# Rows per transaction: progress shows every batch, and a bulk lookup serves a whole batch.
BATCH_SIZE = 200
# The bulk path writes a whole batch in one INSERT per table, so larger batches pay.
BULK_BATCH_SIZE = 500
# Bound the parameters of one IN (...) lookup (SQLite allows 32766, MariaDB far more).
LOOKUP_CHUNK = 500
PREVIEW_PROBLEM_ROWS = 500
PREVIEW_SAMPLE_ROWS = 20


class ImportType:
    INSERT = "Insert New Records"
    UPDATE = "Update Existing Records"


class DedupMode:
    SKIP = "Skip Duplicates"
    MERGE = "Merge Into Existing"
    INSERT_ANYWAY = "Insert Anyway"


class Status:
    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESS = "Success"
    PARTIAL = "Partial Success"
    ERROR = "Error"


class Outcome:
    CREATED = "created"
    MERGED = "merged"
    UPDATED = "updated"
    SKIPPED = "skipped_duplicate"
    ERROR = "error"


# Outcome → the Data Import counter it adds to.
COUNTERS = {
    Outcome.CREATED: "created_count",
    Outcome.MERGED: "merged_count",
    Outcome.UPDATED: "updated_count",
    Outcome.SKIPPED: "skipped_count",
    Outcome.ERROR: "failed_count",
}


@dataclass
class RowResult:
    """What became of one row: the outcome, the document, and the errors naming fields."""

    row_index: int
    outcome: str
    docname: str | None = None
    message: str = ""
    errors: list[dict] = field(default_factory=list)
    row_data: dict | None = None

    def to_dict(self) -> dict:
        return {
            "row_index": self.row_index,
            "outcome": self.outcome,
            "docname": self.docname,
            "message": self.message,
            "errors": self.errors,
        }


@dataclass
class Plan:
    """A readable file matched to a DocType's fields, ready to preview or run."""

    doctype: str
    import_type: str
    dedup_mode: str
    fields: dict[str, DocField]
    columns: list[Column]
    ignored: list[str]
    sheet: Sheet


@dataclass
class Prepared:
    row_index: int
    values: dict[str, Any]
    raw: dict[str, Any]
    content: str
    fingerprint: str
    # (target doctype, target field, key, own field, the rule blocks)
    keys: list[tuple[str, str, str, str, bool]]


def check_may_import(user: str, doctype: str, import_type: str) -> None:
    """Raise unless ``user`` may create (insert) or write (update) documents of ``doctype``."""
    if not doctype or not registry.exists(doctype):
        message = _("DocType {doctype} not found", doctype=doctype)
        raise ValidationError(message, [FieldError("reference_doctype", "link", message)])
    meta = registry.get_meta(doctype)
    if meta.istable or doctype in DATAIO_DOCTYPES:
        message = _("{doctype} cannot be imported", doctype=_(doctype))
        raise ValidationError(message, [FieldError("reference_doctype", "import", message)])
    verb = "write" if import_type == ImportType.UPDATE else "create"
    if not has_doctype_permission(user, doctype, verb):
        raise PermissionError(_("No permission to import into {doctype}", doctype=_(doctype)))


def read_import_file(user: str, url: str | None) -> tuple[bytes, str]:
    """The uploaded file's bytes and name, read through the file permission check."""
    if not url:
        message = _("Attach the file to import first")
        raise ValidationError(message, [FieldError("import_file", "reqd", message)])
    path, file_doc = readable_file_path(user, url)
    with open(path, "rb") as handle:
        return handle.read(), str(file_doc.get("file_name") or url)


def load_plan(user: str, data_import) -> Plan:
    """Read the Data Import's file and match its columns to fields; raise if it cannot run."""
    doctype = data_import.reference_doctype
    import_type = data_import.import_type or ImportType.INSERT
    check_may_import(user, doctype, import_type)
    content, filename = read_import_file(user, data_import.import_file)
    sheet = read_sheet(content, filename)
    meta = registry.get_meta(doctype)
    verb = "write" if import_type == ImportType.UPDATE else "create"
    fields = importable_fields(meta, user, levels_verb=verb)
    mapping = data_import.mapping if isinstance(data_import.mapping, dict) else {}
    update = import_type == ImportType.UPDATE
    columns, ignored = match_columns(sheet.headers, fields, mapping, with_name=update)
    mapped = {c.fieldname for c in columns if c.fieldname}
    if not mapped - {NAME_COLUMN}:
        message = _("No column of the file matches a field of {doctype}", doctype=_(doctype))
        raise ValidationError(message, [FieldError("mapping", "mapping", message)])
    if update and NAME_COLUMN not in mapped:
        message = _("Updating existing records needs an ID (name) column")
        raise ValidationError(message, [FieldError("mapping", "mapping", message)])
    return Plan(
        doctype=doctype,
        import_type=import_type,
        dedup_mode=data_import.dedup_mode or DedupMode.SKIP,
        fields={f.fieldname: f for f in fields},
        columns=columns,
        ignored=ignored,
        sheet=sheet,
    )


def _rule_specs(doctype: str) -> list[tuple[str, str, str | None, str | None, bool]]:
    """(field, normaliser, other DocType, other field, blocks) of every enabled duplicate rule.

    Block rules first, so a row's first match is the one that decides.
    """
    if not django_apps.is_installed("lowcode.rules"):
        return []
    from lowcode.rules.common import rules_for

    specs = []
    for rule in rules_for("Duplicate Rule", doctype):
        for row in rule.get_children("fields"):
            specs.append(
                (
                    row.fieldname,
                    row.normaliser,
                    row.other_doctype,
                    row.other_fieldname,
                    rule.action == "Block",
                )
            )
    return sorted(specs, key=lambda spec: not spec[4])


def _renamed(table: dict[Any, tuple[int, Any]], renamed: dict[str, str | None]) -> dict:
    """``table`` (→ (row, name)) with provisional names replaced, failed ones dropped."""
    out = {}
    for found, (index, name) in table.items():
        final = renamed.get(name, name) if name is not None else None
        if name is None or final is not None:
            out[found] = (index, final)
    return out


def _link_fields(plan: Plan) -> dict[str, str]:
    """Other DocType → the one importable Link field of ``plan`` pointing at it."""
    links: dict[str, list[str]] = {}
    for fieldname, meta_field in plan.fields.items():
        if meta_field.fieldtype == "Link" and meta_field.options:
            links.setdefault(meta_field.options, []).append(fieldname)
    return {doctype: names[0] for doctype, names in links.items() if len(names) == 1}


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _cell_text(value: Any) -> Any:
    """A cell as the log and the error report keep it (JSON-safe)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class Importer:
    """Turns batches of rows into documents for one plan, remembering what this run did."""

    def __init__(self, plan: Plan, user: str):
        self.plan, self.user = plan, user
        self.model: Any = get_model(plan.doctype)
        self.insert = plan.import_type == ImportType.INSERT
        self.dedup = self.insert and plan.dedup_mode != DedupMode.INSERT_ANYWAY
        self.specs = _rule_specs(plan.doctype) if self.dedup else []
        self.occurrences: Counter[str] = Counter()
        self.done_contents: dict[str, tuple[int, str | None]] = {}  # content → (row, docname)
        self.done_keys: dict[tuple[str, str, str], tuple[int, str]] = {}  # key → (row, docname)
        self.new_fingerprints: dict[str, str] = {}  # fingerprint → docname, to store
        self.stale_fingerprints: set[str] = set()  # stored for a document since deleted
        self.targets: dict[str, Any] = {}  # merge targets the user may read, by name
        self.bulk = self.insert and bulk.blocker(plan.doctype) is None
        self.batch_size = BULK_BATCH_SIZE if self.bulk else BATCH_SIZE
        self.batch: bulk.BulkInsert | None = None
        self.pending: list[tuple[Prepared, RowResult]] = []  # accepted, not written yet
        self.known_keys: dict[tuple[str, str, str], str | None] = {}  # this batch's lookups
        self.links = _link_fields(plan)

    # -- preparing a batch ------------------------------------------------------------
    def prepare(self, row_index: int, cells: list[Any]) -> Prepared:
        values: dict[str, Any] = {}
        raw: dict[str, Any] = {}
        for column in self.plan.columns:
            cell = cells[column.index]
            raw[column.header] = _cell_text(cell)
            if column.fieldname is None or is_blank(cell):
                continue
            target = self.plan.fields.get(column.fieldname)
            values[column.fieldname] = (
                str(cell).strip() if target is None else normalise(target, cell)
            )
        content = json.dumps(
            {
                c.fieldname: str(raw[c.header]).strip()
                for c in self.plan.columns
                if c.fieldname and not is_blank(raw[c.header])
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        self.occurrences[content] += 1
        fingerprint = hashlib.sha256(
            f"{self.plan.doctype}\x1f{content}\x1f{self.occurrences[content]}".encode()
        ).hexdigest()
        return Prepared(row_index, values, raw, content, fingerprint, self._keys(values))

    def _keys(self, values: dict[str, Any]) -> list[tuple[str, str, str, str, bool]]:
        if not self.specs:
            return []
        from lowcode.rules.duplicates import credit_code_valid, make_key

        keys = []
        for fieldname, normaliser, other_doctype, other_field, blocks in self.specs:
            key = make_key(normaliser, values.get(fieldname))
            if not key or (
                normaliser == "Credit Code" and not credit_code_valid(key.split("|", 1)[1])
            ):
                continue  # the rule's own validation reports a bad code
            keys.append((self.plan.doctype, fieldname, key, fieldname, blocks))
            if other_doctype:
                keys.append((other_doctype, other_field or fieldname, key, fieldname, blocks))
        return keys

    def _stored_fingerprints(self, rows: list[Prepared]) -> dict[str, str]:
        """Fingerprints of earlier runs whose document still exists → that document."""
        key_model: Any = get_model(IMPORT_KEY)
        found: dict[str, str] = {}
        for chunk in _chunks([r.fingerprint for r in rows], LOOKUP_CHUNK):
            found.update(
                key_model.objects.filter(
                    reference_doctype=self.plan.doctype, row_hash__in=chunk
                ).values_list("row_hash", "reference_name")
            )
        alive: set[str] = set()
        for chunk in _chunks(sorted(set(found.values())), LOOKUP_CHUNK):
            alive.update(self.model.objects.filter(name__in=chunk).values_list("name", flat=True))
        self.stale_fingerprints |= {h for h, name in found.items() if name not in alive}
        return {h: name for h, name in found.items() if name in alive}

    def _stored_duplicates(self, rows: list[Prepared]) -> dict[tuple[str, str, str], str]:
        """(DocType, field, key) → the first existing document holding it.

        The duplicate engine's lookup: one ``LIMIT 1`` index seek per key, joined by UNION
        ALL (a GROUP BY would read every document sharing a company name).
        """
        from lowcode.rules.duplicates import seek_duplicates

        wanted: dict[str, set[tuple[str, str]]] = {}
        for row in rows:
            for doctype, fieldname, key, _own, _blocks in row.keys:
                wanted.setdefault(doctype, set()).add((fieldname, key))
        found: dict[tuple[str, str, str], str] = {}
        self.known_keys = {}
        for doctype, pairs in wanted.items():
            seen = seek_duplicates(doctype, sorted(pairs))
            for fieldname, key in pairs:
                name = seen.get((fieldname, key))
                self.known_keys[(doctype, fieldname, key)] = name
                if name is not None:
                    found[(doctype, fieldname, key)] = name
        return found

    def _load_targets(self, names: set[str]) -> None:
        missing = sorted(names - self.targets.keys())
        for chunk in _chunks(missing, LOOKUP_CHUNK):
            readable = permitted_queryset(self.user, self.plan.doctype, "read")
            self.targets.update({doc.name: doc for doc in readable.filter(name__in=chunk)})

    # -- running a batch --------------------------------------------------------------
    def run_batch(self, batch: list[tuple[int, list[Any]]]) -> list[RowResult]:
        """Import one batch of (row number, cells); each row in its own savepoint.

        On the bulk path the batch's new documents are written together at its end (and
        before a row merges into a document of the same batch).
        """
        rows = [self.prepare(index, cells) for index, cells in batch]
        if not self.insert:
            return [self._update(row) for row in rows]
        stored = self._stored_fingerprints(rows)
        duplicates = self._stored_duplicates(rows) if self.specs else {}
        if self.plan.dedup_mode == DedupMode.MERGE:
            # Only rows this run has not imported before can merge (re-runs load nothing).
            wanted = {
                (doctype, fieldname, key)
                for row in rows
                if row.fingerprint not in stored
                for doctype, fieldname, key, _own, blocks in row.keys
                if blocks and doctype == self.plan.doctype
            }
            self._load_targets({name for found, name in duplicates.items() if found in wanted})
        if not self.bulk:
            return [self._insert(row, stored, duplicates) for row in rows]
        results = [self._insert(row, stored, duplicates) for row in rows]
        self.flush()
        return results

    def _insert(
        self, row: Prepared, stored: dict[str, str], duplicates: dict[tuple[str, str, str], str]
    ) -> RowResult:
        doctype = self.plan.doctype
        if row.fingerprint in stored:
            name = stored[row.fingerprint]
            self.done_contents.setdefault(row.content, (row.row_index, name))
            message = _("Already imported as {doctype} {name}", doctype=_(doctype), name=name)
            return RowResult(row.row_index, Outcome.SKIPPED, name, message)
        if self.dedup and row.content in self.done_contents:
            same_row, same_name = self.done_contents[row.content]
            message = _("Same as row {row}", row=same_row)
            return RowResult(row.row_index, Outcome.SKIPPED, same_name, message)
        match = self._match(row, duplicates) if self.dedup else None
        if match is not None:
            from lowcode.rules.duplicates import readable_duplicate

            target_doctype, own_field, target, earlier = match
            if (
                self.plan.dedup_mode == DedupMode.MERGE
                and target_doctype == doctype
                and readable_duplicate(self.user, doctype, target)
            ):
                result = self._merge(row, target)
            else:
                result = self._skip(row, target_doctype, own_field, target, earlier)
            if result.outcome != Outcome.ERROR:
                self.done_contents.setdefault(row.content, (row.row_index, result.docname))
            if result.outcome == Outcome.MERGED:
                self.new_fingerprints[row.fingerprint] = target
            return result
        notes = self._warnings(row, duplicates) if self.dedup else []
        if self.bulk:
            result = self._add_to_batch(row)
        else:
            result = self._write(row, lambda: do_insert_doc(self.user, doctype, row.values))
        if result.outcome == Outcome.CREATED and result.docname:
            self._remember(row, result.docname)
            result.message = "; ".join(notes)
        return result

    def _warnings(self, row: Prepared, duplicates: dict[tuple[str, str, str], str]) -> list[str]:
        """Warn rules' matches, noted on the created row; link a matched other document."""
        notes: list[str] = []
        for doctype, fieldname, key, own_field, blocks in row.keys:
            if blocks:
                continue
            done = self.done_keys.get((doctype, fieldname, key))
            name = done[1] if done is not None else duplicates.get((doctype, fieldname, key))
            if name is None:
                continue
            note = self._duplicate_message(row, own_field, doctype, name)
            if note not in notes:
                notes.append(note)
            link = self.links.get(doctype)
            # Linked only when the importing user may read it: the engine refuses a link to
            # an unreadable record as it refuses a missing one.
            if (
                doctype != self.plan.doctype
                and link
                and is_blank(row.values.get(link))
                and link_readable(self.user, doctype, name)
            ):
                row.values[link] = name
                notes.append(_("Linked to {doctype} {name}", doctype=_(doctype), name=name))
        return notes

    # -- the bulk path ----------------------------------------------------------------
    def _add_to_batch(self, row: Prepared) -> RowResult:
        """Validate the row into the open batch (written by ``flush``)."""
        if self.batch is None:
            self.batch = bulk.BulkInsert(self.user, self.plan.doctype)
            self._share_lookups(self.batch)
        try:
            with self.batch.active():
                doc = self.batch.add(row.values)
        except FrappeError as exc:
            return self._error(row, exc.message, exc.errors)
        except Exception as exc:
            logger.exception("Import of %s row %s failed", self.plan.doctype, row.row_index)
            return self._error(row, str(exc) or type(exc).__name__, [])
        result = RowResult(row.row_index, Outcome.CREATED, doc.name)
        self.pending.append((row, result))
        return result

    def _share_lookups(self, batch: bulk.BulkInsert) -> None:
        """Hand the batch's key lookups to the duplicate check, so it asks nothing again."""
        if not self.specs:
            return
        from lowcode.rules.duplicates import KeyBatch

        keys = KeyBatch(known=dict(self.known_keys))
        batch.state["duplicate_keys"] = keys
        batch.on_accept("duplicate_keys", keys.accept)

    def flush(self) -> None:
        """Write the open batch; if that fails, insert its rows one by one (exact errors)."""
        batch, pending = self.batch, self.pending
        self.batch, self.pending = None, []
        if batch is None or not pending:
            return
        keys = batch.state.get("duplicate_keys")
        try:
            with batch.active():
                batch.write()
        except bulk.BatchFailed:
            logger.info("Bulk write of %s failed; inserting row by row", self.plan.doctype)
            self._row_by_row(pending)
            return
        if keys is not None:  # what the next batch of this transaction may meet
            for found, name in keys.pending.items():
                earlier = self.known_keys.get(found)
                self.known_keys[found] = min(earlier, name) if earlier else name

    def _row_by_row(self, pending: list[tuple[Prepared, RowResult]]) -> None:
        renamed: dict[str, str | None] = {}
        for row, result in pending:
            again = self._write(
                row, lambda row=row: do_insert_doc(self.user, self.plan.doctype, row.values)
            )
            renamed[result.docname or ""] = again.docname
            message = result.message
            result.outcome, result.docname, result.errors = (
                again.outcome,
                again.docname,
                again.errors,
            )
            result.row_data = again.row_data
            result.message = message if again.outcome == Outcome.CREATED else again.message
        # Later rows of the file that point at a provisional name see the final one.
        self.done_contents = _renamed(self.done_contents, renamed)
        self.done_keys = _renamed(self.done_keys, renamed)
        self.new_fingerprints = {
            fingerprint: final
            for fingerprint, name in self.new_fingerprints.items()
            if (final := renamed.get(name, name)) is not None
        }

    def _match(
        self, row: Prepared, duplicates: dict[tuple[str, str, str], str]
    ) -> tuple[str, str, str, int | None] | None:
        """The row's first Block match: (DocType, own field, name, earlier row or None)."""
        for doctype, fieldname, key, own_field, blocks in row.keys:
            if not blocks:
                continue
            done = self.done_keys.get((doctype, fieldname, key))
            if done is not None:
                return doctype, own_field, done[1], done[0]
            name = duplicates.get((doctype, fieldname, key))
            if name is not None:
                return doctype, own_field, name, None
        return None

    def _skip(
        self, row: Prepared, doctype: str, own_field: str, name: str, earlier: int | None
    ) -> RowResult:
        message = self._duplicate_message(row, own_field, doctype, name)
        if earlier is not None:
            message = f"{message} ({_('Same as row {row}', row=earlier)})"
        from lowcode.rules.duplicates import readable_duplicate

        # The log names only a record the importer may read (the message names its owner).
        shown = name if readable_duplicate(self.user, doctype, name) else None
        return RowResult(row.row_index, Outcome.SKIPPED, shown, message)

    def _duplicate_message(self, row: Prepared, own_field: str, doctype: str, name: str) -> str:
        from lowcode.rules.duplicates import duplicate_message

        field_meta = self.plan.fields.get(own_field)
        label = _(field_meta.label) if field_meta and field_meta.label else own_field
        return duplicate_message(self.user, label, row.values.get(own_field), doctype, name)

    def _merge(self, row: Prepared, name: str) -> RowResult:
        """Fill the existing document's empty fields from the row."""
        if any(result.docname == name for _row, result in self.pending):
            self.flush()  # the target is a row of this batch: write it first
        self._load_targets({name})
        existing = self.targets.get(name)
        doctype = self.plan.doctype
        if existing is None:
            message = _(
                "Duplicates {doctype} {name}, which you may not change: row skipped",
                doctype=_(doctype),
                name=name,
            )
            return RowResult(row.row_index, Outcome.SKIPPED, name, message)
        fill = {
            fieldname: value
            for fieldname, value in row.values.items()
            if (meta_field := self.plan.fields.get(fieldname)) is not None
            and meta_field.fieldtype != "Check"
            and is_blank(existing.get(fieldname))
        }
        if not fill:
            message = _("{doctype} {name} already holds this row", doctype=_(doctype), name=name)
            return RowResult(row.row_index, Outcome.MERGED, name, message)

        def save():
            doc = do_save_doc(self.user, doctype, name, fill)
            self.targets[name] = doc
            return doc

        result = self._write(row, save, Outcome.MERGED)
        if result.outcome == Outcome.MERGED:
            labels = ", ".join(
                _(f.label) if (f := self.plan.fields[k]).label else k for k in sorted(fill)
            )
            result.message = _("Filled {fields}", fields=labels)
        return result

    def _update(self, row: Prepared) -> RowResult:
        values = dict(row.values)
        name = values.pop(NAME_COLUMN, None)
        if is_blank(name):
            message = _("{label} is required", label=_("ID"))
            return self._error(row, message, [FieldError(NAME_COLUMN, "reqd", message)])
        return self._write(
            row,
            lambda: do_save_doc(self.user, self.plan.doctype, str(name), values),
            Outcome.UPDATED,
        )

    def _write(self, row: Prepared, action, outcome: str = Outcome.CREATED) -> RowResult:
        try:
            with transaction.atomic():
                doc = action()
        except FrappeError as exc:
            return self._error(row, exc.message, exc.errors)
        except Exception as exc:
            # A controller or hook failing on one row must not stop the others.
            logger.exception("Import of %s row %s failed", self.plan.doctype, row.row_index)
            return self._error(row, str(exc) or type(exc).__name__, [])
        return RowResult(row.row_index, outcome, doc.name)

    def _error(self, row: Prepared, message: str, errors: list[FieldError]) -> RowResult:
        details = [e.to_dict() for e in errors]
        text = "; ".join(e["message"] for e in details) if details else message
        return RowResult(row.row_index, Outcome.ERROR, None, text, details, row.raw)

    def _remember(self, row: Prepared, name: str) -> None:
        self.done_contents[row.content] = (row.row_index, name)
        for doctype, fieldname, key, _own, _blocks in row.keys:
            if doctype == self.plan.doctype:
                self.done_keys.setdefault((doctype, fieldname, key), (row.row_index, name))
        self.new_fingerprints[row.fingerprint] = name

    def flush_fingerprints(self, data_import: str) -> None:
        """Store this batch's fingerprints (replacing ones whose document was deleted)."""
        key_model: Any = get_model(IMPORT_KEY)
        stale = sorted(self.stale_fingerprints | set(self.new_fingerprints))
        for chunk in _chunks(stale, LOOKUP_CHUNK):
            key_model.objects.filter(
                reference_doctype=self.plan.doctype, row_hash__in=chunk
            ).delete()
        now = timezone.now()
        bulk.insert_rows(
            key_model,
            [
                bulk.new_side_record(
                    key_model,
                    self.user,
                    now,
                    reference_doctype=self.plan.doctype,
                    row_hash=fingerprint,
                    reference_name=name,
                    data_import=data_import,
                )
                for fingerprint, name in self.new_fingerprints.items()
            ],
        )
        self.new_fingerprints, self.stale_fingerprints = {}, set()


# -- preview ----------------------------------------------------------------------------
def preview_import(user: str, data_import, limit: int | None = None) -> dict:
    """Validate every row (or the first ``limit``) through the real write path, then roll back."""
    plan = load_plan(user, data_import)
    rows = plan.sheet.rows[:limit] if limit else plan.sheet.rows
    importer = Importer(plan, user)
    results: list[RowResult] = []
    with transaction.atomic():
        for batch in _chunks(rows, importer.batch_size):
            results += importer.run_batch(batch)
        transaction.set_rollback(True)  # nothing of the preview stays, its jobs neither
    counts = Counter(r.outcome for r in results)
    problems = [r for r in results if r.outcome not in (Outcome.CREATED, Outcome.UPDATED)]
    for result in results:
        if result.outcome == Outcome.CREATED:
            result.docname = None  # the preview's documents were rolled back
    return {
        "doctype": plan.doctype,
        "import_type": plan.import_type,
        "dedup_mode": plan.dedup_mode,
        "total": len(plan.sheet.rows),
        "previewed": len(rows),
        "columns": [
            {"header": c.header, "fieldname": c.fieldname, "label": _column_label(plan, c)}
            for c in plan.columns
        ],
        "ignored_columns": plan.ignored,
        "counts": {outcome: counts.get(outcome, 0) for outcome in COUNTERS},
        "rows": [r.to_dict() for r in problems[:PREVIEW_PROBLEM_ROWS]],
        "sample": [
            {"row_index": index, "values": _sample_values(plan, cells)}
            for index, cells in rows[:PREVIEW_SAMPLE_ROWS]
        ],
    }


def _column_label(plan: Plan, column: Column) -> str | None:
    if column.fieldname is None:
        return None
    if column.fieldname == NAME_COLUMN:
        return _("ID")
    field_meta = plan.fields[column.fieldname]
    return _(field_meta.label) if field_meta.label else field_meta.fieldname


def _sample_values(plan: Plan, cells: list[Any]) -> dict[str, Any]:
    return {c.fieldname: _cell_text(cells[c.index]) for c in plan.columns if c.fieldname}


# -- run ----------------------------------------------------------------------------------
IMPORT_JOB = "lowcode.dataio.importer.run_import"
# A running import writes its heartbeat at its start and after every batch (a batch takes
# seconds); one silent this long has lost its job. The job's state in RQ tells sooner when
# the job is gone (Redis restarted empty), failed (killed, timed out) or its worker is dead.
HEARTBEAT_STALE = dt.timedelta(minutes=5)
# A lost job is queued again this often (each time from its last committed batch); after
# that the import is marked failed, with a retry for a person to decide.
MAX_RESUMES = 3
# Above RQ's queue default (10 minutes): a million-row import takes longer. A job killed at
# its timeout would still be resumed, but each kill costs a batch.
IMPORT_JOB_TIMEOUT = 6 * 3600


@transaction.atomic  # one transaction like every action (the row lock needs one on MariaDB)
def do_start_import(user: str, data_import: str) -> None:
    """Mark the import running (counters reset) and queue it; refused while its job lives."""
    from lowcode.permissions.core import access_doc

    doc = access_doc(user, DATA_IMPORT, data_import, "write", for_update=True)
    if doc.status == Status.RUNNING and lost_job_reason(doc) is None:
        raise ValidationError(_("This import is already running"))
    check_may_import(user, doc.reference_doctype, doc.import_type)
    read_import_file(user, doc.import_file)  # fail now, not in the background
    _set(
        data_import,
        status=Status.RUNNING,
        started_at=timezone.now(),
        finished_at=None,
        error_message=None,
        total_rows=0,
        processed_rows=0,
        resume_count=0,
        **dict.fromkeys(COUNTERS.values(), 0),
    )
    get_model(IMPORT_LOG).objects.filter(data_import=data_import).delete()
    _queue_run(data_import, user, translation.get_language() or "zh-hans", resume=False)


@transaction.atomic
def do_retry_import(user: str, data_import: str) -> None:
    """Run a failed or interrupted import again from its last committed batch.

    Rows already committed (and their log, counters and fingerprints) stay; the run goes on
    with the rows after them.
    """
    from lowcode.permissions.core import access_doc

    doc = access_doc(user, DATA_IMPORT, data_import, "write", for_update=True)
    if not can_resume(doc):
        raise ValidationError(_("Only a failed or interrupted import can be retried"))
    check_may_import(user, doc.reference_doctype, doc.import_type)
    read_import_file(user, doc.import_file)
    _set(
        data_import,
        status=Status.RUNNING,
        finished_at=None,
        error_message=None,
        resume_count=0,
        started_at=doc.started_at or timezone.now(),
    )
    _queue_run(data_import, user, translation.get_language() or "zh-hans", resume=True)


def can_resume(doc) -> bool:
    """Whether ``doc`` stopped before its last row: failed to queue, lost its job, or crashed."""
    if doc.status == Status.RUNNING:
        return lost_job_reason(doc) is not None
    total, processed = doc.total_rows or 0, doc.processed_rows or 0
    return doc.status == Status.ERROR and (total == 0 or processed < total)


def _queue_run(data_import: str, user: str, lang: str, *, resume: bool) -> None:
    """Queue ``run_import`` after the caller commits, under a job id the import remembers.

    If the queue cannot be reached the import is not left Running: it is marked failed (a
    retry continues it) and the caller gets a clear 503 instead of a server error.
    """
    job_id = f"data-import-{data_import}-{uuid.uuid4().hex[:12]}"
    _set(data_import, job_id=job_id, heartbeat_at=timezone.now())
    kwargs = {"data_import": data_import, "user": user, "lang": lang, "resume": resume}

    def submit() -> None:
        try:
            _submit(job_id, {**kwargs, "job_id": job_id})
        except Exception as exc:
            from lowcode.api.errors import is_outage

            if not is_outage(exc):
                raise
            logger.warning("Data Import %s could not be queued: %r", data_import, exc)
            message = _(
                "The import could not be queued: the job queue is unavailable. "
                "Nothing more was imported; retry when it is back"
            )
            _set(
                data_import,
                status=Status.ERROR,
                error_message=message,
                finished_at=timezone.now(),
                job_id=None,
            )
            raise ServiceUnavailableError(message) from exc

    transaction.on_commit(submit)


def _submit(job_id: str, kwargs: dict[str, Any]) -> None:
    """Run the import inline (no Redis) or push it to RQ's long queue under ``job_id``.

    Not ``lowcode.jobs.enqueue``: reconciling needs the job's id and a longer timeout, and
    this runs after the commit already.
    """
    from django.conf import settings

    from lowcode.jobs import run_job

    if settings.LOWCODE_JOBS_INLINE:
        run_job(IMPORT_JOB, kwargs)
        return
    import django_rq

    django_rq.get_queue("long").enqueue(
        run_job, IMPORT_JOB, kwargs, job_id=job_id, job_timeout=IMPORT_JOB_TIMEOUT
    )


def _set(data_import: str, **values: Any) -> None:
    """Write the import's bookkeeping columns directly: progress is not user input."""
    get_model(DATA_IMPORT).objects.filter(name=data_import).update(
        modified=timezone.now(), **values
    )


class Superseded(Exception):
    """This job no longer owns its import (it was resumed elsewhere, or marked failed)."""


def _own_batch(data_import: str, job_id: str | None) -> None:
    """Lock the import and raise ``Superseded`` unless this job still runs it.

    Called inside each batch's transaction, so a job thought lost that was in fact alive
    (a stalled worker) rolls its batch back instead of importing rows a second time.
    """
    if job_id is None:
        return
    owner = (
        get_model(DATA_IMPORT)
        .objects.select_for_update()
        .filter(name=data_import)
        .values_list("status", "job_id")
        .first()
    )
    if owner != (Status.RUNNING, job_id):
        raise Superseded(data_import)


def run_import(
    data_import: str,
    user: str,
    lang: str = "zh-hans",
    resume: bool = False,
    job_id: str | None = None,
) -> None:
    """Background job: import the file batch by batch, updating progress after each.

    ``resume`` goes on after the rows already committed (their counters and log kept).
    """
    with translation.override(lang):
        doc = get_model(DATA_IMPORT).objects.filter(name=data_import).first()
        if doc is None or (
            job_id is not None and (doc.status, doc.job_id) != (Status.RUNNING, job_id)
        ):
            return  # deleted, or no longer this job's to run
        _set(data_import, heartbeat_at=timezone.now())
        try:
            plan = load_plan(user, doc)
        except FrappeError as exc:
            _set(
                data_import,
                status=Status.ERROR,
                error_message=exc.message,
                finished_at=timezone.now(),
            )
            return
        try:
            totals = _run(plan, user, data_import, job_id, doc if resume else None)
        except Superseded:
            logger.warning("Data Import %s: job %s was superseded; stopping", data_import, job_id)
            return
        except Exception as exc:
            logger.exception("Data Import %s failed", data_import)
            _set(
                data_import, status=Status.ERROR, error_message=str(exc), finished_at=timezone.now()
            )
            return
        done = sum(totals.values())
        failed = totals[Outcome.ERROR]
        status = Status.SUCCESS if not failed else Status.PARTIAL if failed < done else Status.ERROR
        _set(data_import, status=status, finished_at=timezone.now())


def _run(plan: Plan, user: str, data_import: str, job_id: str | None, resumed=None) -> Counter:
    """Import the plan's rows; with ``resumed`` (the import's record) skip its done rows."""
    importer = Importer(plan, user)
    totals: Counter[str] = Counter()
    rows = plan.sheet.rows
    if resumed is not None:
        done = min(resumed.processed_rows or 0, len(rows))
        for outcome, counter in COUNTERS.items():
            totals[outcome] = getattr(resumed, counter) or 0
        # Replay the done rows' contents only: a repeated row's fingerprint counts its
        # occurrences in the file, so the rows after them hash as in an uninterrupted run.
        for index, cells in rows[:done]:
            importer.prepare(index, cells)
        rows = rows[done:]
    _set(data_import, total_rows=len(plan.sheet.rows), heartbeat_at=timezone.now())
    log_model: Any = get_model(IMPORT_LOG)
    for batch in _chunks(rows, importer.batch_size):
        with transaction.atomic():
            _own_batch(data_import, job_id)
            results = importer.run_batch(batch)
            importer.flush_fingerprints(data_import)
            now = timezone.now()
            bulk.insert_rows(
                log_model, [_log_row(log_model, data_import, user, now, r) for r in results]
            )
            totals.update(r.outcome for r in results)
            # Progress, counters and the heartbeat commit with the batch's rows: a resume
            # starts exactly after the last committed batch.
            _set(
                data_import,
                processed_rows=sum(totals.values()),
                heartbeat_at=now,
                **{COUNTERS[outcome]: count for outcome, count in totals.items()},
            )
    return totals


# -- lost jobs ------------------------------------------------------------------------------
def lost_job_reason(doc, now: dt.datetime | None = None) -> str | None:
    """Why a Running import's job is gone, or None while it lives (or cannot be told).

    RQ is asked first: a job missing (Redis restarted without its data), failed (killed,
    timed out) or started by a dead worker is lost now. Otherwise, and without Redis, a
    heartbeat older than ``HEARTBEAT_STALE`` means lost. A job still queued waits for a worker.
    """
    from django.conf import settings

    now = now or timezone.now()
    stale = (doc.heartbeat_at or doc.modified) < now - HEARTBEAT_STALE
    silent = _("no progress for {minutes} minutes", minutes=int(HEARTBEAT_STALE.seconds / 60))
    if settings.LOWCODE_JOBS_INLINE or not doc.job_id:
        return silent if stale else None
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    try:
        queued_before = (doc.heartbeat_at or doc.modified) < now - QUEUE_GRACE
        return _rq_verdict(doc.job_id, stale, silent, now, queued_before)
    except (RedisConnectionError, RedisTimeoutError):
        return None  # the queue cannot be asked: nothing is known, nothing is done


def _rq_verdict(
    job_id: str, stale: bool, silent: str, now: dt.datetime, queued_before: bool
) -> str | None:
    import django_rq
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    connection = django_rq.get_connection("long")
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        # The job is pushed just after the import's row commits: give that moment some room.
        if not queued_before:
            return None
        return _("its queued job is gone (was Redis restarted without persistence?)")
    status = job.get_status(refresh=False)
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        return _("its job ended as {status} (killed or timed out)", status=str(status.value))
    if status == JobStatus.FINISHED:
        return _("its job ended without finishing the import")
    if status == JobStatus.STARTED and _worker_gone(connection, job.worker_name, now):
        return _("the worker running it died")
    return silent if stale and status == JobStatus.STARTED else None


# A job missing from RQ this long after it was queued is lost (see _rq_verdict).
QUEUE_GRACE = dt.timedelta(seconds=30)
# RQ workers write a heartbeat every few seconds while they work; silence this long is death.
WORKER_SILENT = dt.timedelta(minutes=2)


def _worker_gone(connection, worker_name: str | None, now: dt.datetime) -> bool:
    """Whether the RQ worker named ``worker_name`` is dead (or never registered)."""
    import os
    import socket

    from rq.worker import Worker

    if not worker_name:
        return False
    worker = Worker.find_by_key(
        Worker.redis_worker_namespace_prefix + worker_name, connection=connection
    )
    if worker is None:
        return True  # its registration expired: it stopped heart-beating long ago
    if worker.hostname == socket.gethostname() and worker.pid:
        try:
            os.kill(worker.pid, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # exists, owned by another user
    beat = worker.last_heartbeat
    return beat is not None and now - beat.replace(tzinfo=dt.UTC) > WORKER_SILENT


def do_reconcile_import(data_import: str, now: dt.datetime | None = None) -> str | None:
    """Resume or fail one Running import whose job is lost; return what was done, or None.

    With RQ, a lost job is queued again (from the last committed batch) up to ``MAX_RESUMES``
    times; inline, or after that, the import is marked failed with the reason and can be
    retried. Checked again under the row lock, so two reconcilers act once.
    """
    from django.conf import settings

    model: Any = get_model(DATA_IMPORT)
    doc = model.objects.filter(name=data_import, status=Status.RUNNING).first()
    if doc is None or (reason := lost_job_reason(doc, now)) is None:
        return None
    with transaction.atomic():
        doc = model.objects.select_for_update().filter(name=data_import).first()
        if doc is None or doc.status != Status.RUNNING or lost_job_reason(doc, now) is None:
            return None
        row = (doc.processed_rows or 0) + 1
        resumes = doc.resume_count or 0
        if not settings.LOWCODE_JOBS_INLINE and resumes < MAX_RESUMES:
            logger.warning("Data Import %s resumed at row %s: %s", data_import, row, reason)
            _set(data_import, resume_count=resumes + 1)
            # As its owner: who pressed Start is not recorded, and the owner may import.
            lang = translation.get_language() or "zh-hans"
            _queue_run(data_import, doc.owner, lang, resume=True)
            return "resumed"
        logger.warning("Data Import %s failed at row %s: %s", data_import, row, reason)
        _set(
            data_import,
            status=Status.ERROR,
            finished_at=timezone.now(),
            job_id=None,
            error_message=_(
                "The background job stopped before row {row}: {reason}. "
                "Retry to continue from there",
                row=row,
                reason=reason,
            ),
        )
        return "failed"


def do_reconcile_imports(now: dt.datetime | None = None) -> list[str]:
    """Scheduler job (every minute): act on every Running import whose job is lost."""
    running = get_model(DATA_IMPORT).objects.filter(status=Status.RUNNING)
    names = list(running.values_list("name", flat=True))
    return [name for name in names if do_reconcile_import(name, now)]


def _log_row(model, data_import: str, user: str, now, result: RowResult):
    return bulk.new_side_record(
        model,
        user,
        now,
        data_import=data_import,
        row_index=result.row_index,
        outcome=result.outcome,
        docname=result.docname,
        message=result.message,
        errors=result.errors or None,
        row_data=result.row_data,
    )
