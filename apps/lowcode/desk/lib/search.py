"""Global search: any phone number, pinyin and initials, through the permission layer.

Each searchable document has one "Search Entry" row (kept by ``lowcode.desk.indexing`` on
every insert, save and delete, filled for existing rows after migrate), as Frappe keeps
``__global_search``: its title, name and search fields lower-cased, with the pinyin and the
initials of the Chinese ones (恒力 → ``hengli``, ``hl``), and the digits of every phone
number it holds in several spellings (``051266881234``, ``51266881234``), so a landline
typed with or without its dash or area code is a substring match. A query reads the entries
of the documents the user may read (the DocType's permitted queryset as a subquery), so an
unreadable record is never found, counted or suggested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db.models import Case, IntegerField, Q, Value, When
from pypinyin import Style, lazy_pinyin

from lowcode.desk.lib import nav
from lowcode.desk.lib.listing import title_field
from lowcode.desk.lib.phones import is_phone_field
from lowcode.meta.doctype import DocTypeMeta
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import permitted_queryset
from lowcode.query import reads
from lowcode.query.builder import ColumnSet
from lowcode.storage.factory import get_model
from lowcode.storage.validation import parse_phone

SEARCH_ENTRY = "Search Entry"
PER_DOCTYPE = 5
SUGGESTIONS = 8
INDEXED_NAMES = 1000  # the most a filter's "in" takes (query.builder)
MIN_PHONE_DIGITS = 4  # fewer digits match half the book; they are searched as text
# Field types whose values are words worth finding (a Link holds a code: CUST-00018).
TEXT_TYPES = frozenset(
    {"Data", "Small Text", "Text", "Select", "Link", "Read Only", "Dynamic Link"}
)
CJK = re.compile(r"[\u3400-\u9fff]")
PHONE_QUERY = re.compile(r"\+?[\d\s\-()]+")


# ---------------------------------------------------------------- what an entry holds


def is_searchable(meta: DocTypeMeta) -> bool:
    """Whether documents of ``meta`` get an entry: titled or searchable, not a child or setting."""
    return (
        not meta.istable
        and meta.name not in nav.HIDDEN_DOCTYPES
        and meta.name != SEARCH_ENTRY
        and bool(meta.title_field or meta.search_fields)
    )


def text_fields(meta: DocTypeMeta) -> list[str]:
    """The title and search fields, as Frappe's global search indexes them."""
    names = [meta.title_field, *meta.search_fields]
    return [
        n
        for n in dict.fromkeys(names)
        if n and (f := meta.get_field(n)) is not None and f.fieldtype in TEXT_TYPES
    ]


def phone_fields(meta: DocTypeMeta) -> list[tuple[str, str | None]]:
    """(field, child field) of every phone number a document holds, its child rows' too."""
    found: list[tuple[str, str | None]] = [
        (f.fieldname, None) for f in meta.data_fields if is_phone_field(f)
    ]
    for table in meta.table_fields:
        if table.options:
            child = get_meta(table.options)
            found += [
                (table.fieldname, f.fieldname) for f in child.data_fields if is_phone_field(f)
            ]
    return found


def pinyin_forms(text: str) -> list[str]:
    """The full pinyin and the initials of text holding Chinese (恒力机械 → henglijixie, hljx)."""
    if not CJK.search(text):
        return []
    syllables = [s.lower() for s in lazy_pinyin(text) if s.strip()]
    initials = [s.lower()[:1] for s in lazy_pinyin(text, style=Style.FIRST_LETTER) if s.strip()]
    return ["".join(syllables).replace(" ", ""), "".join(initials)]


def phone_spellings(value: Any) -> set[str]:
    """Digit strings a number is found by: as typed, national, and with the trunk 0 of a landline."""
    text = str(value or "").strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return set()
    found = {digits}
    number = parse_phone(text)
    if number is not None and number.country_code == 86:
        national = str(number.national_number)
        found.add(national)
        if not national.startswith("1"):  # a landline: its area code is dialled with a 0
            found.add("0" + national)
    elif number is not None:
        found.add(f"{number.country_code}{number.national_number}")
    return found


def entry_values(doc: Any, meta: DocTypeMeta) -> dict[str, str]:
    """The title, searchable text and phone digits of one document's entry."""
    title = str(doc.get(title_field(meta)) or doc.name)
    words = [str(doc.name).lower()]
    for fieldname in text_fields(meta):
        value = doc.get(fieldname)
        if value in (None, ""):
            continue
        text = str(value)
        words.append(text.lower())
        words += pinyin_forms(text)
    phones: set[str] = set()
    for fieldname, child_field in phone_fields(meta):
        if child_field is None:
            phones |= phone_spellings(doc.get(fieldname))
            continue
        for row in doc.get(fieldname) or []:
            value = row.get(child_field) if isinstance(row, dict) else getattr(row, child_field)
            phones |= phone_spellings(value)
    return {
        "title": title[:140],
        "content": "\n".join(dict.fromkeys(words)),
        "phones": " ".join(sorted(phones)),
    }


# ---------------------------------------------------------------- querying


