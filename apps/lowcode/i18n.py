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
def _catalog(lang: str) -> dict[str, str]:
    catalog: dict[str, str] = {}
    for app in settings.LOWCODE_APPS:
        path = Path(import_module(app).__file__ or "").parent / "translations" / f"{lang}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                if len(row) >= 2 and row[0] and not row[0].startswith("#"):
                    catalog[row[0]] = row[1]
    return catalog


def current_lang() -> str:
    """Return 'zh' or 'en' for the active Django language."""
    return "en" if (translation.get_language() or "zh").startswith("en") else "zh"


def _(text: str, /, **params: object) -> str:
    """Translate ``text`` into the active language, then fill ``{params}``."""
    lang = current_lang()
    translated = text if lang == "en" else _catalog(lang).get(text, text)
    return translated.format(**params) if params else translated
