"""Every document write: insert, save, submit, cancel, delete.

Each action runs in one transaction: a failure anywhere (validation, a
controller, a hook) rolls back everything, so nothing is half-written.
Lifecycle: ``before_insert → validate → before_save → write → after_insert
→ on_update``; controller methods run first, then ``hooks.py`` doc_events.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from lowcode import context
from lowcode.documents.naming import make_name
from lowcode.documents.versions import write_version
from lowcode.exceptions import (
    DataError,
    DocstatusTransitionError,
    DoesNotExistError,
    DuplicateEntryError,
    FieldError,
    PermissionError,
    TimestampMismatchError,
    ValidationError,
)
from lowcode.hooks_loader import doc_event_handlers
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.doctype import DocTypeMeta
from lowcode.permissions.core import access_doc, has_doctype_permission, permitted_levels
from lowcode.query.choices import choice_errors
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model
from lowcode.storage.secrets import without_kept_secrets
from lowcode.storage.validation import (
    CoercionError,
    check_value,
    coerce,
    label_of,
    resolve_default,
    type_error,
    values_of,
)

# Writes to this DocType are schema changes, made by lowcode.documents.schema.
SCHEMA_DOCTYPE = "DocType"

# Keys a client may send back unchanged; they are never written from input.
IGNORED_KEYS = frozenset(
    {
        "doctype",
        "name",
        "owner",
        "creation",
        "modified",
        "modified_by",
        "docstatus",
        "idx",
        "parent",
        "parentfield",
        "parenttype",
        "_custom",
    }
)


def run_event(doc, event: str) -> None:
    """Run the controller method, then every doc_events hook for ``event``."""
    getattr(doc, event)()
    for handler in doc_event_handlers(doc.doctype, event):
        handler(doc, event)


def apply_input(
    doc, meta: DocTypeMeta, data: dict, user: str, *, is_new: bool, check_levels: bool
) -> list[FieldError]:
    """Set typed values from client input; return type errors (never half-applied: caller aborts)."""
    errors: list[FieldError] = []
    # A saved document's field levels are writable only in the write rules' scope.
    writable = permitted_levels(user, meta.name, "write", None if is_new else doc) | (
        permitted_levels(user, meta.name, "create") if is_new else frozenset()
    )
    unknown = [
        k
        for k in data
        if k not in IGNORED_KEYS and not k.startswith("__") and not meta.has_field(k)
    ]
    if unknown:
        raise DataError(
            _(
                "Unknown field(s) for {doctype}: {fields}",
                doctype=_(meta.name),
                fields=", ".join(sorted(unknown)[:20]),
            )
        )
    for key, raw in data.items():
        field = meta.get_field(key)
        if field is None or not (field.holds_value or field.is_table):
            continue
        if check_levels and field.permlevel not in writable:
            if _differs(doc.get(key), raw, field):
                raise PermissionError(_("No permission to change {label}", label=label_of(field)))
            continue
        if (
            not is_new
            and field.set_only_once
            and doc.get(key) not in (None, "")
            and _differs(doc.get(key), raw, field)
        ):
            errors.append(
                FieldError(
                    key,
                    "set_only_once",
                    _("{label} cannot be changed once set", label=label_of(field)),
                )
            )
            continue
        if field.is_table:
            if not isinstance(raw, list):
                errors.append(
                    FieldError(
                        key, "table", _("{label} must be a list of rows", label=label_of(field))
                    )
                )
                continue
            errors += _apply_children(doc, field, raw, user)
            continue
        try:
            doc.set(key, coerce(field, raw, user))
        except CoercionError as exc:
            errors.append(type_error(field, str(exc)))
    return errors


def _differs(current: Any, raw: Any, field) -> bool:
    if field.is_table:
        return bool(raw)
    try:
        return coerce(field, raw) != current
    except CoercionError:
        return True


def _apply_children(doc, field, rows: list, user: str) -> list[FieldError]:
    child_meta = registry.get_meta(field.options or "")
    model = get_model(child_meta.name)
    existing = (
        {row.name: row for row in doc.get_children(field.fieldname)} if not doc.is_new else {}
    )
    children, errors = [], []
    for idx, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            errors.append(
                FieldError(
                    field.fieldname,
                    "table",
                    _("Row {row} of {label} must be an object", row=idx, label=label_of(field)),
                    row=idx,
                    table=field.fieldname,
                )
            )
            continue
        row = existing.get(raw.get("name")) or model()
        unknown = [
            k
            for k in raw
            if k not in IGNORED_KEYS and not k.startswith("__") and not child_meta.has_field(k)
        ]
        if unknown:
            raise DataError(
                _(
                    "Unknown field(s) for {doctype}: {fields}",
                    doctype=_(child_meta.name),
                    fields=", ".join(sorted(unknown)[:20]),
                )
            )
        if row._state.adding:
            for child_field in child_meta.data_fields:
                default = resolve_default(child_field, user)
                if default is not None:
                    row.set(child_field.fieldname, default)
        for key, value in raw.items():
            row_field = child_meta.get_field(key)
            if row_field is None or not row_field.holds_value:
                continue
            try:
                row.set(key, coerce(row_field, value, user))
            except CoercionError as exc:
                error = type_error(row_field, str(exc))
                errors.append(
                    FieldError(
                        error.fieldname,
                        error.rule,
                        _("Row {row}: {message}", row=idx, message=error.message),
                        row=idx,
                        table=field.fieldname,
                    )
                )
        row.idx = idx
        children.append(row)
    doc.set_children(field.fieldname, children)
    return errors


def _user_info(user: str) -> dict:
    from lowcode.permissions.core import get_roles

    return {"name": user, "roles": sorted(get_roles(user))}


_STANDARD_VALUE_KEYS = frozenset({"name", "owner", "docstatus"})  # values_of adds them


def validate_doc(doc, meta: DocTypeMeta, user: str, prior: list[FieldError] | None = None) -> None:
    """Check every field of the document and its rows; raise with all failures at once.

    ``prior`` are type errors from parsing input: their fields are not checked again.
    """
    values = values_of(doc, meta)
    info = _user_info(user)
    errors: list[FieldError] = list(prior or [])
    skip = {(e.table, e.fieldname) for e in errors}
    for field in meta.fields:
        if field.is_table:
            rows = doc.get_children(field.fieldname)
            if field.reqd and not rows:
                errors.append(
                    FieldError(
                        field.fieldname, "reqd", _("{label} is required", label=label_of(field))
                    )
                )
            child_meta = registry.get_meta(field.options or "")
            _prefetch_links(child_meta, rows)
            for idx, row in enumerate(rows, start=1):
                row_values = values_of(row, child_meta)
                for child_field in child_meta.data_fields:
                    if (field.fieldname, child_field.fieldname) in skip:
                        continue
                    for error in check_value(
                        child_field, row.get(child_field.fieldname), row_values, info
                    ):
                        errors.append(
                            FieldError(
                                error.fieldname,
                                error.rule,
                                _(
                                    "{table} row {row}: {message}",
                                    table=label_of(field),
                                    row=idx,
                                    message=error.message,
                                ),
                                row=idx,
                                table=field.fieldname,
                            )
                        )
                errors += _link_errors(child_meta, row, user, prefix=(field, idx, doc))
        elif field.holds_value and (None, field.fieldname) not in skip:
            # values_of read every data field just now (nothing has changed since).
            value = (
                values[field.fieldname]
                if field.fieldname in values and field.fieldname not in _STANDARD_VALUE_KEYS
                else doc.get(field.fieldname)
            )
            errors += check_value(field, value, values, info)
    errors += _link_errors(meta, doc, user)
    errors += choice_errors(meta, doc, values)  # a picked key must be one of the choices
    unique_errors = _unique_errors(meta, doc)
    if errors or unique_errors:
        all_errors = errors + unique_errors
        summary = "; ".join(e.message for e in all_errors[:5])
        if errors:
            raise ValidationError(summary, all_errors)
        raise DuplicateEntryError(summary, all_errors)


LINK_BASELINE = "_link_baseline"  # doc.__dict__ key: the stored values a save started from
LINKS_VOUCHED = "_links_vouched"  # doc.__dict__ key: an engine write (ignore_permissions)


def _link_baseline(doc, prefix: tuple | None) -> dict | None:
    """The stored values of the document (or of its row), {} if new, None if not known.

    Links set by this write are checked against what the acting user may read; links
    already stored are not (a reassigned record keeps a customer its new owner cannot read).
    """
    if doc.is_new:
        return {}
    if prefix is None:
        return doc.__dict__.get(LINK_BASELINE)
    parent, (table_field, _row) = prefix[2], prefix[:2]
    stored = parent.__dict__.get(LINK_BASELINE)
    if stored is None:
        return None
    rows = {r.get("name"): r for r in stored.get(table_field.fieldname) or []}
    return rows.get(doc.name, {})


def _link_errors(
    meta: DocTypeMeta, doc, user: str, prefix: tuple | None = None
) -> list[FieldError]:
    errors = []
    parent = prefix[2] if prefix else doc
    baseline = None if parent.__dict__.get(LINKS_VOUCHED) else _link_baseline(doc, prefix)
    for field in meta.data_fields:
        if field.fieldtype not in ("Link", "Dynamic Link"):
            continue
        value = doc.get(field.fieldname)
        if value in (None, ""):
            continue
        target = field.options if field.fieldtype == "Link" else doc.get(field.options or "")
        # A record the user may not read answers exactly like a missing one: the message
        # must not tell a guessed name (a rival's customer) apart from a wrong one.
        newly_set = baseline is not None and (
            baseline.get(field.fieldname) != value
            or (field.fieldtype == "Dynamic Link" and baseline.get(field.options) != target)
        )
        if not target or not (
            link_readable(user, str(target), str(value))
            if newly_set
            else link_exists(str(target), str(value))
        ):
            message = _(
                "{label}: {doctype} {value} does not exist",
                label=label_of(field),
                doctype=_(str(target or "?")),
                value=value,
            )
            if prefix:
                table_field, row = prefix[:2]
                errors.append(
                    FieldError(
                        field.fieldname,
                        "link",
                        _(
                            "{table} row {row}: {message}",
                            table=label_of(table_field),
                            row=row,
                            message=message,
                        ),
                        row=row,
                        table=table_field.fieldname,
                    )
                )
            else:
                errors.append(FieldError(field.fieldname, "link", message))
    return errors


def link_readable(user: str, target: str, value: str) -> bool:
    """Whether ``value`` is a ``target`` record the user may read (so, one that exists)."""
    from lowcode.permissions.core import is_administrator, permitted_queryset

    if target in ("User", "DocType") or is_administrator(user):
        return link_exists(target, value)
    if not registry.exists(target) or registry.get_meta(target).istable:
        return link_exists(target, value)
    # Only a yes is remembered (per request): a record made later in the request may be read.
    seen: set = context.cached(("links_readable",), set)
    if (user, target, value) in seen:
        return True
    try:
        readable = permitted_queryset(user, target, "read").filter(name=value).exists()
    except (PermissionError, DoesNotExistError):
        readable = False
    if readable:
        seen.add((user, target, value))
    return readable


def _prefetch_links(meta: DocTypeMeta, rows: list) -> None:
    """Look the rows' Link values up with one query per target DocType (for link_exists).

    Rows of a table repeat and share links; checked one by one, 3,000 commission lines cost
    3,000 look-ups. What exists is remembered for this request; the rest is checked as before.
    """
    if len(rows) < 2:
        return
    seen: set = context.cached(("links_existing",), set)
    for field in meta.data_fields:
        target = field.options or ""
        if field.fieldtype != "Link" or target in ("User", "DocType"):
            continue
        if not registry.exists(target):
            continue
        values = {str(v) for row in rows if (v := row.get(field.fieldname)) not in (None, "")}
        values -= {value for t, value in seen if t == target}
        if values:
            found = get_model(target).objects.filter(name__in=values).values_list("name", flat=True)
            seen.update((target, name) for name in found)


def link_exists(target: str, value: str) -> bool:
    if target == "User":
        return get_user_model().objects.filter(username=value).exists()
    if target == "DocType":
        return registry.exists(value)
    if not registry.exists(target):
        return False
    # Only a yes is remembered (per request), as link_readable does: child rows repeat the
    # same links (60 commission lines naming 30 receipts, one customer, two rules were 180
    # look-ups per statement, two thirds of computing 50 statements; bench_commission.py).
    seen: set = context.cached(("links_existing",), set)
    if (target, value) in seen:
        return True
    found = get_model(target).objects.filter(name=value).exists()
    if found:
        seen.add((target, value))
    return found


def _unique_errors(meta: DocTypeMeta, doc) -> list[FieldError]:
    errors = []
    model = type(doc)
    for field in meta.data_fields:
        if not field.unique:
            continue
        value = doc.get(field.fieldname)
        if value in (None, ""):
            continue
        lookup = f"_custom__{field.fieldname}" if field.is_custom else field.fieldname
        if model.objects.filter(**{lookup: value}).exclude(name=doc.name).exists():
            errors.append(
                FieldError(
                    field.fieldname,
                    "unique",
                    _("{label} {value} already exists", label=label_of(field), value=value),
                )
            )
    return errors


def _snapshot(doc, meta: DocTypeMeta) -> dict:
    data = {f.fieldname: to_json(doc.get(f.fieldname)) for f in meta.data_fields}
    for field in meta.table_fields:
        child_meta = registry.get_meta(field.options or "")
        data[field.fieldname] = [
            {
                "name": row.name,
                **{f.fieldname: to_json(row.get(f.fieldname)) for f in child_meta.data_fields},
            }
            for row in doc.get_children(field.fieldname)
        ]
    return data


def changed_fields(doc, before: dict) -> set[str]:
    """Fields (tables included) whose value differs from the snapshot taken before the save."""
    after = _snapshot(doc, doc.meta)
    return {key for key, value in after.items() if before.get(key) != value}


def _version_data(meta: DocTypeMeta, before: dict, after: dict) -> dict:
    """Frappe's Version shape: changed, added, removed, row_changed."""
    changed, added, removed, row_changed = [], [], [], []
    table_names = {f.fieldname for f in meta.table_fields}
    for key, new in after.items():
        old = before.get(key)
        if key in table_names:
            old_rows = {r["name"]: r for r in old or []}
            new_rows = {r["name"]: r for r in new or []}
            added += [[key, r] for n, r in new_rows.items() if n not in old_rows]
            removed += [[key, r] for n, r in old_rows.items() if n not in new_rows]
            # Frappe's row_changed holds the row's position in the new table.
            for position, (n, r) in enumerate(new_rows.items()):
                if n in old_rows:
                    diffs = [
                        [k, old_rows[n].get(k), v] for k, v in r.items() if old_rows[n].get(k) != v
                    ]
                    if diffs:
                        row_changed.append([key, position, n, diffs])
        elif old != new:
            changed.append([key, old, new])
    return {"changed": changed, "added": added, "removed": removed, "row_changed": row_changed}