def phone_digits(text: str) -> str:
    """The digits of a query that is a phone number (or part of one), else ""."""
    if not PHONE_QUERY.fullmatch(text):
        return ""
    digits = re.sub(r"\D", "", text)
    if len(digits) < MIN_PHONE_DIGITS:
        return ""
    # +86 / 0086 belong to no stored spelling; a mainland number follows them.
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and (text.startswith("+") or prefix == "0086"):
            return digits[len(prefix) :]
    return digits


def match(text: str) -> Q:
    """Entries whose text holds ``text`` (spaces ignored for pinyin) or whose phones hold its digits."""
    lowered = text.strip().lower()
    compact = re.sub(r"\s+", "", lowered)
    condition = Q(content__contains=lowered) | Q(content__contains=compact)
    digits = phone_digits(text.strip())
    if digits:
        condition |= Q(phones__contains=digits)
    return condition


def _entries():
    return get_model(SEARCH_ENTRY).objects


def matching_doctypes(user: str, text: str) -> list[dict]:
    """Nav entries of the readable DocTypes with at least one matching entry (one query)."""
    readable = {e["doctype"]: e for e in nav.readable_doctypes(user)}
    found = (
        _entries()
        .filter(match(text), reference_doctype__in=list(readable))
        .values_list("reference_doctype", flat=True)
        .distinct()
    )
    return [readable[d] for d in readable if d in set(found)]


def matching_names(user: str, doctype: str, text: str, limit: int) -> list[str]:
    """Names of the documents of ``doctype`` the user may read that match, best first.

    A title starting with the text ranks first, then a title holding it, then the rest
    (a phone or pinyin match), shorter titles first.
    """
    permitted = permitted_queryset(user, doctype, "read").values("name")
    lowered = text.strip().lower()
    rank = Case(
        When(title__istartswith=lowered, then=Value(0)),
        When(title__icontains=lowered, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    rows = (
        _entries()
        .filter(match(text), reference_doctype=doctype, reference_name__in=permitted)
        .annotate(rank=rank)
        .order_by("rank", "title", "reference_name")
        .values_list("reference_name", flat=True)[:limit]
    )
    return list(rows)


def indexed_names(doctype: str, text: str, limit: int = INDEXED_NAMES) -> list[str]:
    """Names of ``doctype`` whose entry matches (the list's search adds them to its own; the
    list reads them through the permission layer)."""
    if not text.strip():
        return []
    rows = _entries().filter(match(text), reference_doctype=doctype)
    return list(rows.values_list("reference_name", flat=True)[:limit])


def _rows(user: str, meta: DocTypeMeta, names: list[str]) -> list[dict]:
    """The matched documents with their title, search fields and first phone, readable ones only."""
    columns = ColumnSet(meta, user)
    title = title_field(meta)
    phones = [f for f, child in phone_fields(meta) if child is None and f in columns.columns]
    extra = [f for f in meta.search_fields if f in columns.columns and f != title]
    fields = list(dict.fromkeys(["name", title, *extra, *phones[:1]]))
    fields = [f for f in fields if f == "name" or f in columns.columns]
    rows = reads.get_list(
        user, meta.name, fields=fields, filters=[["name", "in", names]], limit=len(names)
    )
    by_name = {row["name"]: row for row in rows}
    result = []
    for name in names:
        row = by_name.get(name)
        if row is None:
            continue
        row["desk_title"] = row.get(title) or row["name"]
        row["desk_phone"] = row.get(phones[0]) if phones else ""
        row["desk_extra"] = " · ".join(
            str(row[f]) for f in extra if row.get(f) and f not in phones[:1]
        )
        result.append(row)
    return result


def global_search(user: str, text: str, per_doctype: int = PER_DOCTYPE) -> list[dict]:
    """Return ``[{doctype, label, slug, rows}]`` with at most ``per_doctype`` matches each."""
    text = text.strip()
    if not text:
        return []
    groups = []
    for entry in matching_doctypes(user, text):
        meta = get_meta(entry["doctype"])
        names = matching_names(user, meta.name, text, per_doctype)
        rows = _rows(user, meta, names) if names else []
        if rows:
            groups.append({**entry, "rows": rows})
    return groups


def suggestions(user: str, text: str, limit: int = SUGGESTIONS) -> list[dict]:
    """At most ``limit`` matches across DocTypes for the box's drop-down, each with its group."""
    found: list[dict] = []
    for group in global_search(user, text, per_doctype=3):
        found += [{**row, "group": group} for row in group["rows"]]
    return _interleave(found, limit)


def _interleave(rows: Iterable[dict], limit: int) -> list[dict]:
    """Every group's best first, then the seconds…: one DocType cannot fill the drop-down."""
    by_group: dict[str, list[dict]] = {}
    for row in rows:
        by_group.setdefault(row["group"]["doctype"], []).append(row)
    result: list[dict] = []
    depth = 0
    while len(result) < limit and any(len(g) > depth for g in by_group.values()):
        result += [g[depth] for g in by_group.values() if len(g) > depth]
        depth += 1
    return result[:limit]
