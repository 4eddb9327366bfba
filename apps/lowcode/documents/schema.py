"""DocTypes made at run time: create, change, delete and export them (System Manager only).

Every write to the DocType "DocType" arrives here from the action layer
(``documents.actions`` dispatches ``do_insert_doc`` / ``do_save_doc`` / ``do_delete_doc``),
so REST, ``frappe.client.*`` and the desk form share one path. The order of work:

1. validate the whole definition (the meta checks, the record's own validation, data that a
   type change could not convert) and answer every problem at once, field-named;
2. DDL through Django's schema editor, one step at a time (create table, add column,
   rename / alter column), each step's inverse remembered;
3. save the ``tabDocType`` record and ``bump_generation()`` in one transaction.

A failure after step 2 began runs the remembered inverses in reverse, so no half-made table
or column remains: MariaDB commits each DDL statement by itself, SQLite's DDL would roll
back but its schema editor cannot run inside an open transaction either, so both take the
same path, and the actions refuse to run inside an open transaction. Columns of removed
fields are dropped only after the record committed (a failed save never loses their data);
a table is dropped only after its DocType's rows are gone.

A DocType with a Table field may bring its new child DocTypes in the same request:
``data["child_doctypes"] = [{"name": ..., "fields": [...]}, ...]`` (``istable`` is implied);
they are validated, created and compensated together with the parent. Creating the child
first with its own request and then the parent works too.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, models, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lowcode.exceptions import (
    DataError,
    DoesNotExistError,
    FieldError,
    PermissionError,
    ValidationError,
)
from lowcode.i18n import _, pgettext
from lowcode.meta import fieldtypes, registry
from lowcode.meta.checks import BUILTIN_LINK_TARGETS, check_doctype_options, check_fields
from lowcode.meta.doctype import DocField, DocTypeMeta, doctype_from_dict, snake_name
from lowcode.meta.runtime import RUNTIME_APP, definition_dict, load_rows
from lowcode.storage.factory import django_field, forget_runtime_model, schema_model

log = logging.getLogger(__name__)

DOCTYPE = "DocType"
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]*$")
# MariaDB names are at most 64 characters; the table is "tab" + the name.
MAX_NAME_LENGTH = 61
MAX_FIELDNAME_LENGTH = 64
LINK_TYPES = ("Link", "Table", "Table MultiSelect")
Undo = Callable[[BaseDatabaseSchemaEditor], None]


# ---------------------------------------------------------------- guards


def _require_system_manager(user: str) -> None:
    from lowcode.permissions.core import is_system_manager

    if not is_system_manager(user):
        raise PermissionError(_("Only a System Manager may create, change or delete DocTypes"))


def _require_no_transaction() -> None:
    # MariaDB commits DDL implicitly (an open transaction would be committed half-way) and
    # SQLite's schema editor refuses to run inside one: the caller must not open one.
    if connection.in_atomic_block:
        raise DataError(_("Schema changes cannot run inside an open transaction"))


def _runtime_rows(name: str) -> tuple[dict, list[dict], list[dict]]:
    rows = load_rows().get(name)
    if rows is None:
        if registry.exists(name):
            raise PermissionError(
                _(
                    "{doctype} is defined by an app and cannot be changed here; use Customize Form",
                    doctype=name,
                )
            )
        raise DoesNotExistError(_("DocType {name} not found", name=name))
    return rows


# ---------------------------------------------------------------- input


def _flag(value: Any) -> int:
    if isinstance(value, str):
        return int(value.strip() not in ("", "0", "false", "False"))
    return int(bool(value))


def _normalise(data: dict, *, name: str, istable: bool | None = None) -> dict:
    """Client data as DocType record input: fieldnames from labels, Frappe's perm verbs."""
    from lowcode.meta.naming import fieldname_from_label

    record = {k: v for k, v in data.items() if k not in ("child_doctypes", "doctype")}
    record["name"] = name
    if istable is not None:
        record["istable"] = int(istable)
    record["custom"] = 1
    fields = record.get("fields") or []
    if not isinstance(fields, list):
        raise DataError(_("{label} must be a list of rows", label=_("Fields")))
    taken = {str(f.get("fieldname")) for f in fields if isinstance(f, dict) and f.get("fieldname")}
    rows = []
    for row in fields:
        if not isinstance(row, dict):
            rows.append(row)
            continue
        row = dict(row)
        if not row.get("fieldname"):
            row["fieldname"] = fieldname_from_label(
                str(row.get("label") or row.get("fieldtype") or "field"), taken
            )
            taken.add(row["fieldname"])
        if row.get("fieldtype") == "Select" and isinstance(row.get("options"), str):
            # A browser posts a textarea's lines with CRLF: an option is its line without it.
            row["options"] = "\n".join(line.strip() for line in row["options"].splitlines())
        if "option_rows" in row:
            labels = _option_rows(row, len(rows) + 1)
            if labels is not None:
                record.setdefault(OPTION_LABELS, {})[row["fieldname"]] = labels
        rows.append(row)
    record["fields"] = rows
    perms = record.get("permissions") or []
    if not isinstance(perms, list):
        raise DataError(_("{label} must be a list of rows", label=_("Permissions")))
    record["permissions"] = [
        {{"delete": "allow_delete", "import": "allow_import"}.get(k, k): v for k, v in p.items()}
        if isinstance(p, dict)
        else p
        for p in perms
    ]
    return record


# Where _normalise leaves a record's Select labels ({fieldname: {value: label}}): popped before
# the record is checked or saved, written as Translation records in the save's transaction.
OPTION_LABELS = "__option_labels"


