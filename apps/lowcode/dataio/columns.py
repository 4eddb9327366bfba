"""Which fields a file may fill, how its columns are named and matched, how cells become values.

Read-only work: the importer and the template/export writers call these. A column header
is ``label (fieldname)`` in the user's language (``联系人姓名 (lead_name)``); a file's
headers are matched to fields by that form, by fieldname, or by the label in Chinese or
English, unless the Data Import's mapping names the field. Cells are normalised to what
the document actions accept (``2026/1/5`` → a date, ``1,234.50`` → ``1234.50``,
``是`` → True, a translated Select label → its value); a cell that cannot be read is
passed on unchanged, so the real validation reports it naming the field and the rule.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from lowcode.i18n import (
    _,
    _catalog,
    field_contexts,
    field_label,
    option_label,
    translate_in_lang,
)
from lowcode.meta import fieldtypes
from lowcode.meta.doctype import DocField, DocTypeMeta
from lowcode.permissions.core import permitted_levels

NAME_COLUMN = "name"
# Attachments and signatures name stored files; a spreadsheet cannot carry them.
NOT_IMPORTABLE_TYPES = frozenset({"Attach", "Attach Image", "Signature", "Read Only"})
# Excel counts days from 1899-12-30 (its 1900 leap-year bug included).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001 - a calendar origin, not a moment
EXCEL_SERIAL_RANGE = (20_000, 80_000)  # 1954 … 2119: a bare number in a date column
TRUE_WORDS = frozenset({"1", "yes", "y", "true", "t", "是", "对", "√", "✓", "✔", "x"})
FALSE_WORDS = frozenset({"0", "no", "n", "false", "f", "否", "不", "不是", "×", "✗"})
DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d-%m-%Y")
TIME_FORMATS = ("%H:%M:%S.%f", "%H:%M:%S", "%H:%M")
FORMULA_STARTS = ("=", "+", "-", "@")
_HEADER_WITH_FIELDNAME = re.compile(r"^(?P<label>.*?)\s*\((?P<fieldname>[a-z_][a-z0-9_]*)\)$")
_NUMBER_NOISE = re.compile(r"[,\s¥$€£]|^RMB|元$")


@dataclass(frozen=True)
class Column:
    """One column of a file: its position, its header and the field it fills (None: ignored)."""

    index: int
    header: str
    fieldname: str | None


def importable_fields(
    meta: DocTypeMeta, user: str, *, levels_verb: str = "create"
) -> list[DocField]:
    """Fields a file may fill: value fields the user may write, not read-only, hidden or tables."""
    levels = permitted_levels(user, meta.name, levels_verb) | permitted_levels(
        user, meta.name, "write"
    )
    return [
        field
        for field in meta.data_fields
        if not field.read_only
        and not field.hidden
        and field.fieldtype not in NOT_IMPORTABLE_TYPES
        and field.permlevel in levels
    ]


def header_of(field: DocField) -> str:
    """The column header of a field: its label in the user's language and its fieldname."""
    return f"{field_label(field)} ({field.fieldname})"


def name_header() -> str:
    return f"{_('ID')} ({NAME_COLUMN})"


