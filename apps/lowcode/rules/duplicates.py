"""Duplicate detection (seed 001 §1.1 线索去重): normalised keys in an indexed side table.

A Duplicate Rule lists fields, each with a normaliser (phone, email, company name,
unified social credit code) and optionally another DocType to check as well (Lead vs
Customer). Keys are kept in "Duplicate Key" (doctype, docname, field, key) on every
save and delete, so a check is one indexed lookup however big the table is.
Block raises a ValidationError naming the field and the existing record (its owner instead,
when the user may not read it); Warn saves and
leaves the warning on the document (``server_messages``), which the API returns as
``_server_messages``.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.rules.common import CACHE_PREFIX, RULE_DOCTYPES, rules_for
from lowcode.storage.factory import get_model
from lowcode.storage.validation import VALUE_CACHE_SIZE, parse_phone

DUPLICATE_KEY = "Duplicate Key"
KEY_LENGTH = 140

# Longest first, so "有限责任公司" is removed whole rather than leaving "有限责任".
COMPANY_SUFFIXES = sorted(
    ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "集团", "公司", "分公司"],
    key=len,
    reverse=True,
)
REGIONS = [
    "北京", "上海", "天津", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港",
    "澳门", "苏州", "南京", "无锡", "常州", "杭州", "宁波", "深圳", "广州", "东莞", "佛山",
    "厦门", "青岛", "济南", "武汉", "成都", "西安", "郑州", "长沙", "合肥", "大连", "沈阳",
]  # fmt: skip
REGION_SUFFIXES = ("省", "市", "自治区", "特别行政区")
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@functools.lru_cache(maxsize=VALUE_CACHE_SIZE)  # pure; parsing is the cost of an import row
def normalise_phone(value: str) -> str:
    """Digits only; mainland numbers without +86 / 0086 / the trunk 0 of mobiles."""
    text = str(value).strip()
    number = parse_phone(text)
    if number is not None:
        if number.country_code == 86:
            return str(number.national_number)
        return f"{number.country_code}{number.national_number}"
    digits = re.sub(r"\D", "", text)
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) in (10, 11):
            digits = digits[len(prefix) :]
            break
    if re.fullmatch(r"01[3-9]\d{9}", digits):
        digits = digits[1:]
    return digits


def normalise_email(value: str) -> str:
    return str(value).strip().lower()


@functools.lru_cache(maxsize=VALUE_CACHE_SIZE)
def normalise_company(value: str) -> str:
    """Compare company names without legal form, "(中国)", region prefix, width or spaces."""
    text = unicodedata.normalize("NFKC", str(value))  # full-width → half-width
    text = re.sub(r"\s+", "", text).replace("(中国)", "").lower()
    changed = True
    while changed and text:
        changed = False
        for suffix in COMPANY_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
                break
    for region in sorted(REGIONS, key=len, reverse=True):
        if text.startswith(region):
            rest = text[len(region) :]
            for suffix in REGION_SUFFIXES:
                if rest.startswith(suffix):
                    rest = rest[len(suffix) :]
                    break
            if rest:
                text = rest
            break
    return text


def credit_code_valid(code: str) -> bool:
    """Check a unified social credit code's 18th character (GB 32100-2015)."""
    if len(code) != 18 or any(ch not in CREDIT_CODE_CHARS for ch in code):
        return False
    total = sum(
        CREDIT_CODE_CHARS.index(ch) * weight
        for ch, weight in zip(code[:17], CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31] == code[17]


def normalise_credit_code(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).upper()


NORMALISERS: dict[str, Any] = {
    "Exact": lambda value: str(value).strip(),
    "Phone": normalise_phone,
    "Email": normalise_email,
    "Company Name": normalise_company,
    "Credit Code": normalise_credit_code,
}


def make_key(normaliser: str, value: Any) -> str:
    """The stored key of one value ("" when there is nothing to compare)."""
    if value is None or value == "":
        return ""
    if type(value) is str:  # an import asks for each row's keys three times
        return _text_key(normaliser, value)
    normalised = NORMALISERS.get(normaliser, NORMALISERS["Exact"])(value)
    return f"{normaliser}|{normalised}"[:KEY_LENGTH] if normalised else ""


@functools.lru_cache(maxsize=VALUE_CACHE_SIZE)
def _text_key(normaliser: str, value: str) -> str:
    normalised = NORMALISERS.get(normaliser, NORMALISERS["Exact"])(value)
    return f"{normaliser}|{normalised}"[:KEY_LENGTH] if normalised else ""


def key_specs(doctype: str) -> set[tuple[str, str]]:
    """(field, normaliser) pairs any enabled rule compares for ``doctype``, own or as 'other'."""
    if doctype in RULE_DOCTYPES:
        return set()

    def compute() -> dict[str, set[tuple[str, str]]]:
        specs: dict[str, set[tuple[str, str]]] = {}
        model: Any = get_model("Duplicate Rule")
        row_model: Any = get_model("Duplicate Rule Field")
        enabled = model.objects.filter(enabled=True).values_list("name", "document_type")
        types = dict(enabled)
        for parent, fieldname, normaliser, other, other_field in row_model.objects.filter(
            parent__in=list(types), parenttype="Duplicate Rule"
        ).values_list("parent", "fieldname", "normaliser", "other_doctype", "other_fieldname"):
            specs.setdefault(types[parent], set()).add((fieldname, normaliser))
            if other:
                specs.setdefault(other, set()).add((other_field or fieldname, normaliser))
        return specs

    return registry.config_cached((CACHE_PREFIX, "Duplicate Rule", "specs"), compute).get(
        doctype, set()
    )


# SQLite refuses a compound SELECT of more than 500 terms.
SEEKS_PER_STATEMENT = 400


def find_duplicates(
    doctype: str, wanted: list[tuple[str, str]], exclude: str | None
) -> dict[tuple[str, str], str]:
    """The first other document holding each (field, key) pair.

    Inside a bulk insert the batch answers: keys it looked up already, and the keys of the
    batch's documents not written yet (see :class:`KeyBatch`).
    """
    batch = _key_batch()
    if batch is None:
        return seek_duplicates(doctype, wanted, exclude)
    return batch.find(doctype, wanted, exclude)


def seek_duplicates(
    doctype: str, wanted: list[tuple[str, str]], exclude: str | None = None
) -> dict[tuple[str, str], str]:
    """The first other document holding each (field, key) pair, one statement per 400 pairs.

    One index seek with LIMIT 1 per pair, joined by UNION ALL: a GROUP BY would read every
    document sharing a value, and a Warn rule on a city or a job title matches thousands.
    Identifiers come from the model; every value is a bound parameter.
    """
    pairs = sorted(set(wanted))
    found: dict[tuple[str, str], str] = {}
    if not pairs:
        return found
    q = connection.ops.quote_name
    table = q(get_model(DUPLICATE_KEY)._meta.db_table)
    # Identifiers come from the model and values are bound, hence the S608 waivers.
    seek = (
        f"SELECT {q('fieldname')} AS f, {q('key')} AS k, {q('reference_name')} AS n FROM {table}"  # noqa: S608
        f" WHERE {q('reference_doctype')} = %s AND {q('key')} = %s AND {q('fieldname')} = %s"
        + (f" AND {q('reference_name')} <> %s" if exclude else "")
        + f" ORDER BY {q('reference_name')} LIMIT 1"
    )
    for start in range(0, len(pairs), SEEKS_PER_STATEMENT):
        chunk = pairs[start : start + SEEKS_PER_STATEMENT]
        sql = " UNION ALL ".join(f"SELECT * FROM ({seek}) AS t{i}" for i in range(len(chunk)))  # noqa: S608
        params: list[str] = []
        for fieldname, key in chunk:
            params += [doctype, key, fieldname] + ([exclude] if exclude else [])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found.update({(f, k): name for f, k, name in cursor.fetchall()})
    return found


@dataclass
class KeyBatch:
    """Duplicate keys during a bulk insert: looked up once, plus the batch's own documents."""

    known: dict[tuple[str, str, str], str | None] = field(default_factory=dict)
    pending: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def prefetch(self, doctype: str, pairs: list[tuple[str, str]]) -> None:
        """Look up every (field, key) of a batch in as few statements as possible."""
        missing = sorted({p for p in pairs if (doctype, *p) not in self.known})
        found = seek_duplicates(doctype, missing)
        for pair in missing:
            self.known[(doctype, *pair)] = found.get(pair)

    def find(
        self, doctype: str, wanted: list[tuple[str, str]], exclude: str | None
    ) -> dict[tuple[str, str], str]:
        self.prefetch(doctype, wanted)
        result: dict[tuple[str, str], str] = {}
        for pair in set(wanted):
            stored = self.known[(doctype, *pair)]
            if stored is not None and stored == exclude:
                stored = seek_duplicates(doctype, [pair], exclude).get(pair)
            names = [n for n in (stored, self.pending.get((doctype, *pair))) if n and n != exclude]
            if names:
                result[pair] = min(names)  # the stored order: the smallest name first
        return result

    def accept(self, doc) -> None:
        """The document passed validation: later rows of the batch see its keys."""
        for fieldname, key in _wanted_keys(doc, key_specs(doc.doctype)):
            self.pending.setdefault((doc.doctype, fieldname, key), doc.name)


def _key_batch() -> KeyBatch | None:
    from lowcode.documents import bulk

    batch = bulk.current()
    if batch is None:
        return None
    keys = batch.state.get("duplicate_keys")
    if keys is None:
        keys = batch.state["duplicate_keys"] = KeyBatch()
        batch.on_accept("duplicate_keys", keys.accept)
    return keys


def _links_to(doc, meta, doctype: str, name: str) -> bool:
    """Whether the document links to that record: a lead is no duplicate of its own customer."""
    if doctype == doc.doctype:
        return False
    return any(
        field.fieldtype == "Link" and field.options == doctype and doc.get(field.fieldname) == name
        for field in meta.fields
    )


def check_duplicates(doc, event: str) -> None:
    """doc_events "*" validate: Block raises, Warn records a message on the document."""
    rules = rules_for("Duplicate Rule", doc.doctype)
    if not rules:
        return
    doc.__dict__["_rules_was_new"] = doc.is_new  # on_update then skips reading old keys
    meta = registry.get_meta(doc.doctype)
    errors: list[FieldError] = []
    checks = []  # (rule, row, value, key)
    lookups: dict[tuple[str, str | None], list[tuple[str, str]]] = {}
    for rule in rules:
        for row in rule.get_children("fields"):
            value = doc.get(row.fieldname)
            key = make_key(row.normaliser, value)
            if not key:
                continue
            if row.normaliser == "Credit Code" and not credit_code_valid(key.split("|", 1)[1]):
                message = _(
                    "{label} {value} is not a valid unified social credit code",
                    label=_label(meta, row.fieldname),
                    value=value,
                )
                errors.append(FieldError(row.fieldname, "credit_code", message))
                continue
            checks.append((rule, row, value, key))
            lookups.setdefault((doc.doctype, doc.name), []).append((row.fieldname, key))
            if row.other_doctype:
                other = (row.other_doctype, None)
                lookups.setdefault(other, []).append((row.other_fieldname or row.fieldname, key))
    found = {
        target: find_duplicates(target[0], wanted, target[1]) for target, wanted in lookups.items()
    }
    for rule, row, value, key in checks:
        candidates = [(doc.doctype, found[(doc.doctype, doc.name)].get((row.fieldname, key)))]
        if row.other_doctype:
            other_field = row.other_fieldname or row.fieldname
            candidates.append(
                (row.other_doctype, found[(row.other_doctype, None)].get((other_field, key)))
            )
        for target, existing in candidates:
            if existing is None or _links_to(doc, meta, target, existing):
                continue
            user = getattr(doc, "acting_user", None) or doc.owner
            message = duplicate_message(user, _label(meta, row.fieldname), value, target, existing)
            if rule.action == "Block":
                errors.append(FieldError(row.fieldname, "duplicate", message))
            else:
                doc.__dict__.setdefault("server_messages", []).append(message)
            break
    if errors:
        raise ValidationError("; ".join(e.message for e in errors[:5]), errors)


def readable_duplicate(user: str, doctype: str, existing: str) -> bool:
    """Whether the user may read the existing record (and so learn its name)."""
    from lowcode.permissions.core import has_permission

    record = get_model(doctype).objects.filter(name=existing).first()
    # None: a document of the same bulk insert, not written yet (the user's own import).
    return record is None or has_permission(user, record, "read")


def duplicate_message(user: str, label: str, value: Any, doctype: str, existing: str) -> str:
    """Name the existing record only to a user who may read it; others learn whom to ask.

    A check must not become a way to probe records outside one's scope (try a phone number,
    read back the lead's name): an unreadable duplicate shows only its owner's full name.
    """
    from lowcode.models import UserProfile

    if readable_duplicate(user, doctype, existing):
        return _(
            "{label} {value} duplicates {doctype} {name}",
            label=label,
            value=value,
            doctype=_(doctype),
            name=existing,
        )
    owner = get_model(doctype).objects.filter(name=existing).values_list("owner", flat=True)[0]
    full_name = (
        UserProfile.objects.filter(user__username=owner).values_list("full_name", flat=True).first()
    )
    return _(
        "{label} {value} duplicates an existing {doctype} you may not see; ask its owner {owner}",
        label=label,
        value=value,
        doctype=_(doctype),
        owner=full_name or owner,
    )


def _label(meta, fieldname: str) -> str:
    field = meta.get_field(fieldname)
    return _(field.label) if field is not None and field.label else fieldname


def update_keys(doc, event: str) -> None:
    """doc_events "*" on_update: keep this document's keys current."""
    specs = key_specs(doc.doctype)
    if not specs:
        return
    from lowcode.documents import bulk

    batch = bulk.current()
    if batch is not None and doc.__dict__.get(bulk.NEW_IN_BATCH):
        # A new document of a bulk insert: its keys go in with the batch's one INSERT.
        model: Any = get_model(DUPLICATE_KEY)
        user = doc.acting_user or doc.modified_by or doc.owner
        now = timezone.now()
        rows = [_key_row(model, doc, f, k, user, now) for f, k in sorted(_wanted_keys(doc, specs))]
        batch.defer(doc, *rows)
        return
    write_keys(doc, specs)


def _key_row(model, doc, fieldname: str, key: str, user: str, now):
    from lowcode.documents.bulk import new_side_record

    return new_side_record(
        model,
        user,
        now,
        reference_doctype=doc.doctype,
        reference_name=doc.name,
        fieldname=fieldname,
        normaliser=key.split("|", 1)[0],
        key=key,
    )


def _wanted_keys(doc, specs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {
        (fieldname, key)
        for fieldname, normaliser in specs
        if (key := make_key(normaliser, doc.get(fieldname)))
    }


def write_keys(doc, specs: set[tuple[str, str]]) -> None:
    batch = _key_batch()
    if batch is not None:
        batch.known.clear()  # another document's keys change under a bulk insert's lookups
    model: Any = get_model(DUPLICATE_KEY)
    wanted = _wanted_keys(doc, specs)
    current = model.objects.filter(reference_doctype=doc.doctype, reference_name=doc.name)
    have: set[tuple[str, str]] = set()
    if not doc.__dict__.get("_rules_was_new"):
        have = set(current.values_list("fieldname", "key"))
        for fieldname, key in have - wanted:
            current.filter(fieldname=fieldname, key=key).delete()
    user = doc.acting_user or doc.modified_by or doc.owner
    now = timezone.now()
    model.objects.bulk_create(
        [
            _key_row(model, doc, fieldname, key, user, now)
            for fieldname, key in sorted(wanted - have)
        ]
    )


def delete_keys(doc, event: str) -> None:
    """doc_events "*" after_delete: a deleted document no longer counts as a duplicate."""
    if doc.doctype in RULE_DOCTYPES:
        return
    get_model(DUPLICATE_KEY).objects.filter(
        reference_doctype=doc.doctype, reference_name=doc.name
    ).delete()


REBUILD_CHUNK = 2000


def rebuild_keys(doctype: str) -> int:
    """Background job: index every existing document of ``doctype`` (after a rule changes).

    Chunk by chunk, each in its own transaction: one read of the chunk's stored keys, then
    only the stale ones deleted and the missing ones inserted (re-enabling a rule whose keys
    are current writes nothing), rather than two statements per document.
    """
    specs = key_specs(doctype)
    if not specs or not registry.exists(doctype):
        return 0
    model: Any = get_model(DUPLICATE_KEY)
    meta = registry.get_meta(doctype)
    fields = {fieldname for fieldname, _normaliser in specs}
    columns = [
        f for f in fields if (field := meta.get_field(f)) is not None and not field.is_custom
    ]
    if len(columns) < len(fields):
        columns.append("_custom")  # custom field values live in the JSON column
    documents = (
        get_model(doctype)
        .objects.only("name", *columns)
        .order_by("name")
        .iterator(chunk_size=REBUILD_CHUNK)
    )
    count, chunk = 0, []
    for doc in documents:
        chunk.append(doc)
        if len(chunk) == REBUILD_CHUNK:
            count += _rebuild_chunk(model, doctype, chunk, specs)
            chunk = []
    return count + (_rebuild_chunk(model, doctype, chunk, specs) if chunk else 0)


def _rebuild_chunk(model, doctype: str, docs: list, specs: set[tuple[str, str]]) -> int:
    """Bring one chunk's keys up to date, writing only what differs (re-enabling: nothing)."""
    by_name = {doc.name: doc for doc in docs}
    wanted = {(doc.name, f, key) for doc in docs for f, key in _wanted_keys(doc, specs)}
    stored = model.objects.filter(reference_doctype=doctype, reference_name__in=list(by_name))
    existing = {
        (ref, fieldname, key): pk
        for pk, ref, fieldname, key in stored.values_list(
            "name", "reference_name", "fieldname", "key"
        )
    }
    stale = [pk for found, pk in existing.items() if found not in wanted]
    missing = sorted(wanted - existing.keys())
    now = timezone.now()
    with transaction.atomic():
        if stale:
            model.objects.filter(name__in=stale).delete()
        model.objects.bulk_create(
            [
                _key_row(model, by_name[ref], fieldname, key, "Administrator", now)
                for ref, fieldname, key in missing
            ],
            batch_size=500,
        )
    return len(docs)