def _option_rows(row: dict, number: int) -> dict[str, str] | None:
    """A field row's ``option_rows`` ([{value, label}], the DocType form's option rows) made
    into its options text; return its labels, None when the row is not a Select."""
    from lowcode.meta.options import options_from_rows

    given = row.pop("option_rows")
    if row.get("fieldtype") != "Select" or not isinstance(given, list):
        return None
    items = [
        {"value": str(item.get("value") or ""), "label": str(item.get("label") or "")}
        for item in given
        if isinstance(item, dict)
    ]
    options, labels, errors = options_from_rows(items)
    if errors:
        for error in errors:
            error.row, error.table = number, "fields"
        raise ValidationError(errors[0].message, errors)
    row["options"] = options
    return labels


def _write_option_labels(user: str, name: str, labels: dict[str, dict[str, str]]) -> None:
    """The Select labels a save brought, as Translation records in context <DocType>:<field>."""
    from lowcode.admin.options import do_set_option_labels

    for fieldname, by_value in labels.items():
        do_set_option_labels(user, name, fieldname, by_value)


def _rename_option_labels(user: str, name: str, changed: list) -> None:
    """A renamed field keeps its Select labels: their records move to its new context."""
    from lowcode.admin.options import do_move_option_labels

    for old, new in changed:
        if old.fieldname != new.fieldname:
            do_move_option_labels(user, name, old.fieldname, new.fieldname)


def _definition(record: dict) -> DocTypeMeta:
    """The DocTypeMeta that ``record`` (normalised input) describes."""
    doctype_meta = registry.get_meta(DOCTYPE)
    flags = {f.fieldname for f in doctype_meta.data_fields if f.fieldtype == "Check"}
    row = {k: (_flag(v) if k in flags else v) for k, v in record.items()}
    field_meta = registry.get_meta("DocField")
    perm_meta = registry.get_meta("DocPerm")

    def typed(meta: DocTypeMeta, item: dict) -> dict:
        result = {}
        for key, value in item.items():
            field = meta.get_field(key)
            if field is not None and field.fieldtype == "Check":
                value = _flag(value)
            elif field is not None and field.fieldtype == "Int" and value not in (None, ""):
                with contextlib.suppress(TypeError, ValueError):
                    value = int(value)  # else the record's validation names the field
            result[key] = value
        return result

    fields = [typed(field_meta, f) for f in record["fields"] if isinstance(f, dict)]
    perms = [typed(perm_meta, p) for p in record["permissions"] if isinstance(p, dict)]
    return doctype_from_dict({**definition_dict(row, fields, perms), "custom": 1}, RUNTIME_APP)


# ---------------------------------------------------------------- validation


def _field_error(meta: DocTypeMeta, cid: str, fieldname: str) -> FieldError:
    row = next((i for i, f in enumerate(meta.fields, start=1) if f.fieldname == fieldname), None)
    if cid == "E005":  # the second use is the one to change
        row = max(i for i, f in enumerate(meta.fields, start=1) if f.fieldname == fieldname)
    field = meta.fields[row - 1] if row else DocField(fieldname=fieldname, fieldtype="Data")
    label = _(field.label) if field.label else fieldname
    messages = {
        "E003": (
            "fieldtype",
            _("Row {row}: {fieldtype} is not a field type", row=row, fieldtype=field.fieldtype),
        ),
        "E004": (
            "fieldname",
            _(
                "Row {row}: field name {fieldname} must start with a lower-case letter and "
                "contain only lower-case letters, digits and underscores",
                row=row,
                fieldname=fieldname,
            ),
        ),
        "E005": (
            "fieldname",
            _("Row {row}: field name {fieldname} is used twice", row=row, fieldname=fieldname),
        ),
        "E006": (
            "fieldname",
            _(
                "Row {row}: field name {fieldname} is reserved by the system; choose another",
                row=row,
                fieldname=fieldname,
            ),
        ),
        "E007": (
            "options",
            _(
                "Row {row}: {label} links to {target}, which is not a DocType",
                row=row,
                label=label,
                target=field.options,
            )
            if (field.options or "").strip()
            # an empty target would read "links to , which is not a DocType"
            else _(
                "Row {row}: {label} needs the DocType it links to; choose one",
                row=row,
                label=label,
            ),
        ),
        "E008": (
            "options",
            _(
                "Row {row}: {label} uses {target}, which is not a child table",
                row=row,
                label=label,
                target=field.options or "",
            ),
        ),
        "E009": (
            "default",
            _(
                "Row {row}: default {default} of {label} is not one of its options",
                row=row,
                default=field.default,
                label=label,
            ),
        ),
    }
    key, message = messages.get(cid, ("fieldname", _("Row {row}: invalid field", row=row)))
    return FieldError(key, cid, message, row=row, table="fields")


