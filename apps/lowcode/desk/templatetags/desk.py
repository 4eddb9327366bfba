"""Template helpers: translation (``{% t "Text" %}``) and field rendering."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html

from lowcode.i18n import _, field_label, option_label, pgettext

register = template.Library()


@register.simple_tag
def t(text: str, /, **params: Any) -> str:
    """Translate a literal in a template; the i18n test reads these like ``_()`` calls."""
    return _(text, **params)


@register.filter
def tr(value: Any) -> str:
    """Translate a value computed at run time (a label, an option, a DocType name)."""
    return _(str(value)) if value not in (None, "") else ""


@register.filter
def tr_each(value: Any) -> str:
    """Translate each item of a comma-separated list (roles a transition routes to)."""
    if value in (None, ""):
        return ""
    return ", ".join(_(part.strip()) for part in str(value).split(",") if part.strip())


@register.filter
def tr_option(value: Any, field: Any) -> str:
    """Translate a Select option as worded for its field (``"0"`` is 0% as a tax rate).

    ``field`` is the DocField (its DocType's context first) or a bare fieldname.
    """
    if value in (None, ""):
        return ""
    if isinstance(field, str):
        return pgettext(field, str(value))
    if isinstance(field, dict):  # a dialog field declared in hooks.py
        return pgettext(str(field.get("fieldname") or ""), str(value))
    return option_label(field, value)


@register.filter
def label_tr(field: Any) -> str:
    """A DocField's label as worded in its DocType (a dict or a plain string: as ``tr``)."""
    if hasattr(field, "fieldname") and hasattr(field, "label"):
        return field_label(field)
    if isinstance(field, dict):
        return _(str(field.get("label") or field.get("fieldname") or ""))
    return tr(field)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.filter
def display(value: Any, field: Any = "") -> str:
    """A value as the list and timeline show it; ``field`` is a DocField or a field type."""
    if value in (None, ""):
        return ""
    fieldtype = field if isinstance(field, str) else getattr(field, "fieldtype", "")
    if fieldtype == "Check":
        return "✓" if int(value or 0) else ""
    if fieldtype in ("Select",):
        return _(str(value)) if isinstance(field, str) else option_label(field, value)
    if fieldtype == "Datetime" and isinstance(value, str):
        return value[:16]
    if fieldtype in ("Currency", "Float") and isinstance(value, int | float):
        return f"{value:,.2f}"
    if fieldtype == "Percent" and isinstance(value, int | float):
        return f"{value:g}%"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:80]
    return str(value)


@register.filter
def tel(value: Any) -> str:
    """A phone number as a link that dials it: ``<a class="tel" href="tel:+86…">value</a>``.

    Empty stays empty; a value with no digits is shown as plain (escaped) text.
    """
    from lowcode.desk.lib.phones import tel_href

    if value in (None, ""):
        return ""
    href = tel_href(value)
    if not href:
        return conditional_escape(str(value))
    return format_html('<a class="tel" href="{}">{}</a>', href, str(value))


@register.filter
def tel_href(value: Any) -> str:
    """The bare ``tel:`` URI of a phone number ("" when there is nothing to dial)."""
    from lowcode.desk.lib.phones import tel_href as href

    return href(value)


@register.filter
def is_phone(field: Any) -> bool:
    """Whether a DocField holds a phone number (type Phone, or Data with options Phone)."""
    from lowcode.desk.lib.phones import is_phone_field

    return is_phone_field(field)


@register.simple_tag
def indicator(pair: Any) -> str:
    if not pair:
        return ""
    colour, value = pair
    return format_html('<span class="pill pill-{}">{}</span>', colour, _(value))


@register.filter
def input_value(value: Any, fieldtype: str = "") -> str:
    """A stored value as an HTML input wants it (datetime-local, JSON text …)."""
    if value is None:
        return ""
    if fieldtype == "Datetime" and isinstance(value, str):
        return value[:16].replace(" ", "T")
    if fieldtype == "Time" and isinstance(value, str):
        return value[:8]
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@register.filter
def urlencode_dict(params: Any) -> str:
    from urllib.parse import urlencode

    return urlencode(params or {})


@register.filter
def input_type(field: Any) -> str:
    from lowcode.desk.lib.form import input_type as html_input_type

    return html_input_type(field)


@register.filter
def input_step(field: Any) -> str:
    from lowcode.desk.lib.form import step

    return step(field)


@register.filter
def field_template(field: Any, mode: str = "edit") -> str:
    """The field type's own template (desk/lib/field_templates.py): ``"edit"`` or ``"read"``."""
    from lowcode.desk.lib import field_templates

    if mode == "read":
        return field_templates.read_template(field)
    return field_templates.edit_template(field)


@register.filter
def draws_own_label(field: Any) -> bool:
    from lowcode.desk.lib.field_templates import draws_own_label as own_label

    return own_label(field)


_ROW_KEYS = frozenset({"name", "owner", "creation", "modified", "modified_by", "docstatus", "idx"})


@register.filter
def unlisted_values(row: Any, columns: Any) -> list[tuple[str, str]]:
    """A new child row's values outside the grid's columns (a mapping filled them), as
    (fieldname, input value) pairs the grid posts in hidden inputs so that they are saved."""
    if not isinstance(row, dict):
        return []
    shown = {c.fieldname for c in columns or ()}
    return [
        (key, input_value(value))
        for key, value in row.items()
        if key not in shown
        and key not in _ROW_KEYS
        and key not in ("doctype", "parent", "parentfield", "parenttype")
        and not key.startswith("__")
        and value not in (None, "")
        and not isinstance(value, dict | list)
    ]


@register.filter
def cf_sections(rows: list[dict]) -> list[dict]:
    """Customize Form's field rows with a head before each section (a phone folds them).

    Each item is ``{"head": {...}}`` (the section's number, label, how many fields, its last
    field for "add a field here") or ``{"row": row, "section": n, "first": .., "last": ..}``.
    Fields before the first Section Break form the first section.
    """
    items: list[dict] = []
    heads: list[dict] = []
    for position, row in enumerate(rows):
        field = row["field"]
        starts = field.fieldtype in ("Section Break", "Tab Break")
        if starts or not heads:
            label = field_label(field) if starts and field.label else ""
            heads.append(
                {"index": len(heads), "label": label or _("Section {n}", n=len(heads) + 1),
                 "count": 0, "last": field.fieldname}
            )  # fmt: skip
            items.append({"head": heads[-1]})
        head = heads[-1]
        if field.fieldtype not in ("Section Break", "Tab Break", "Column Break"):
            head["count"] += 1
        head["last"] = field.fieldname
        items.append(
            {"row": row, "section": head["index"], "first": position == 0,
             "last": position == len(rows) - 1}
        )  # fmt: skip
    return items


@register.simple_tag(takes_context=True)
def row_editor(context: Any, table: Any, row: Any, index: Any, columns: Any) -> dict:
    """The detail editor of one grid row (desk/lib/form.row_editor) for ``row_editor.html``."""
    from lowcode.desk.lib.form import row_editor as editor

    request = context.get("request")
    user = getattr(request, "frappe_user", "") if request is not None else ""
    return editor(table, row, index, list(columns or ()), user)