def _write_version(doc, user: str, data: dict) -> None:
    write_version(doc.doctype, doc.name, user, data, when=doc.modified)


def _save_children(doc, meta: DocTypeMeta, user: str) -> None:
    """Whole-table replacement: rows not sent are deleted; sent rows keep their names."""
    for field in meta.table_fields:
        if "_children" not in doc.__dict__ or field.fieldname not in doc.__dict__["_children"]:
            continue
        model = get_model(field.options or "")
        rows = doc.get_children(field.fieldname)
        keep = [row.name for row in rows if not row._state.adding]
        model.objects.filter(
            parent=doc.name, parenttype=doc.doctype, parentfield=field.fieldname
        ).exclude(name__in=keep).delete()
        new = []
        for row in rows:
            row.parent, row.parenttype, row.parentfield = doc.name, doc.doctype, field.fieldname
            row.modified, row.modified_by = doc.modified, user
            row.docstatus = doc.docstatus
            if row._state.adding:
                row.name = make_name(row)
                row.owner, row.creation = user, doc.modified
                new.append(row)
            else:
                row.save(force_update=True)
        # New rows in one executemany (a statement of 60 computed lines was 60 INSERTs).
        from lowcode.documents.bulk import insert_rows

        insert_rows(model, new)


def _now() -> dt.datetime:
    return timezone.now()


