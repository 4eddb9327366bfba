"""Field names made from labels: 行业细分 → ``hangye_xifen``, "Annual Revenue" → ``annual_revenue``.

An administrator types a label; the engine needs a lower-case identifier that is a valid
column and JSON key (``meta.E004``), not reserved (``meta.E006``) and unique in its DocType
(``meta.E005``). Chinese is written in pinyin without tones, one word per underscore part.
"""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable

from pypinyin import Style, lazy_pinyin

from lowcode.meta.checks import reserved_fieldnames

# Columns are limited to 64 characters on MariaDB; leave room for a "custom_" prefix and a "_NN"
# suffix so a long label never makes a name the database refuses.
MAX_LENGTH = 48
FALLBACK = "field"

# CJK Unified Ideographs with extension A and the compatibility block; rarer extensions have no
# pinyin in pypinyin's data anyway and fall back to the generic name.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def fieldname_from_label(
    label: str, taken: set[str] | frozenset[str] = frozenset(), *, prefix: str = ""
) -> str:
    """Return a snake_case fieldname for ``label``, never reserved and not in ``taken``.

    ``prefix`` (Customize Form's ``custom_``) is part of the name checked against ``taken``.
    """
    base = prefix + _base_name(label)
    reserved = reserved_fieldnames()
    if not _usable(base, reserved):
        base = f"{base}_field"
    if base not in taken:
        return base
    number = 2
    while f"{base}_{number}" in taken or not _usable(f"{base}_{number}", reserved):
        number += 1
    return f"{base}_{number}"


def _usable(name: str, reserved: frozenset[str]) -> bool:
    return name not in reserved and not keyword.iskeyword(name) and not name.startswith("_")


def _base_name(label: str) -> str:
    # NFKC turns full-width forms (ＡＢＣ１２３, （）) into ASCII, so they read as typed.
    text = unicodedata.normalize("NFKC", label or "")
    parts = [part for word in _words(text) for part in _parts(word)]
    name = "_".join(parts)
    if len(name) > MAX_LENGTH:
        name = (
            name[:MAX_LENGTH].rsplit("_", 1)[0] if "_" in name[:MAX_LENGTH] else name[:MAX_LENGTH]
        )
    if not name:
        return FALLBACK
    if not name[0].isalpha():
        name = f"{FALLBACK}_{name}"
    return name


def _words(text: str) -> Iterable[str]:
    # Latin letters with accents become plain letters ("Café" → "cafe"); everything else that is
    # neither Han, a letter nor a digit separates words.
    plain = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return _WORD.findall(plain)


def _parts(word: str) -> list[str]:
    if _HAN.fullmatch(word):
        return _han_words(word)
    return [p.lower() for p in _CAMEL.findall(word)]


def _han_words(run: str) -> list[str]:
    """Write a run of Han characters in pinyin, two syllables a word: 行业细分 → hangye, xifen.

    Most Chinese words have two characters; pypinyin's segmenter knows only the phrases whose
    reading differs from their characters' (it cuts 微信号 as 微|信号), so pairing reads better.
    The whole run is read at once, so a phrase's reading wins (重庆 → chongqing, not zhongqing).
    """
    # Style.NORMAL: no tones; ü is written "v" (绿 → lv), as pinyin input methods type it.
    syllables = [
        re.sub(r"[^a-z0-9]", "", s.lower())
        for s in lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
    ]
    syllables = [s for s in syllables if s]
    return ["".join(syllables[i : i + 2]) for i in range(0, len(syllables), 2)]
