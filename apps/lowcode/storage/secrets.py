"""Password fields (Frappe's ``Password``): stored for the server's use, never sent to a browser.

Every answer shows a set secret as ``MASK`` (``doc_to_dict``), lists, filters and sorting do
not offer the column (``query.builder.ColumnSet``), and Versions record that it changed, not
what to. A save that sends the mask back, or nothing (the desk's empty password input), keeps
the stored value; only a new value (or JSON null through the API) replaces it.
"""

from __future__ import annotations

from typing import Any

from lowcode.meta.fieldtypes import SECRET_TYPES

MASK = "********"


def is_secret(field: Any) -> bool:
    return getattr(field, "fieldtype", None) in SECRET_TYPES


def masked(value: Any) -> Any:
    """What a reader sees of a secret: the mask when one is set, else nothing."""
    return MASK if value not in (None, "") else None


def without_kept_secrets(meta: Any, data: dict) -> dict:
    """``data`` without the secrets it leaves as they are (the mask sent back, or "")."""
    return {
        key: value
        for key, value in data.items()
        if not (is_secret(meta.get_field(key)) and value in (MASK, ""))
    }


def masked_version(meta: Any, data: dict) -> dict:
    """A Version's data with every secret's old and new value masked."""
    changed = [
        [field, masked(old), masked(new)] if is_secret(meta.get_field(field)) else [field, old, new]
        for field, old, new in data.get("changed") or []
    ]
    return {**data, "changed": changed} if "changed" in data else data