def _write(doc, meta: DocTypeMeta, user: str, *, insert: bool) -> None:
    try:
        with transaction.atomic():
            doc.save(force_insert=insert, force_update=not insert)
            _save_children(doc, meta, user)
    except IntegrityError as exc:
        # The primary key and unique columns decide; no pre-insert SELECT is needed. The
        # savepoint above rolled back, so the transaction may still ask which one clashed.
        if insert and type(doc).objects.filter(name=doc.name).exists():
            message = _("{doctype} {name} already exists", doctype=_(meta.name), name=doc.name)
        else:
            message = _(
                "{doctype} {name} already exists or conflicts with another record",
                doctype=_(meta.name),
                name=doc.name,
            )
        raise DuplicateEntryError(message) from exc


def do_insert_doc(
    user: str,
    doctype: str,
    data: dict,
    *,
    ignore_permissions: bool = False,
    name: str | None = None,
):
    """Create a document from client data and return it.

    ``name``: an engine caller fixes the name (an amendment's ``<root>-N``), whatever the
    DocType's autoname rule. A new DocType is a schema change: ``documents.schema`` makes it.
    """
    if doctype == SCHEMA_DOCTYPE:
        from lowcode.documents.schema import do_create_doctype

        return do_create_doctype(user, data)
    return insert_record(user, doctype, data, ignore_permissions=ignore_permissions, name=name)