def _meta_errors(meta: DocTypeMeta, names: set[str], children: set[str]) -> list[FieldError]:
    """The meta checks (meta.E003–E013) as field-named, translated errors."""
    errors: list[FieldError] = []
    for error in check_fields(meta, names, children=children):
        cid = (error.id or "").rsplit(".", 1)[-1]
        fieldname = str(error.obj).split(".", 1)[-1]
        errors.append(_field_error(meta, cid, fieldname))
    for error in check_doctype_options(meta):
        cid = (error.id or "").rsplit(".", 1)[-1]
        if cid == "E010":
            errors.append(
                FieldError(
                    "autoname",
                    cid,
                    _("Naming rule {autoname} is not valid", autoname=meta.autoname),
                )
            )
        elif cid == "E011":
            errors.append(FieldError("permissions", cid, _("Every permission rule needs a role")))
        elif cid == "E012":
            key = str(error.msg).split(" ", 1)[0]
            errors.append(
                FieldError(
                    key,
                    cid,
                    _(
                        "{label} names a field this DocType does not have",
                        label=_(registry.get_meta(DOCTYPE).get_field(key).label)  # type: ignore[union-attr]
                        if registry.get_meta(DOCTYPE).get_field(key)
                        else key,
                    ),
                )
            )
        elif cid == "E013":
            errors.append(
                FieldError(
                    "istable",
                    cid,
                    _("A child table cannot be submittable or have permission rules"),
                )
            )
    errors += _property_errors(meta)
    for i, field in enumerate(meta.fields, start=1):
        if len(field.fieldname) > MAX_FIELDNAME_LENGTH:
            errors.append(
                FieldError(
                    "fieldname",
                    "length",
                    _(
                        "Row {row}: field name {fieldname} is longer than {max} characters",
                        row=i,
                        fieldname=field.fieldname,
                        max=MAX_FIELDNAME_LENGTH,
                    ),
                    row=i,
                    table="fields",
                )
            )
    return errors


CONDITION_KEYS = ("depends_on", "mandatory_depends_on", "read_only_depends_on")
# Types a unique index can hold: a short column (TEXT needs a key length on MariaDB), not a flag.
UNIQUE_TYPES = fieldtypes.SHORT_TEXT_TYPES | (fieldtypes.ORDERABLE_TYPES - {"Check"})
# Defaults resolved when a record is made rather than values of the field's type.
DEFAULT_TOKENS = {"today", "now", "__user"}


def _property_errors(meta: DocTypeMeta) -> list[FieldError]:
    """A field's properties that the row editor sets: conditions that parse, a default of the
    field's type, unique only where an index can hold it, and a permission level that some
    permission rule grants."""
    from lowcode.expressions import ExpressionError, compile_condition
    from lowcode.storage.validation import CoercionError, coerce

    errors: list[FieldError] = []
    levels = {int(p.permlevel or 0) for p in meta.permissions}
    for row, field in enumerate(meta.fields, start=1):
        label = _(field.label) if field.label else field.fieldname

        def error(key: str, rule: str, message: str, row: int = row) -> None:
            errors.append(FieldError(key, rule, message, row=row, table="fields"))

        for key in CONDITION_KEYS:
            source = (getattr(field, key, None) or "").strip()
            if not source:
                continue
            try:
                compile_condition(source)
            except ExpressionError:
                error(
                    key,
                    "expression",
                    _(
                        "Row {row}: condition {condition} of {label} is not valid: write e.g. "
                        "eval:doc.status=='Open'",
                        row=row,
                        condition=source,
                        label=label,
                    ),
                )
        if field.unique and field.fieldtype not in UNIQUE_TYPES:
            error(
                "unique",
                "unique",
                _(
                    "Row {row}: {label} is a {fieldtype} field, which cannot be unique",
                    row=row,
                    label=label,
                    fieldtype=pgettext("fieldtype", field.fieldtype),
                ),
            )
        default = field.default
        if (
            field.holds_value
            and field.fieldtype != "Select"  # meta.E009 names a Select's default
            and default not in (None, "")
            and str(default).strip().lower() not in DEFAULT_TOKENS
        ):
            try:
                coerce(field, default)
            except CoercionError:
                error(
                    "default",
                    "default",
                    _(
                        "Row {row}: default {default} of {label} is not a valid {fieldtype} value",
                        row=row,
                        default=default,
                        label=label,
                        fieldtype=pgettext("fieldtype", field.fieldtype),
                    ),
                )
        level = int(field.permlevel or 0)
        if level and level not in levels and not meta.istable:
            error(
                "permlevel",
                "permlevel",
                _(
                    "Row {row}: {label} is at permission level {level}, but no permission rule "
                    "is at that level; add one (role, level {level}, read / write)",
                    row=row,
                    label=label,
                    level=level,
                ),
            )
    return errors


def _duplicate_errors(name: str, old: DocField, new: DocField, row: int) -> list[FieldError]:
    """Refuse making a field unique while stored records share a value (the unique index
    could not be created): say which value, so the admin can fix the records first."""
    if not new.unique or old.unique or not old.holds_value:
        return []
    table = connection.ops.quote_name(f"tab{name}")
    column = connection.ops.quote_name(old.fieldname)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}, COUNT(*) FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608 - names from validated metadata
            f"GROUP BY {column} HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC"
        )
        found = cursor.fetchone()
    if found is None:
        return []
    return [
        FieldError(
            "unique",
            "unique",
            _(
                "Row {row}: {label} cannot be unique: {count} records hold the value {value}; "
                "change them first",
                row=row,
                label=_(new.label) if new.label else new.fieldname,
                count=found[1],
                value=str(found[0])[:40] if found[0] != "" else _("(empty)"),
            ),
            row=row,
            table="fields",
        )
    ]


def _name_errors(name: Any, *, taken: set[str]) -> list[FieldError]:
    if not isinstance(name, str) or not name.strip():
        return [FieldError("name", "reqd", _("DocType name is required"))]
    if not NAME_RE.match(name) or len(name) > MAX_NAME_LENGTH:
        return [
            FieldError(
                "name",
                "name",
                _(
                    "DocType name {name} must start with a letter and contain only letters, "
                    "digits, spaces, - and _ (at most {max} characters)",
                    name=name,
                    max=MAX_NAME_LENGTH,
                ),
            )
        ]
    if name in taken:
        return [FieldError("name", "unique", _("DocType {name} already exists", name=name))]
    # Folder, model and controller names come from the snake_case form: it must be unique too.
    clash = next((n for n in sorted(taken) if snake_name(n) == snake_name(name)), None)
    if clash:
        return [
            FieldError(
                "name",
                "unique",
                _(
                    "DocType name {name} is too close to {other}: both would be stored as {snake}",
                    name=name,
                    other=clash,
                    snake=snake_name(name),
                ),
            )
        ]
    return []


