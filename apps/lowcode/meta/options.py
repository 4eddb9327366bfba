"""A Select's options as rows an administrator edits: a stable value and its Chinese label.

The options text keeps one value a line (what the database and the API store, ``meta.E025``);
the label is a translation in the field's context ``<DocType>:<fieldname>`` (a Translation
record, ``lowcode.admin.options``), so the label can change while the value stays.
"""

from __future__ import annotations

from typing import Any

from lowcode.exceptions import FieldError
from lowcode.i18n import _, field_contexts, translate_in_lang
from lowcode.meta.naming import fieldname_from_label

LABEL_LANG = "zh"


def label_context(doctype: str, fieldname: str) -> str:
    """The context an option label is written in: this one field of this DocType."""
    return f"{doctype}:{fieldname}"


def option_rows(doctype: str, fieldname: str, options: str | None) -> list[dict[str, str]]:
    """The rows of an options text: each value with the Chinese label shown for it today
    (from a Translation record or the apps' csv files), "" when it shows as typed."""
    rows = []
    for value in (options or "").split("\n"):
        value = value.strip()
        if not value:
            continue
        label = translate_in_lang(LABEL_LANG, value, *field_contexts(doctype, fieldname))
        rows.append({"value": value, "label": label if label != value else ""})
    return rows


def posted_rows(post: Any, prefix: str = "opt") -> list[dict[str, str]] | None:
    """Rows posted as ``<prefix>.<n>.value`` / ``<prefix>.<n>.label`` in their order, or None
    when the form sent none (an options textarea instead)."""
    found: dict[int, dict[str, str]] = {}
    for key in post:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == prefix and parts[1].isdigit():
            found.setdefault(int(parts[1]), {})[parts[2]] = str(post.get(key) or "").strip()
    if not found:
        return None
    return [
        {"value": row.get("value", ""), "label": row.get("label", "")}
        for _index, row in sorted(found.items())
    ]


def options_from_rows(rows: list[dict[str, str]]) -> tuple[str, dict[str, str], list[FieldError]]:
    """(options text, {value: label}, errors) for rows in their order.

    A row with a label and no value gets one made from the label (高意向 → ``gaoyi_xiang``,
    the way field names are made), so an administrator may type only Chinese; a blank row is
    skipped; a value written twice is refused, naming its row.
    """
    values: list[str] = []
    labels: dict[str, str] = {}
    errors: list[FieldError] = []
    taken = {r["value"] for r in rows if r.get("value")}
    for number, row in enumerate(rows, start=1):
        value, label = (row.get("value") or "").strip(), (row.get("label") or "").strip()
        if not value and not label:
            continue
        if not value:
            value = fieldname_from_label(label, taken)
            taken.add(value)
        if value in values:
            errors.append(
                FieldError(
                    "options",
                    "unique",
                    _("Option {row}: the value {value} is already used", row=number, value=value),
                )
            )
            continue
        values.append(value)
        labels[value] = label
    return "\n".join(values), labels, errors