@transaction.atomic
def insert_record(
    user: str,
    doctype: str,
    data: dict,
    *,
    ignore_permissions: bool = False,
    name: str | None = None,
):
    """``do_insert_doc`` without the schema dispatch (``documents.schema`` saves its records)."""
    meta = registry.get_meta(doctype)
    if meta.istable:
        raise PermissionError(
            _("{doctype} rows are created through their parent document", doctype=_(doctype))
        )
    if not ignore_permissions and not has_doctype_permission(user, doctype, "create"):
        raise PermissionError(_("No permission to create {doctype}", doctype=_(doctype)))
    doc = get_model(doctype)()
    doc.acting_user = user
    doc.__dict__[LINKS_VOUCHED] = ignore_permissions
    now = _now()
    doc.owner, doc.modified_by, doc.creation, doc.modified, doc.docstatus = user, user, now, now, 0
    for field in meta.data_fields:
        default = resolve_default(field, user)
        if default is not None:
            doc.set(field.fieldname, default)
    errors = apply_input(doc, meta, data, user, is_new=True, check_levels=not ignore_permissions)
    if errors:
        validate_doc(doc, meta, user, errors)  # report every field's problem together
    run_event(doc, "before_insert")
    doc.name = name or make_name(
        doc, requested=data.get("name") if isinstance(data.get("name"), str) else None
    )
    if len(doc.name) > 140:
        raise ValidationError(_("Name is too long: at most 140 characters"))
    run_event(doc, "validate")
    validate_doc(doc, meta, user)
    run_event(doc, "before_save")
    _write(doc, meta, user, insert=True)
    if meta.track_changes:
        _write_version(
            doc, user, {"created": True, **_version_data(meta, {}, _snapshot(doc, meta))}
        )
    run_event(doc, "after_insert")
    run_event(doc, "on_update")
    doc._state.adding = False
    return doc