def _record_errors(user: str, record: dict, *, name: str | None) -> list[FieldError]:
    """The DocType record's own validation (lengths, Select values, roles that exist), unsaved."""
    from lowcode.documents.actions import apply_input, validate_doc
    from lowcode.storage.factory import get_model

    meta = registry.get_meta(DOCTYPE)
    if name is None:
        doc = get_model(DOCTYPE)()
        doc.name = record["name"]
    else:
        doc = get_model(DOCTYPE).objects.get(name=name)
    doc.acting_user = user
    data = {k: v for k, v in record.items() if k != "name"}
    try:
        errors = apply_input(doc, meta, data, user, is_new=name is None, check_levels=False)
        validate_doc(doc, meta, user, errors)
    except ValidationError as exc:
        return list(exc.errors) or [FieldError("name", "invalid", exc.message)]
    return []


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationError("; ".join(e.message for e in errors[:5]), errors)


# ---------------------------------------------------------------- DDL steps


class _Schema:
    """DDL steps with their inverses; ``undo`` runs the inverses in reverse."""

    def __init__(self) -> None:
        self.undo_steps: list[Undo] = []
        self.tables_before = set(connection.introspection.table_names())

    def run(self, step: Undo, undo: Undo) -> None:
        # The inverse is remembered before the step runs: a step of several statements may
        # fail half-way on MariaDB, and the inverse then cleans up what did happen.
        self.undo_steps.append(undo)
        with connection.schema_editor() as editor:
            step(editor)

    def create_table(self, meta: DocTypeMeta) -> None:
        model = schema_model(meta)
        table = model._meta.db_table
        exists = ValidationError(
            _("Table {table} already exists in the database", table=table),
            [
                FieldError(
                    "name", "unique", _("Table {table} already exists in the database", table=table)
                )
            ],
        )
        if table in self.tables_before:
            raise exists
        # Dropped on undo only if this step made it: a table another process created in the
        # meantime (the same DocType made twice at once) is not ours to drop.
        made: list[bool] = []

        def create(editor: BaseDatabaseSchemaEditor) -> None:
            editor.create_model(model)  # CREATE TABLE runs now; its indexes at the block's end
            made.append(True)

        def drop(editor: BaseDatabaseSchemaEditor) -> None:
            if made and table in connection.introspection.table_names():
                editor.delete_model(model)

        try:
            self.run(create, drop)
        except DatabaseError:
            if not made and table in connection.introspection.table_names():
                raise exists from None
            raise

    def add_column(self, before: DocTypeMeta, after: DocTypeMeta, fieldname: str) -> None:
        to_model = schema_model(after)
        field = _field(to_model, fieldname)
        from_model = schema_model(before)

        def remove(editor: BaseDatabaseSchemaEditor) -> None:
            if fieldname in _columns(to_model._meta.db_table):
                editor.remove_field(to_model, field)

        self.run(lambda editor: editor.add_field(from_model, field), remove)

    def alter_column(self, before: DocTypeMeta, after: DocTypeMeta, old: str, new: str) -> None:
        from_model, to_model = schema_model(before), schema_model(after)
        old_field, new_field = _field(from_model, old), _field(to_model, new)

        def back(editor: BaseDatabaseSchemaEditor) -> None:
            if old == new or new in _columns(to_model._meta.db_table):
                editor.alter_field(to_model, new_field, old_field)

        self.run(lambda editor: editor.alter_field(from_model, old_field, new_field), back)

    def undo(self) -> None:
        for step in reversed(self.undo_steps):
            try:
                with connection.schema_editor() as editor:
                    step(editor)
            except DatabaseError:
                log.exception("could not undo a schema step")
        self.undo_steps.clear()


def _field(model: type[models.Model], name: str) -> models.Field:
    return cast(models.Field, model._meta.get_field(name))


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


def _with_fields(meta: DocTypeMeta, fields: list[DocField]) -> DocTypeMeta:
    import dataclasses

    return dataclasses.replace(meta, fields=list(fields))


def _column_signature(field: DocField) -> tuple:
    column = django_field(field, db_defaults=True)
    if column is None:
        return ()
    _name, path, args, kwargs = column.deconstruct()
    kwargs.pop("db_column", None)
    return (path, tuple(args), tuple(sorted((k, repr(v)) for k, v in kwargs.items())))


# ---------------------------------------------------------------- actions


