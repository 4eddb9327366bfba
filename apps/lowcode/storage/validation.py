"""Turn client input into typed values and validate a document against its metadata.

Every failure becomes a ``FieldError`` naming the field (by its translated
label) and the rule; all failures of one save are reported together.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone

from lowcode import expressions
from lowcode.exceptions import FieldError
from lowcode.i18n import _, field_label, option_label
from lowcode.meta import fieldtypes
from lowcode.meta.doctype import DocField, DocTypeMeta


class CoercionError(ValueError):
    """A value of the wrong type for its field."""


ATTACH_FIELD_TYPES = frozenset({"Attach", "Attach Image"})
ATTACH_URLS = ("/files/", "/private/files/", "https://", "http://")


def _storable(data: Any, rule: str) -> Any:
    """Return decoded JSON unless it holds a lone surrogate (``"\\ud800"``).

    Such text decodes fine but cannot be encoded as UTF-8: stored, it would make every
    later read of the document fail.
    """
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise CoercionError(rule) from None
    return data


def label_of(field: DocField) -> str:
    """The field's label as its DocType words it (translation with context)."""
    return field_label(field) if field.label else field.fieldname


def _parse_datetime(value: str) -> dt.datetime:
    text = value.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            parsed = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - made aware below
            return timezone.make_aware(parsed)
        except ValueError:
            continue
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise CoercionError("datetime") from exc
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def coerce(field: DocField, value: Any, user: str = "") -> Any:
    """Return ``value`` converted to the field's Python type, or raise CoercionError."""
    ftype = field.fieldtype
    if value is None or (isinstance(value, str) and value == "" and ftype != "Check"):
        return None
    if isinstance(value, (dict, list)) and ftype not in ("JSON", "Geolocation"):
        raise CoercionError("type")
    if ftype == "Check":
        if value in (0, 1, True, False, "0", "1", "", "true", "false"):
            return value in (1, True, "1", "true")
        raise CoercionError("check")
    if ftype in ("Int", "Duration"):
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError as exc:
                raise CoercionError("integer") from exc
        raise CoercionError("integer")
    if ftype in fieldtypes.DECIMAL_TYPES or ftype in fieldtypes.FLOAT_TYPES:
        if isinstance(value, bool):
            raise CoercionError("number")
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation as exc:
            raise CoercionError("number") from exc
        if not number.is_finite() or abs(number) >= Decimal(10) ** 12:
            raise CoercionError("number")
        return float(number) if ftype in fieldtypes.FLOAT_TYPES else number
    if ftype == "Date":
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError as exc:
            raise CoercionError("date") from exc
    if ftype == "Datetime":
        if isinstance(value, dt.datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        return _parse_datetime(str(value))
    if ftype == "Time":
        try:
            return dt.time.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise CoercionError("time") from exc
    if ftype == "JSON":
        if isinstance(value, str):
            try:
                return _storable(json.loads(value), "json")
            except ValueError as exc:
                raise CoercionError("json") from exc
        return value
    if ftype == "Geolocation":
        data = value
        if isinstance(value, str):
            try:
                data = json.loads(value)
            except ValueError as exc:
                raise CoercionError("geojson") from exc
        if not isinstance(data, dict) or "type" not in data:
            raise CoercionError("geojson")
        return json.dumps(_storable(data, "geojson"), ensure_ascii=False)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise CoercionError("type")
    if isinstance(value, float) and not math.isfinite(value):
        raise CoercionError("type")
    return str(value)


TYPE_RULE_MESSAGES = {
    "type": "{label} must be text",
    "check": "{label} must be 0 or 1",
    "integer": "{label} must be a whole number",
    "number": "{label} must be a number",
    "date": "{label} must be a date (YYYY-MM-DD)",
    "datetime": "{label} must be a date and time (YYYY-MM-DD HH:MM:SS)",
    "time": "{label} must be a time (HH:MM:SS)",
    "json": "{label} must be valid JSON",
    "geojson": "{label} must be a GeoJSON object",
}


def type_error(field: DocField, rule: str) -> FieldError:
    return FieldError(field.fieldname, rule, _(TYPE_RULE_MESSAGES[rule], label=label_of(field)))


def resolve_default(field: DocField, user: str) -> Any:
    default = field.default
    if default in (None, ""):
        return None
    if isinstance(default, str):
        lowered = default.strip().lower()
        if lowered == "today" and field.fieldtype == "Date":
            return timezone.localdate()
        if lowered == "now" and field.fieldtype in ("Datetime", "Time"):
            now = timezone.now()
            return now if field.fieldtype == "Datetime" else timezone.localtime(now).time()
        if lowered == "__user":
            return user
    try:
        return coerce(field, default, user)
    except CoercionError:
        return None


# Entries of a per-process cache keyed by field values (phone numbers, company names). An
# import row parses its values several times within its batch (validation, hooks, duplicate
# keys), so a few batches' worth is all that pays; 65,536 entries per cache grew every web
# worker by ~1 KB per distinct value seen, ~67 MB once full (bench/bench_memory.py).
VALUE_CACHE_SIZE = 2048


@functools.lru_cache(maxsize=VALUE_CACHE_SIZE)
def parse_phone(value: str) -> phonenumbers.PhoneNumber | None:
    """The valid phone number ``value`` holds (mainland China by default), else None.

    Cached: an import parses each row's number in validation, in its DocType's hooks and
    for its duplicate keys. The result is shared: callers must not modify it.
    """
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def is_phone(value: str) -> bool:
    return parse_phone(value) is not None


def check_value(field: DocField, value: Any, doc_values: dict, user: dict) -> list[FieldError]:
    """Check one already-typed value against the field's rules.

    The common case (every rule passes) translates nothing: the label and the messages are
    built only for a rule that fails.
    """
    ftype = field.fieldtype
    if value is None or value == "" or (field.is_table and not value):
        required = field.reqd or (
            field.mandatory_depends_on and _condition(field.mandatory_depends_on, doc_values, user)
        )
        if required and ftype != "Check":
            return [
                FieldError(field.fieldname, "reqd", _("{label} is required", label=label_of(field)))
            ]
        return []
    errors: list[FieldError] = []
    if ftype == "Select" and field.options and str(value) not in field.select_options:
        # Show the stored value beside its translation: API clients must send the value.
        labels = {o: option_label(field, o) for o in field.select_options if o}
        options = " / ".join(o if text == o else f"{text} ({o})" for o, text in labels.items())
        errors.append(
            FieldError(
                field.fieldname,
                "options",
                _("{label} must be one of: {options}", label=label_of(field), options=options),
            )
        )
    if isinstance(value, str) and (limit := field.max_length) and len(value) > limit:
        errors.append(
            FieldError(
                field.fieldname,
                "length",
                _(
                    "{label} is too long: {length} characters, at most {max}",
                    label=label_of(field),
                    length=len(value),
                    max=limit,
                ),
            )
        )
    if ftype == "Data" and field.options == "Email":
        try:
            validate_email(value)
        except DjangoValidationError:
            errors.append(
                FieldError(
                    field.fieldname,
                    "email",
                    _("{label} is not a valid email address", label=label_of(field)),
                )
            )
    if (ftype == "Phone" or (ftype == "Data" and field.options == "Phone")) and not is_phone(value):
        errors.append(
            FieldError(
                field.fieldname,
                "phone",
                _("{label} is not a valid phone number", label=label_of(field)),
            )
        )
    if ftype in ATTACH_FIELD_TYPES and isinstance(value, str) and not value.startswith(ATTACH_URLS):
        # The desk renders the value as a link or an image source: a ``javascript:`` or
        # ``data:`` address there would run in the app's origin.
        errors.append(
            FieldError(
                field.fieldname,
                "url",
                _(
                    "{label} must be an uploaded file (/files/…, /private/files/…) "
                    "or an http(s) address",
                    label=label_of(field),
                ),
            )
        )
    if field.non_negative and isinstance(value, (int, float, Decimal)) and value < 0:
        errors.append(
            FieldError(
                field.fieldname,
                "non_negative",
                _("{label} cannot be negative", label=label_of(field)),
            )
        )
    return errors


def _condition(source: str, doc_values: dict, user: dict) -> bool:
    try:
        return expressions.evaluate(source, doc_values, user)
    except expressions.ExpressionError:
        return False


def values_of(doc, meta: DocTypeMeta) -> dict:
    """Every data field's value (as ``doc.get`` returns it), plus name, owner and docstatus."""
    from lowcode.storage.document import Document

    if type(doc).get is Document.get and getattr(doc, "doctype", None) == meta.name:
        # Document.get of a data field: the attribute, or the custom-field JSON's entry.
        custom = doc._custom or {} if any(f.is_custom for f in meta._data_fields) else {}
        values = {
            f.fieldname: custom.get(f.fieldname) if f.is_custom else getattr(doc, f.fieldname, None)
            for f in meta._data_fields
        }
    else:
        values = {f.fieldname: doc.get(f.fieldname) for f in meta.data_fields}
    return values | {"name": doc.name, "owner": doc.owner, "docstatus": doc.docstatus}


def first_other(doctype: str, name: str | None, *conditions: Any, **filters: Any) -> str | None:
    """The name of another document matching the filters: for "one X per Y" checks."""
    from lowcode.storage.factory import get_model

    return (
        get_model(doctype)
        .objects.filter(*conditions, **filters)
        .exclude(name=name or "")
        .values_list("name", flat=True)
        .first()
    )