def check_not_stale(doc, expected_modified: Any) -> None:
    """Raise TimestampMismatchError when the client's copy is older than the stored one."""
    if expected_modified in (None, ""):
        return
    if str(expected_modified) != to_json(doc.modified):
        raise TimestampMismatchError(
            _(
                "{doctype} {name} was changed by {user} at {when} after you opened it. Reload to see the changes, then save again.",
                doctype=_(doc.doctype),
                name=doc.name,
                user=doc.modified_by,
                when=to_json(doc.modified)[:19],
            )
        )


def do_save_doc(
    user: str, doctype: str, name: str, data: dict, *, ignore_permissions: bool = False
):
    """Update a document from client data; stale ``modified`` answers 409.

    A DocType's change is a schema change: ``documents.schema`` makes it.
    """
    if doctype == SCHEMA_DOCTYPE:
        from lowcode.documents.schema import do_update_doctype

        return do_update_doctype(user, name, data)
    return save_record(user, doctype, name, data, ignore_permissions=ignore_permissions)


@transaction.atomic
def save_record(
    user: str, doctype: str, name: str, data: dict, *, ignore_permissions: bool = False
):
    """``do_save_doc`` without the schema dispatch (``documents.schema`` saves its records)."""
    meta = registry.get_meta(doctype)
    if ignore_permissions:
        doc = get_model(doctype).objects.select_for_update().get(name=name)
    else:
        doc = access_doc(user, doctype, name, "write", for_update=True)
    doc.acting_user = user
    check_not_stale(doc, data.get("modified"))
    if doc.docstatus == 2:
        raise DocstatusTransitionError(_("Cancelled documents cannot be changed"))
    before = _snapshot(doc, meta)
    doc.__dict__[LINK_BASELINE] = before
    doc.__dict__[LINKS_VOUCHED] = ignore_permissions
    if doc.docstatus == 1:
        fields = {k: meta.get_field(k) for k in data}
        locked = [
            k
            for k, field in fields.items()
            if field is not None
            and not field.allow_on_submit
            and _differs(doc.get(k), data[k], field)
        ]
        if locked:
            raise DocstatusTransitionError(
                _("Submitted documents cannot be changed: {fields}", fields=", ".join(locked))
            )
    data = without_kept_secrets(meta, data)  # a Password sent back masked stays as stored
    errors = apply_input(doc, meta, data, user, is_new=False, check_levels=not ignore_permissions)
    if errors:
        validate_doc(doc, meta, user, errors)
    doc.modified, doc.modified_by = _now(), user
    doc._doc_before_save = before
    event = "before_update_after_submit" if doc.docstatus == 1 else "validate"
    run_event(doc, event)
    validate_doc(doc, meta, user)
    if doc.docstatus == 0:
        run_event(doc, "before_save")
    _write(doc, meta, user, insert=False)
    after = _snapshot(doc, meta)
    if meta.track_changes:
        diff = _version_data(meta, before, after)
        if any(diff.values()):
            _write_version(doc, user, diff)
    run_event(doc, "on_update_after_submit" if doc.docstatus == 1 else "on_update")
    return doc


