"""Translations in Frappe's shape: ``<app>/translations/<lang>.csv`` rows of source,translation
(and an optional context), under the Translation records an administrator writes in the desk.

Source strings (labels, messages) are English; the active Django language
picks the translation, zh-CN by default.
"""

from __future__ import annotations

import csv
import functools
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import AppRegistryNotReady
from django.db import DatabaseError, connection
from django.utils import translation


@functools.cache
def _rows(lang: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for app in settings.LOWCODE_APPS:
        path = Path(import_module(app).__file__ or "").parent / "translations" / f"{lang}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            rows += [
                r for r in csv.reader(handle) if len(r) >= 2 and r[0] and not r[0].startswith("#")
            ]
    return rows


@functools.cache
def _catalog(lang: str) -> dict[str, str]:
    """Rows without a context (Frappe's optional third column): one translation per source."""
    return {row[0]: row[1] for row in _rows(lang) if len(row) < 3 or not row[2]}


@functools.cache
def _context_catalog(lang: str) -> dict[tuple[str, str], str]:
    """Rows with a context: the same source worded differently where it is used, as a bare
    "0" is 草稿 as a document status and 0% as a tax rate."""
    return {(row[2], row[0]): row[1] for row in _rows(lang) if len(row) >= 3 and row[2]}


def current_lang() -> str:
    """Return 'zh' or 'en' for the active Django language."""
    return "en" if (translation.get_language() or "zh").startswith("en") else "zh"


def _(text: str, /, **params: object) -> str:
    """Translate ``text`` into the active language, then fill ``{params}``."""
    lang = current_lang()
    translated = (
        text
        if lang == "en"
        else _admin_rows(lang).get(("", text)) or _catalog(lang).get(text) or _runtime_label(text)
    )
    return translated.format(**params) if params else translated


def _admin_rows(lang: str) -> dict[tuple[str, str], str]:
    """Translation records (what an administrator worded in the desk): {(context, text): text}.

    Read once per process and metadata generation (a save bumps it), so a change is live on
    every worker from its next request and a lookup costs a dict read. Nothing before the
    table exists, nor for code that may not touch the database (unit tests), and translating
    never opens a connection itself: a message worded before there is a database (kuaicrm
    new-site refusing a password) must not create its SQLite file.
    """
    from lowcode.meta import registry  # i18n sits below meta: looked up at call time

    if connection.connection is None:
        return {}
    try:
        return registry.config_cached(("i18n.translations", lang), lambda: _load_rows(lang))
    except (LookupError, DatabaseError, RuntimeError, AppRegistryNotReady):
        return {}


def _load_rows(lang: str) -> dict[tuple[str, str], str]:
    model = apps.get_model("lowcode", "Translation")
    found: dict[tuple[str, str], str] = {}
    rows = model.objects.values_list("language", "context", "source_text", "translated_text")
    try:
        loaded = list(rows.order_by("creation"))
    except DatabaseError:
        # Not migrated yet (kuaicrm migrate words its checks): none, until the next generation.
        return {}
    for language, context, source, translated in loaded:
        if (language or "zh").lower().split("-")[0] == lang and source and translated:
            found[(context or "", source)] = translated
    return found


def _runtime_label(text: str) -> str:
    """A DocType made at run time reads as the label its administrator gave it, else as is."""
    from lowcode.meta import registry  # i18n sits below meta: looked up only on a miss

    return registry.runtime_label(text) or text


def pgettext(context: str, text: str) -> str:
    """Translate ``text`` as used in ``context`` (a row's third column), else as ``_`` does."""
    return translate_in(text, context)


def translate_in(text: str, *contexts: str) -> str:
    """Translate ``text`` with the first of ``contexts`` that has a row for it, else without.

    The same English word means different things in different places (an opportunity's
    "Lost" is 输单, a customer's is 流失), so the most specific context a row names wins.
    """
    return translate_in_lang(current_lang(), text, *contexts)


def translate_in_lang(lang: str, text: str, *contexts: str) -> str:
    """``translate_in`` for a given language ("zh" or "en"), whatever the active one is."""
    if lang == "en":
        return text
    admin = _admin_rows(lang)
    in_context = _context_catalog(lang)
    for context in contexts:
        if not context:
            continue
        # an administrator's Translation record wins over the files' row of the same context
        found = admin.get((context, text)) or in_context.get((context, text))
        if found:
            return found
    return admin.get(("", text)) or _catalog(lang).get(text, text)


def field_contexts(doctype: str, fieldname: str) -> tuple[str, ...]:
    """Where a field's label and options are looked up, most specific first.

    "<DocType>:<fieldname>" (one field), "<DocType>" (its whole DocType), "<fieldname>" (every
    field of that name, as ``doc_status`` or ``tax_rate``), then the row without a context.
    """
    return (f"{doctype}:{fieldname}", doctype, fieldname) if doctype else (fieldname,)


def field_label(field: Any) -> str:
    """A DocField's label in the active language, worded for its DocType."""
    text = field.label or field.fieldname
    return translate_in(text, *field_contexts(getattr(field, "parent", ""), field.fieldname))


def option_label(field: Any, value: Any) -> str:
    """What a Select option shows: its stored value translated for its DocType and field.

    The options line is the value kept in the database and the API; the label is its
    translation, so a Chinese label shows everywhere while the value stays.
    """
    if value in (None, ""):
        return ""
    return translate_in(str(value), *field_contexts(getattr(field, "parent", ""), field.fieldname))