def _key(text: str) -> str:
    """Compare headers without width, case, spacing or a required-field asterisk."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().rstrip("*").strip()
    return re.sub(r"\s+", " ", folded).casefold()


def match_columns(
    headers: list[str], fields: list[DocField], mapping: dict[str, Any], *, with_name: bool
) -> tuple[list[Column], list[str]]:
    """Map each header to a field; return the columns and the ignored headers.

    The mapping (header → fieldname, "" or None to ignore) wins; otherwise a header
    matches by ``label (fieldname)``, by fieldname, then by Chinese or English label.
    Each field is filled by one column at most: a second column for it is ignored.
    """
    by_name = {f.fieldname: f for f in fields}
    allowed = set(by_name) | ({NAME_COLUMN} if with_name else set())
    zh = _catalog("zh")
    by_label: dict[str, str] = {}
    for field in fields:
        contexts = field_contexts(field.parent, field.fieldname)
        zh_label = translate_in_lang("zh", field.label, *contexts) if field.label else ""
        for label in (field.label, zh_label, field_label(field) if field.label else ""):
            if label:
                by_label.setdefault(_key(label), field.fieldname)
    if with_name:
        for label in ("ID", zh.get("ID", ""), NAME_COLUMN):
            if label:
                by_label.setdefault(_key(label), NAME_COLUMN)
    explicit = {_key(h): v for h, v in (mapping or {}).items()}
    by_fieldname = {_key(f): f for f in allowed}
    columns, ignored, taken = [], [], set()
    for index, header in enumerate(headers):
        key = _key(header)
        target: str | None
        if key in explicit:
            target = str(explicit[key] or "") or None
        elif (
            found := _HEADER_WITH_FIELDNAME.match(unicodedata.normalize("NFKC", header).strip())
        ) and found.group("fieldname") in allowed:
            target = found.group("fieldname")
        elif key in by_fieldname:
            target = by_fieldname[key]
        else:
            target = by_label.get(key)
        if target is not None and (target not in allowed or target in taken):
            target = None
        if target is None:
            if header.strip():
                ignored.append(header)
        else:
            taken.add(target)
        columns.append(Column(index, header, target))
    return columns, ignored


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise(field: DocField, value: Any) -> Any:
    """Turn a cell into a value the document actions accept; unreadable cells pass unchanged."""
    if isinstance(value, str):
        value = value.strip()
        if value[:1] == "'" and value[1:2] in FORMULA_STARTS:
            value = value[1:]  # the export's guard against formulas, undone
    ftype = field.fieldtype
    if ftype == "Check":
        return _check(value)
    if (
        ftype in fieldtypes.INT_TYPES
        or ftype in fieldtypes.DECIMAL_TYPES
        or ftype in fieldtypes.FLOAT_TYPES
    ):
        return _number(value, whole=ftype in ("Int", "Duration"), percent=ftype == "Percent")
    if ftype == "Date":
        moment = _moment(value)
        return moment.date() if moment is not None else value
    if ftype == "Datetime":
        moment = _moment(value)
        return moment if moment is not None else value
    if ftype == "Time":
        if isinstance(value, (dt.time, dt.datetime)):
            return value.strftime("%H:%M:%S")
        return value
    if ftype == "Select":
        return _select(field, value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number or code Excel stored as a number
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _check(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return value


def _number(value: Any, *, whole: bool, percent: bool) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return value
    if isinstance(value, str):
        text = _NUMBER_NOISE.sub("", unicodedata.normalize("NFKC", value))
        if percent:
            text = text.removesuffix("%")
        try:
            number = float(text)
        except ValueError:
            return value
        if whole:
            return int(number) if number.is_integer() else value
        return text
    if whole and isinstance(value, float):
        return int(value) if value.is_integer() else value
    return value


def _moment(value: Any) -> dt.datetime | None:
    """Read a date or date-time cell: ISO, 2026/1/5, 2026.1.5, 2026年1月5日, an Excel serial."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)  # noqa: DTZ001 - made aware later
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _excel_serial(float(value))
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text) and len(text) != 8:
        return _excel_serial(float(text))
    text = re.sub(r"(?<=\d)T(?=\d)", " ", text.replace("日", " ")).strip()
    date_part, _sep, time_part = text.partition(" ")
    date_part = re.sub(r"[年月/.]", "-", date_part)
    parts = date_part.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        date_part = "-".join(p.zfill(2) for p in parts)
    day = None
    for fmt in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(date_part, fmt)  # noqa: DTZ007 - made aware later
            break
        except ValueError:
            continue
    if day is None:
        return None
    time_part = time_part.strip()
    if not time_part:
        return day
    for fmt in TIME_FORMATS:
        try:
            clock = dt.datetime.strptime(time_part, fmt).time()  # noqa: DTZ007 - a clock time
        except ValueError:
            continue
        return dt.datetime.combine(day.date(), clock)
    return None


def _excel_serial(number: float) -> dt.datetime | None:
    low, high = EXCEL_SERIAL_RANGE
    if not low <= number <= high:
        return None
    return EXCEL_EPOCH + dt.timedelta(days=number)


def _select(field: DocField, value: Any) -> Any:
    text = str(value).strip() if not isinstance(value, str) else value
    options = [o for o in field.select_options if o]
    if text in options:
        return text
    wanted = _key(text)
    for option in options:
        # the label a Chinese template shows (worded for this field), or the reader's own
        zh = translate_in_lang("zh", option, *field_contexts(field.parent, field.fieldname))
        if wanted in (_key(option), _key(zh), _key(option_label(field, option))):
            return option
    return value