def _transition(
    user: str,
    doctype: str,
    name: str,
    verb: str,
    expected_modified: Any,
    source: int,
    target: int,
    ignore_permissions: bool = False,
):
    meta = registry.get_meta(doctype)
    if not meta.is_submittable:
        raise DocstatusTransitionError(
            _("{doctype} cannot be submitted or cancelled", doctype=_(doctype))
        )
    if ignore_permissions:
        doc = get_model(doctype).objects.select_for_update().get(name=name)
    else:
        doc = access_doc(user, doctype, name, verb, for_update=True)
    doc.acting_user = user
    check_not_stale(doc, expected_modified)
    if doc.docstatus != source:
        raise DocstatusTransitionError(
            _(
                "Cannot {verb} {doctype} {name} in its current state",
                verb=_(verb),
                doctype=_(doctype),
                name=name,
            )
        )
    before_status = doc.docstatus
    doc.docstatus = target
    doc.modified, doc.modified_by = _now(), user
    if verb == "submit":
        # Frappe's order: validate, then before_submit (which may rely on a valid document).
        run_event(doc, "validate")
        validate_doc(doc, meta, user)
    run_event(doc, f"before_{verb}")
    _write(doc, meta, user, insert=False)
    if meta.track_changes:
        _write_version(
            doc,
            user,
            {
                "changed": [["docstatus", before_status, target]],
                "added": [],
                "removed": [],
                "row_changed": [],
            },
        )
    run_event(doc, f"on_{verb}")
    return doc


@transaction.atomic
def do_submit_doc(
    user: str,
    doctype: str,
    name: str,
    expected_modified: Any = None,
    *,
    ignore_permissions: bool = False,
):
    return _transition(user, doctype, name, "submit", expected_modified, 0, 1, ignore_permissions)


@transaction.atomic
def do_cancel_doc(
    user: str,
    doctype: str,
    name: str,
    expected_modified: Any = None,
    *,
    ignore_permissions: bool = False,
):
    return _transition(user, doctype, name, "cancel", expected_modified, 1, 2, ignore_permissions)