def do_create_doctype(user: str, data: dict):
    """Create a DocType (and the new child DocTypes it brings) with its tables; return it."""
    _require_system_manager(user)
    _require_no_transaction()
    if not isinstance(data, dict):
        raise DataError(_("doc must be a JSON object"))
    names = set(registry.doctype_names())
    wanted: list[tuple[dict, bool | None]] = []
    children_input = data.get("child_doctypes") or []
    if not isinstance(children_input, list):
        raise DataError(_("{label} must be a list of rows", label="child_doctypes"))
    for child in children_input:
        if not isinstance(child, dict):
            raise DataError(_("doc must be a JSON object"))
        wanted.append((child, True))
    wanted.append((data, None))
    errors: list[FieldError] = []
    records: list[dict] = []
    taken = set(names) | BUILTIN_LINK_TARGETS  # "User" is a table of its own too
    for item, istable in wanted:
        name = item.get("name")
        errors += _name_errors(name, taken=taken)
        if isinstance(name, str):
            taken.add(name)
            records.append(_normalise(item, name=name, istable=istable))
    _raise(errors)
    option_labels = [r.pop(OPTION_LABELS, {}) for r in records]
    metas = [_definition(record) for record in records]
    all_names = names | {m.name for m in metas}
    children = {n for n, m in registry.base_definitions().items() if m.istable} | {
        m.name for m in metas if m.istable
    }
    for record, meta in zip(records, metas, strict=True):
        errors += _meta_errors(meta, all_names, children)
        errors += _record_errors(user, record, name=None)
    _raise(errors)

    from lowcode.documents import actions

    schema = _Schema()
    try:
        # The parent first, then its children: a clash on any table undoes those made before.
        for meta in reversed(metas):
            schema.create_table(meta)
        with transaction.atomic():
            for record in records[:-1]:
                actions.insert_record(user, DOCTYPE, record)
            doc = actions.insert_record(user, DOCTYPE, records[-1])
            registry.bump_generation()
            for record, labels in zip(records, option_labels, strict=True):
                _write_option_labels(user, record["name"], labels)
    except BaseException:
        schema.undo()
        registry.clear_local_cache()
        raise
    return doc


def _changed_type_errors(name: str, old: DocField, new: DocField, row: int) -> list[FieldError]:
    """Refuse a type change whose stored values the new type cannot hold."""
    from lowcode.storage.validation import CoercionError, coerce

    if old.holds_value != new.holds_value or old.is_table != new.is_table:
        return [
            FieldError(
                "fieldtype",
                "fieldtype",
                _(
                    "Row {row}: {label} cannot change from {old} to {new}; remove it and add "
                    "a new field",
                    row=row,
                    label=_(new.label) if new.label else new.fieldname,
                    old=_(old.fieldtype),
                    new=_(new.fieldtype),
                ),
                row=row,
                table="fields",
            )
        ]
    if not new.holds_value or _column_signature(old) == _column_signature(new):
        return []
    table = f"tab{name}"
    with connection.cursor() as cursor:
        column = connection.ops.quote_name(old.fieldname)
        cursor.execute(
            f"SELECT DISTINCT {column} FROM {connection.ops.quote_name(table)} "  # noqa: S608 - names from validated metadata
            f"WHERE {column} IS NOT NULL"
        )
        values = [r[0] for r in cursor.fetchall()]
    for value in values:
        raw = value if not isinstance(value, (bytes, memoryview)) else str(value)
        problem = None
        try:
            converted = coerce(new, str(raw) if not isinstance(raw, (int, float, str)) else raw)
            if new.max_length and isinstance(converted, str) and len(converted) > new.max_length:
                problem = "length"
        except CoercionError:
            problem = "type"
        if problem:
            return [
                FieldError(
                    "fieldtype" if problem == "type" else "length",
                    "convert",
                    _(
                        "Row {row}: {label} cannot change from {old} to {new}: the stored value "
                        "{value} cannot be converted",
                        row=row,
                        label=_(new.label) if new.label else new.fieldname,
                        old=_(old.fieldtype),
                        new=_(new.fieldtype),
                        value=str(value)[:40],
                    ),
                    row=row,
                    table="fields",
                )
            ]
    return []


