"""Write fields the system maintains (Frappe's ``db_set``), outside the document lifecycle.

Totals that other documents keep up to date — a contract's collected amount when a payment
is received, an installment's paid amount — are ``read_only`` fields: nobody edits them, and
they change while the document is submitted or held by an open approval. Saving them through
``do_save_doc`` would run the workflow guard (``lowcode.workflow.actions.guard_state_field``),
which rightly refuses edits by someone who is not the state's editor; a receipt recorded by
finance is not an edit of the contract. So such a field is written here, straight to its row:

- only ``read_only`` value fields may be written this way (anything a person edits goes
  through ``do_save_doc``, its validation and its guards); anything else is a programming
  error and raises ``DataError`` naming the fields;
- values are coerced to the field's type as an input would be;
- no lifecycle event, no version: the caller records why the number changed (the receipt is
  the audit trail), as Frappe's ``db_set(update_modified=False)``;
- ``modified`` is left alone by default, so a person who has the form open does not get a
  conflict (409) for a number they could not edit anyway.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from lowcode.exceptions import DataError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.doctype import CHILD_STANDARD_FIELDS, STANDARD_FIELDS
from lowcode.storage.factory import get_model
from lowcode.storage.validation import CoercionError, coerce

STANDARD_COLUMNS = frozenset(STANDARD_FIELDS) | frozenset(CHILD_STANDARD_FIELDS)


def system_field_values(doctype: str, values: dict[str, Any]) -> dict[str, Any]:
    """Check that every key is a read-only column of ``doctype``; return the coerced values."""
    meta = registry.get_meta(doctype)
    refused, coerced = [], {}
    for key, value in values.items():
        field = meta.get_field(key)
        if field is None or not field.holds_value or not field.read_only or field.is_custom:
            refused.append(key)
            continue
        try:
            coerced[key] = coerce(field, value)
        except CoercionError:
            refused.append(key)
    if refused:
        raise DataError(
            _(
                "Only read-only system fields of {doctype} may be set directly: {fields}",
                doctype=_(doctype),
                fields=", ".join(sorted(refused)),
            )
        )
    return coerced


def _conditions(doctype: str, where: dict[str, Any]) -> dict[str, Any]:
    """``where`` as query filters: each key a column of ``doctype``, ``None`` meaning empty."""
    meta = registry.get_meta(doctype)
    fields = {key: meta.get_field(key) for key in where if key not in STANDARD_COLUMNS}
    unknown = [key for key, field in fields.items() if field is None or not field.holds_value]
    if unknown:
        raise DataError(
            _(
                "{doctype} has no field {field}",
                doctype=_(doctype),
                field=", ".join(sorted(unknown)),
            )
        )
    return {
        (f"{key}__isnull" if value is None else key): (True if value is None else value)
        for key, value in where.items()
    }


@transaction.atomic
def do_set_system_fields(
    doctype: str,
    name: str,
    values: dict[str, Any],
    *,
    where: dict[str, Any] | None = None,
    update_modified: bool = False,
) -> int:
    """Set read-only system fields of one document (or child row); return the rows written.

    ``where``: values the row must still hold (``None``: empty) for the write to happen, so
    that of two runs that both saw a flag unset only one sets it; 0 rows written tells the
    other that it lost (the UPDATE locks the row until the commit).
    """
    coerced = system_field_values(doctype, values)
    if not coerced:
        return 0
    rows = get_model(doctype).objects.filter(name=name)
    if where:
        rows = rows.filter(**_conditions(doctype, where))
    if update_modified:
        coerced["modified"] = timezone.now()
    # A single UPDATE of named read-only columns: the one sanctioned write that bypasses the
    # lifecycle (see the module docstring); every other write goes through do_save_doc.
    return rows.update(**coerced)