def do_update_doc(user: str, doctype: str, name: str, data: dict):
    """Frappe's save over the API (``PUT /api/resource``, ``frappe.client.save``): save the
    values, then a ``docstatus`` of 1 submits a draft and 2 cancels a submitted document, in
    one transaction. Without this the docstatus would be dropped silently (it is no value)."""
    wanted = data.get("docstatus")
    if wanted in (None, "") or doctype == SCHEMA_DOCTYPE:  # a DocType is never submitted
        return do_save_doc(user, doctype, name, data)
    try:
        target = int(str(wanted))
    except (TypeError, ValueError):
        raise DataError(_("docstatus must be 0, 1 or 2")) from None
    values = {k: v for k, v in data.items() if k != "docstatus"}
    with transaction.atomic():
        if any(k not in IGNORED_KEYS for k in values):
            doc = do_save_doc(user, doctype, name, values)
            modified = None  # the save checked it
        else:
            doc = access_doc(user, doctype, name, "read")
            modified = data.get("modified")
        if target == doc.docstatus:
            return doc
        if (doc.docstatus, target) == (0, 1):
            return do_submit_doc(user, doctype, name, modified)
        if (doc.docstatus, target) == (1, 2):
            return do_cancel_doc(user, doctype, name, modified)
        raise DocstatusTransitionError(
            _(
                "Cannot change docstatus from {before} to {after}",
                before=doc.docstatus,
                after=target,
            )
        )


def do_delete_doc(user: str, doctype: str, name: str, *, ignore_permissions: bool = False) -> None:
    """Delete a document; deleting a DocType drops its table (``documents.schema``)."""
    if doctype == SCHEMA_DOCTYPE:
        from lowcode.documents.schema import do_delete_doctype

        do_delete_doctype(user, name)
        return
    delete_record(user, doctype, name, ignore_permissions=ignore_permissions)


@transaction.atomic
def delete_record(user: str, doctype: str, name: str, *, ignore_permissions: bool = False) -> None:
    """``do_delete_doc`` without the schema dispatch (``documents.schema`` deletes its records)."""
    from lowcode.models import Assignment

    meta = registry.get_meta(doctype)
    if ignore_permissions:
        doc = get_model(doctype).objects.get(name=name)
    else:
        doc = access_doc(user, doctype, name, "delete", for_update=True)
    doc.acting_user = user
    if doc.docstatus == 1:
        raise DocstatusTransitionError(_("Submitted documents must be cancelled before deletion"))
    run_event(doc, "on_trash")
    for field in meta.table_fields:
        get_model(field.options or "").objects.filter(parent=name, parenttype=doctype).delete()
    Assignment.objects.filter(ref_doctype=doctype, docname=name).delete()
    type(doc).objects.filter(name=name).delete()
    if meta.track_changes:
        _write_version(
            doc,
            user,
            {"deleted": True, "changed": [], "added": [], "removed": [], "row_changed": []},
        )
    run_event(doc, "after_delete")


@transaction.atomic
def do_assign_doc(
    user: str, doctype: str, name: str, assignee: str, *, ignore_permissions: bool = False
) -> None:
    """Assign a document to a user (who then sees it under the 'own' scope).

    ``ignore_permissions``: an engine caller vouches for the document and for the assignee
    being an active user (the assignment rules chose them from active users).
    """
    from lowcode.models import Assignment

    if not ignore_permissions:
        access_doc(user, doctype, name, "write")
        if not get_user_model().objects.filter(username=assignee, is_active=True).exists():
            raise ValidationError(_("User {user} does not exist", user=assignee))
    # One INSERT that ignores an existing row (no SELECT, no savepoint): assigning twice is a no-op.
    Assignment.objects.bulk_create(
        [Assignment(ref_doctype=doctype, docname=name, user=assignee)], ignore_conflicts=True
    )


