"""Translations in Frappe's shape: ``<app>/translations/<lang>.csv`` rows of source,translation.

Source strings (labels, messages) are English; the active Django language
picks the translation, zh-CN by default.
"""

from __future__ import annotations

import csv
import functools
from importlib import import_module
from pathlib import Path

from django.conf import settings
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
    translated = text if lang == "en" else _catalog(lang).get(text, text)
    return translated.format(**params) if params else translated


def pgettext(context: str, text: str) -> str:
    """Translate ``text`` as used in ``context`` (a row's third column), else as ``_`` does."""
    lang = current_lang()
    if lang == "en":
        return text
    return _context_catalog(lang).get((context, text)) or _catalog(lang).get(text, text)