def do_update_doctype(user: str, name: str, data: dict):
    """Change a runtime DocType: add, rename (by row ``name``, keeping data), alter, remove
    fields; the record and the table change together or not at all."""
    _require_system_manager(user)
    _require_no_transaction()
    if not isinstance(data, dict):
        raise DataError(_("doc must be a JSON object"))
    doctype_row, field_rows, perm_rows = _runtime_rows(name)
    if "fields" not in data:
        data = {**data, "fields": [_row_input(r) for r in field_rows]}
    if "permissions" not in data:
        data = {**data, "permissions": [_perm_input(r) for r in perm_rows]}
    if "istable" in data and _flag(data["istable"]) != int(bool(doctype_row["istable"])):
        raise ValidationError(
            _("Is Child Table cannot be changed after the DocType is created"),
            [
                FieldError(
                    "istable",
                    "set_only_once",
                    _("Is Child Table cannot be changed after the DocType is created"),
                )
            ],
        )
    children_input = data.get("child_doctypes") or []
    names = set(registry.doctype_names())
    errors: list[FieldError] = []
    new_children: list[dict] = []
    taken = set(names) | BUILTIN_LINK_TARGETS  # "User" is a table of its own too
    for child in children_input if isinstance(children_input, list) else []:
        child_name = child.get("name") if isinstance(child, dict) else None
        errors += _name_errors(child_name, taken=taken)
        if isinstance(child_name, str):
            taken.add(child_name)
            new_children.append(_normalise(child, name=child_name, istable=True))
    record = _normalise(data, name=name, istable=bool(doctype_row["istable"]))
    _raise(errors)
    option_labels = {name: record.pop(OPTION_LABELS, {})}
    option_labels.update({c["name"]: c.pop(OPTION_LABELS, {}) for c in new_children})
    old_meta = _definition_of_rows(doctype_row, field_rows, perm_rows)
    new_meta = _definition(record)
    child_metas = [_definition(c) for c in new_children]
    all_names = names | {m.name for m in child_metas}
    children = {n for n, m in registry.base_definitions().items() if m.istable} | {
        m.name for m in child_metas
    }
    errors += _meta_errors(new_meta, all_names, children)
    errors += _record_errors(user, record, name=name)
    for child_record, child_meta in zip(new_children, child_metas, strict=True):
        errors += _meta_errors(child_meta, all_names, children)
        errors += _record_errors(user, child_record, name=None)
    _raise(errors)

    # Row identity: the DocField row name. Rows without one are new fields.
    old_by_row = {
        row["name"]: field for row, field in zip(field_rows, old_meta.fields, strict=True)
    }
    input_rows = [r for r in record["fields"] if isinstance(r, dict)]
    new_by_row: dict[str, DocField] = {}
    added: list[DocField] = []
    for row, field in zip(input_rows, new_meta.fields, strict=True):
        if row.get("name") in old_by_row:
            new_by_row[str(row["name"])] = field
        else:
            added.append(field)
    removed = [f for key, f in old_by_row.items() if key not in new_by_row]
    changed = [
        (old_by_row[key], new)
        for key, new in new_by_row.items()
        if old_by_row[key].holds_value or new.holds_value
    ]
    for old, new in changed:
        at = next(j for j, f in enumerate(new_meta.fields, start=1) if f is new)
        errors += _changed_type_errors(name, old, new, at)
        errors += _duplicate_errors(name, old, new, at)
    errors += _column_name_errors(new_meta, added, changed, removed)
    _raise(errors)

    from lowcode.documents import actions

    schema = _Schema()
    current = list(old_meta.fields)
    try:
        for child_meta in child_metas:
            schema.create_table(child_meta)
        for field in added:
            if field.holds_value:
                before = _with_fields(old_meta, current)
                current.append(field)
                schema.add_column(before, _with_fields(old_meta, current), field.fieldname)
        for old, new in changed:
            if not new.holds_value or (
                old.fieldname == new.fieldname and _column_signature(old) == _column_signature(new)
            ):
                continue
            before = _with_fields(old_meta, current)
            current = [new if f is old else f for f in current]
            schema.alter_column(
                before, _with_fields(old_meta, current), old.fieldname, new.fieldname
            )
        with transaction.atomic():
            for child_record in new_children:
                actions.insert_record(user, DOCTYPE, child_record)
            payload = {k: v for k, v in record.items() if k != "name"}
            doc = actions.save_record(user, DOCTYPE, name, payload)
            registry.bump_generation()
            _rename_option_labels(user, name, changed)
            for doctype, labels in option_labels.items():
                _write_option_labels(user, doctype, labels)
    except BaseException:
        schema.undo()
        registry.clear_local_cache()
        raise
    # Dropped only now: the record no longer names these columns, and a failed save above
    # kept their data. A column left by a failure here is nullable or has a default.
    for field in removed:
        if not field.holds_value:
            continue
        before = _with_fields(old_meta, current)
        current = [f for f in current if f is not field]
        try:
            model = schema_model(before)
            with connection.schema_editor() as editor:
                editor.remove_field(model, _field(model, field.fieldname))
        except DatabaseError:
            log.exception("could not drop column %s of %s", field.fieldname, name)
    return doc


def _column_name_errors(
    meta: DocTypeMeta,
    added: list[DocField],
    changed: list[tuple[DocField, DocField]],
    removed: list[DocField],
) -> list[FieldError]:
    """A new or renamed column may not take a name another column still has while the DDL
    runs: a removed field's column is dropped only after the save, and columns are renamed
    one at a time (swapping two names needs two saves)."""
    removed_columns = {f.fieldname for f in removed if f.holds_value}
    kept = {o.fieldname: n for o, n in changed if o.holds_value}
    errors = []
    for i, field in enumerate(meta.fields, start=1):
        renamed = any(n is field and o.fieldname != n.fieldname for o, n in changed)
        if not field.holds_value or not (renamed or field in added):
            continue
        if field.fieldname in removed_columns:
            message = _(
                "Row {row}: field name {fieldname} belongs to a field being removed; "
                "save the removal first",
                row=i,
                fieldname=field.fieldname,
            )
        elif field.fieldname in kept and kept[field.fieldname] is not field:
            message = _(
                "Row {row}: field name {fieldname} is still used by another field; "
                "rename that one first and save",
                row=i,
                fieldname=field.fieldname,
            )
        else:
            continue
        errors.append(FieldError("fieldname", "unique", message, row=i, table="fields"))
    return errors


def _definition_of_rows(doctype_row: dict, field_rows: list[dict], perm_rows: list[dict]):
    return doctype_from_dict(
        {**definition_dict(doctype_row, field_rows, perm_rows), "custom": 1}, RUNTIME_APP
    )


def _row_input(row: dict) -> dict:
    skip = {
        "owner",
        "creation",
        "modified",
        "modified_by",
        "docstatus",
        "parent",
        "parenttype",
        "parentfield",
        "_custom",
    }
    return {k: v for k, v in row.items() if k not in skip}


def _perm_input(row: dict) -> dict:
    return _row_input(row)


def linking_fields(name: str, ignore: list[str] | None = None) -> list[str]:
    """Where another DocType links to ``name`` (Link, Table), as 'DocType.field' labels;
    ``ignore``: DocTypes deleted together with it."""
    found = []
    skip = {name, *(ignore or [])}
    for other in registry.doctype_names():
        if other in skip:
            continue
        for field in registry.get_meta(other).fields:
            if field.fieldtype in LINK_TYPES and field.options == name:
                found.append(f"{_(other)}.{_(field.label) if field.label else field.fieldname}")
    return found


