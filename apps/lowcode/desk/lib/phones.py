"""Phone numbers as things to tap: which fields hold one, and the ``tel:`` URI that dials it.

Frappe's contract: a field holds a phone number when its type is ``Phone`` or it is ``Data``
with options ``Phone``. The desk draws such values as ``<a class="tel" href="tel:…">`` (the
``tel`` filter in ``templatetags/desk.py``) so a rep calls with one tap.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

from lowcode.storage.validation import parse_phone


def is_phone_field(field: Any) -> bool:
    """Whether a DocField (or a dict of one) holds a phone number."""
    if isinstance(field, dict):
        fieldtype, options = field.get("fieldtype"), field.get("options")
    else:
        fieldtype, options = getattr(field, "fieldtype", ""), getattr(field, "options", "")
    return fieldtype == "Phone" or (fieldtype == "Data" and options == "Phone")


def tel_href(value: Any) -> str:
    """The ``tel:`` URI of ``value`` ("" when there is no number to dial).

    A valid number (mainland China by default) becomes E.164 (``0512-6688 1234`` →
    ``tel:+8651266881234``) so the phone's dialler never guesses the area; anything else keeps
    its digits (and a leading ``+``), since a short internal extension is still worth a tap.
    """
    text = str(value or "").strip()
    if not text:
        return ""
    number = parse_phone(text)
    if number is not None:
        return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    return "tel:" + ("+" if text.startswith("+") else "") + digits