@transaction.atomic
def do_unassign_doc(
    user: str, doctype: str, name: str, assignee: str, *, ignore_permissions: bool = False
) -> None:
    """Remove a user's assignment (they keep seeing the document only if they own it).

    Unassigning someone who is not assigned is a no-op, as assigning twice is.
    """
    from lowcode.models import Assignment

    if not ignore_permissions:
        access_doc(user, doctype, name, "write")
    Assignment.objects.filter(ref_doctype=doctype, docname=name, user=assignee).delete()


AMENDED_FROM = "amended_from"
_AMEND_SUFFIX = re.compile(r"^(?P<root>.+)-(?P<number>\d+)$")


def is_amendable(meta: DocTypeMeta) -> bool:
    """Whether ``meta`` keeps revisions: submittable, with ``amended_from`` linking to itself."""
    field = meta.get_field(AMENDED_FROM)
    return (
        meta.is_submittable
        and field is not None
        and field.fieldtype == "Link"
        and field.options == meta.name
    )


def amended_name(source) -> str:
    """``<root>-N``: the root is the first document's name, N counts on across the chain
    (A → A-1 → A-2), skipping a name already taken."""
    root, number = source.name, 1
    match = _AMEND_SUFFIX.match(source.name)
    if source.get(AMENDED_FROM) and match:
        root, number = match["root"], int(match["number"]) + 1
    model = type(source)
    while model.objects.filter(name=f"{root}-{number}").exists():
        number += 1
    return f"{root}-{number}"


def _copied_values(doc, meta: DocTypeMeta, skip: set[str]) -> dict:
    """Every field but no_copy ones (and ``skip``), child rows included, as input data."""
    data: dict[str, Any] = {}
    for field in meta.fields:
        if field.raw.get("no_copy") or field.fieldname in skip:
            continue
        if field.is_table:
            child_meta = registry.get_meta(field.options or "")
            data[field.fieldname] = [
                {
                    f.fieldname: to_json(row.get(f.fieldname))
                    for f in child_meta.data_fields
                    if not f.raw.get("no_copy")
                }
                for row in doc.get_children(field.fieldname)
            ]
        elif field.holds_value:
            data[field.fieldname] = to_json(doc.get(field.fieldname))
    return data


@transaction.atomic
def do_amend_doc(user: str, doctype: str, name: str):
    """Make the next revision of a cancelled document: a new draft ``<root>-N`` copying it.

    The user needs write on the cancelled document (its scope) and create on the DocType.
    No-copy fields and the workflow state are not copied: the revision starts again at the
    workflow's initial state and goes through its approval anew. Stored values are copied
    as they are (no permlevel or link re-check: they are not the user's input, as a save
    does not re-check the links it keeps).
    """
    from lowcode.workflow import engine

    meta = registry.get_meta(doctype)
    if not is_amendable(meta):
        raise DocstatusTransitionError(_("{doctype} cannot be amended", doctype=_(doctype)))
    source = access_doc(user, doctype, name, "write", for_update=True)
    if not has_doctype_permission(user, doctype, "create"):
        raise PermissionError(_("No permission to create {doctype}", doctype=_(doctype)))
    if source.docstatus != 2:
        raise DocstatusTransitionError(
            _(
                "Only a cancelled document can be amended: {doctype} {name} is not cancelled",
                doctype=_(doctype),
                name=name,
            )
        )
    model = type(source)
    existing = model.objects.filter(**{AMENDED_FROM: name}).values_list("name", flat=True).first()
    if existing:
        raise DocstatusTransitionError(
            _(
                "{doctype} {name} has already been amended as {amendment}",
                doctype=_(doctype),
                name=name,
                amendment=existing,
            )
        )
    workflow = engine.get_workflow(doctype)
    skip = {workflow.state_field} if workflow is not None else set()
    data = _copied_values(source, meta, skip)
    data[AMENDED_FROM] = name
    if workflow is not None:
        initial = workflow.get_state(workflow.initial_state)
        if initial is not None and initial.update_field:
            data[initial.update_field] = initial.update_value
    amended = do_insert_doc(user, doctype, data, ignore_permissions=True, name=amended_name(source))
    # The cancelled document's history says where it went (its timeline links the revision).
    write_version(
        doctype,
        name,
        user,
        {"amended_to": amended.name, "changed": [], "added": [], "removed": [], "row_changed": []},
        when=amended.creation,
    )
    return amended
