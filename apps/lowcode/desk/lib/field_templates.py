"""Which template draws a form field: one per field type under ``templates/desk/fields/``.

``desk/field.html`` draws what every field shares (the box, label, hint and errors) and includes
the field type's own template: ``fields/<widget>.html`` to edit, ``fields/read/<widget>.html``
when the field is locked. A new widget is a template plus one row here.

A widget names its input ``{{ fname }}`` and its ids ``in-{{ fid }}`` (``err-``, ``dl-``, ``lt-``),
never ``f.fieldname``: ``field.html`` sets them, and a grid row's editor (``row_editor.html``)
draws the same templates for a child row, where they are ``items.3.uom`` / ``row-items-3-uom``.
Values, states and errors are still looked up by ``f.fieldname``.
"""

from __future__ import annotations

from lowcode.desk.lib.phones import is_phone_field
from lowcode.meta import fieldtypes, pickers
from lowcode.meta.doctype import DocField

# Field type -> editing widget; a type not listed is a one-line <input> (``fields/input.html``).
EDIT_WIDGETS: dict[str, str] = {
    **dict.fromkeys(fieldtypes.TABLE_TYPES, "table"),
    "Check": "check",
    "Select": "select",
    "Link": "link",
    **dict.fromkeys(("Text", "Small Text", "Long Text", "Text Editor", "Code"), "text"),
    "JSON": "json",
    "Attach": "attach",
    "Attach Image": "attach_image",
    "Signature": "signature",
    "Geolocation": "geolocation",
    "Rating": "rating",
    "Phone": "phone",
    "Password": "password",
}
DEFAULT_EDIT_WIDGET = "input"

# Field type -> locked display; a type not listed shows its value as text (``fields/read/value.html``).
READ_WIDGETS: dict[str, str] = {
    "Link": "link",
    "Attach": "attach",
    "Attach Image": "attach_image",
    "Signature": "signature",
    "Phone": "phone",
    "Password": "password",
}
DEFAULT_READ_WIDGET = "value"

# Widgets that draw their own label (a table's legend, a checkbox's label after the box).
OWN_LABEL = frozenset({"table", "check"})


def edit_template(field: DocField) -> str:
    """The template that edits ``field``: its picker's when it declares one (meta.pickers)."""
    picker = pickers.picker_of(field)
    if picker is not None and picker.kind in pickers.KINDS:
        built = {
            "condition": "field_condition",
            "filters": "field_filters",
            "field_list": "field_list",
        }
        return f"desk/pickers/{built.get(picker.kind, 'field_picker')}.html"
    return f"desk/fields/{EDIT_WIDGETS.get(_widget_type(field), DEFAULT_EDIT_WIDGET)}.html"


def read_template(field: DocField) -> str:
    """The template that shows a locked ``field``'s value."""
    return f"desk/fields/read/{READ_WIDGETS.get(_widget_type(field), DEFAULT_READ_WIDGET)}.html"


def _widget_type(field: DocField) -> str:
    """The field type that picks the widget: Data with options Phone is a Phone (Frappe's contract)."""
    return "Phone" if is_phone_field(field) else field.fieldtype


def draws_own_label(field: DocField) -> bool:
    """Whether the field's widget draws its label itself (field.html then draws none)."""
    return EDIT_WIDGETS.get(field.fieldtype, DEFAULT_EDIT_WIDGET) in OWN_LABEL