# Records of other DocTypes that name a DocType (by a field holding its name), and what its
# delete does with them. "config": settings that exist only for it (its workflow, rules,
# notifications, webhooks, charts, cards, Report Builder reports, saved list views), deleted
# with it, in its transaction, once the admin confirmed the delete (the desk's dialog wants
# the name typed and lists them, ``delete_plan``). "log": its history, deleted with its
# records. "refuse": what a person wrote (server scripts, code reports, print formats) is
# never deleted silently: the delete is refused, naming them.
DEPENDENTS: tuple[tuple[str, str, str], ...] = (
    ("Workflow", "document_type", "config"),
    ("Assignment Rule", "document_type", "config"),
    ("Scoring Rule", "document_type", "config"),
    ("SLA Rule", "document_type", "config"),
    ("Duplicate Rule", "document_type", "config"),
    ("Notification", "document_type", "config"),
    ("Webhook", "webhook_doctype", "config"),
    ("Dashboard Chart", "document_type", "config"),
    ("Number Card", "document_type", "config"),
    ("Report", "ref_doctype", "config"),  # a Script or Query Report is code: refused
    ("Saved View", "reference_doctype", "config"),
    ("Server Script", "reference_doctype", "refuse"),
    ("Print Format", "doc_type", "refuse"),
    ("Workflow Action", "reference_doctype", "log"),
    ("Workflow Log", "reference_doctype", "log"),
    ("Score Log", "reference_doctype", "log"),
    ("SLA Breach", "reference_doctype", "log"),
    ("Duplicate Key", "reference_doctype", "log"),
    ("Notification Log", "document_type", "log"),
    ("Webhook Request Log", "reference_doctype", "log"),
    ("Comment", "reference_doctype", "log"),
    ("Communication", "reference_doctype", "log"),
    ("Data Import", "reference_doctype", "log"),
    ("Data Import Key", "reference_doctype", "log"),
)
CODE_REPORT_TYPES = ("Script Report", "Query Report")


def _dependents(names: list[str]) -> dict[str, list[tuple[str, str]]]:
    """{kind: [(DocType, record name)]} of the records that name any of ``names``."""
    from lowcode.storage.factory import get_model

    found: dict[str, list[tuple[str, str]]] = {"config": [], "log": [], "refuse": []}
    for doctype, field, kind in DEPENDENTS:
        if not registry.exists(doctype) or not registry.get_meta(doctype).has_field(field):
            continue
        rows = get_model(doctype).objects.filter(**{f"{field}__in": names})
        if doctype == "Report":
            for record, report_type in rows.values_list("name", "report_type"):
                code = report_type in CODE_REPORT_TYPES
                found["refuse" if code else "config"].append((doctype, record))
            continue
        found[kind] += [(doctype, str(n)) for n in rows.values_list("name", flat=True)]
    return found


def _own_children(name: str, meta: DocTypeMeta) -> list[str]:
    """The runtime child DocTypes ``name``'s Table fields use that no other DocType uses."""
    rows = load_rows()
    children = []
    for field in meta.table_fields:
        child = field.options or ""
        if child not in rows or child in children:
            continue
        used_elsewhere = any(
            f.is_table and f.options == child
            for other in registry.doctype_names()
            if other != name
            for f in registry.get_meta(other).fields
        )
        if not used_elsewhere:
            children.append(child)
    return children


def delete_plan(name: str) -> dict:
    """What deleting ``name`` would do, for the confirm dialog: ``children`` (runtime child
    DocTypes deleted with it), ``config`` (records deleted with it), ``refused`` (records
    that stop it), ``links`` (fields of other DocTypes that stop it), ``logs`` (a count)."""
    doctype_row, field_rows, perm_rows = _runtime_rows(name)
    meta = _definition_of_rows(doctype_row, field_rows, perm_rows)
    children = _own_children(name, meta)
    found = _dependents([name, *children])
    return {
        "children": children,
        "config": found["config"],
        "refused": found["refuse"],
        "links": linking_fields(name, ignore=[name, *children]),
        "logs": len(found["log"]),
    }


def _refuse_delete(message: str) -> None:
    raise ValidationError(message, [FieldError("name", "links", message)])


def do_delete_doctype(user: str, name: str) -> list[str]:
    """Delete a runtime DocType with its data, its runtime child DocTypes no other DocType
    uses, its customisations, permissions, configuration and history; return the DocTypes
    deleted (``name`` first).

    Refused while another DocType links to it (a Link or a Table field) or a server script,
    code report or print format names it (``DEPENDENTS``). Every record goes in one
    transaction; the tables are dropped once they are gone.
    """
    _require_system_manager(user)
    _require_no_transaction()
    plan = delete_plan(name)
    if plan["links"]:
        links = ", ".join(plan["links"][:10])
        _refuse_delete(
            _(
                "{doctype} cannot be deleted: {links} link to it; remove those fields first",
                doctype=name,
                links=links,
            ),
        )
    if plan["refused"]:
        items = ", ".join(f"{_(dt)} {record}" for dt, record in plan["refused"][:10])
        _refuse_delete(
            _(
                "{doctype} cannot be deleted: {items} use it; delete them or change their DocType first",
                doctype=name,
                items=items,
            ),
        )
    deleting = [name, *plan["children"]]
    metas = [_definition_of_rows(*_runtime_rows(n)) for n in deleting]
    from lowcode.documents import actions
    from lowcode.models import Assignment, Version
    from lowcode.storage.factory import get_model

    try:
        with transaction.atomic():
            for doctype, record in plan["config"]:
                # ignore_permissions: a System Manager confirmed this delete as a whole
                actions.delete_record(user, doctype, record, ignore_permissions=True)
            for doctype, field, kind in DEPENDENTS:
                if (
                    kind == "log"
                    and registry.exists(doctype)
                    and registry.get_meta(doctype).has_field(field)
                ):
                    get_model(doctype).objects.filter(**{f"{field}__in": deleting}).delete()
            for meta in metas:
                for field in meta.table_fields:
                    if registry.exists(field.options or ""):
                        get_model(field.options or "").objects.filter(parenttype=meta.name).delete()
            for doctype in deleting:
                actions.delete_record(user, DOCTYPE, doctype)
            for model_name, column in (
                ("CustomField", "dt"),
                ("PropertySetter", "doc_type"),
                ("CustomDocPerm", "parent_doctype"),
            ):
                apps.get_model("lowcode", model_name).objects.filter(
                    **{f"{column}__in": deleting}
                ).delete()
            Version.objects.filter(ref_doctype__in=deleting).delete()
            Assignment.objects.filter(ref_doctype__in=deleting).delete()
            registry.bump_generation()
    except BaseException:
        registry.clear_local_cache()
        raise
    # The parent's table first: a child's rows are gone with its parent's.
    for meta in metas:
        try:
            model = schema_model(meta)
            if model._meta.db_table in connection.introspection.table_names():
                with connection.schema_editor() as editor:
                    editor.delete_model(model)
        except DatabaseError:
            log.exception("could not drop the table of %s", meta.name)
        forget_runtime_model(meta.name)
    return deleting


def do_delete_doctypes(user: str, names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Delete several runtime DocTypes, each by ``do_delete_doctype`` (its own transaction and
    DDL); return (deleted, {name: why it was refused}).

    One refused does not stop the others. Parents go before their child tables, and a
    DocType refused because another one being deleted links to it is tried again once that
    one is gone, so ticking a parent and its children deletes them all.
    """
    _require_system_manager(user)
    _require_no_transaction()
    pending = sorted(dict.fromkeys(names), key=lambda n: (_is_table(n), n))
    deleted: list[str] = []
    refused: dict[str, str] = {}
    while pending:
        progress = False
        for name in list(pending):
            if name in deleted:  # a child table deleted with its parent
                pending.remove(name)
                continue
            try:
                gone = do_delete_doctype(user, name)
            except (DataError, DoesNotExistError, PermissionError, ValidationError) as exc:
                refused[name] = exc.message or str(exc)
                continue
            pending.remove(name)
            for done in gone:
                refused.pop(done, None)
                deleted.append(done)
            progress = True
        if not progress:
            break
        pending = [n for n in pending if n in refused]
    return deleted, {n: refused[n] for n in pending}


def _is_table(name: str) -> bool:
    meta = registry.base_definitions().get(name)
    return bool(meta and meta.istable)


def do_export_doctype(user: str, name: str, app: str) -> list[str]:
    """Write a runtime DocType (and its runtime child DocTypes) as app JSON under ``app``.

    ``apps/<app>/doctype/<snake>/<snake>.json``, the format app DocTypes are shipped in;
    returns the paths written. See docs/runtime-doctypes.md for adopting it in the app.
    """
    _require_system_manager(user)
    if app not in settings.LOWCODE_APPS:
        raise DataError(
            _(
                "{app} is not an installed app: {apps}",
                app=app,
                apps=", ".join(settings.LOWCODE_APPS),
            )
        )
    rows = load_rows()
    if name not in rows:
        _runtime_rows(name)  # raises the right error
    wanted = [name]
    for field in _definition_of_rows(*rows[name]).table_fields:
        if field.options in rows and field.options not in wanted:
            wanted.append(field.options or "")
    written = []
    for doctype in wanted:
        raw = definition_dict(*rows[doctype])
        path = export_path(app, doctype)
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(json.dumps(raw, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(str(path))
    return written


def do_forget_doctype(user: str, name: str) -> None:
    """Remove a runtime DocType's record only, keeping its table and data: the last step of
    adopting it into an app whose JSON now defines it (docs/runtime-doctypes.md)."""
    from lowcode.documents import actions
    from lowcode.meta.loader import base_definitions as json_definitions

    _require_system_manager(user)
    _require_no_transaction()
    _runtime_rows(name)
    if name not in json_definitions():
        raise DataError(
            _("{doctype} is not defined by an app yet; export and ship it first", doctype=name)
        )
    try:
        with transaction.atomic():
            actions.delete_record(user, DOCTYPE, name)
            registry.bump_generation()
    finally:
        registry.clear_local_cache()
    forget_runtime_model(name)


def rebuild_runtime_tables(previous: set[str], rows: str) -> None:
    """After a restore: drop the tables of the runtime DocTypes ``previous`` and of the restored
    ones, make the restored ones' tables again and load ``rows`` (serialised exact JSON)."""
    from django.core import serializers

    from lowcode.storage.factory import get_model

    existing = set(connection.introspection.table_names())
    restored = registry.base_definitions()
    with connection.schema_editor() as editor:
        for name in sorted(previous | set(load_rows())):
            if f"tab{name}" in existing:
                editor.execute(f"DROP TABLE {connection.ops.quote_name(f'tab{name}')}")
            forget_runtime_model(name)
        for name in sorted(load_rows()):
            editor.create_model(schema_model(restored[name]))
    for name in load_rows():
        get_model(name)  # registered, so the rows below find their model
    if rows:
        with transaction.atomic():
            for item in serializers.deserialize("exactjson", rows):
                item.save()


def export_path(app: str, doctype: str) -> Path:
    """Where Export to app writes ``doctype`` for ``app``."""
    from lowcode.meta.loader import app_dir

    return app_dir(app) / "doctype" / snake_name(doctype) / f"{snake_name(doctype)}.json"


def is_schema_doctype(doctype: str) -> bool:
    """Whether writes to ``doctype`` are schema changes (dispatched here by the actions)."""
    return doctype == DOCTYPE
