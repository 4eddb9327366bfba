"""Customisation rules (read-only): which DocTypes may be customised, which properties of a
field, and the checks that answer in the admin's language before the engine's own checks run.

The admin actions (``lowcode.admin.customize``) and the desk's Customize Form share them."""

from __future__ import annotations

import keyword

from lowcode.exceptions import FieldError
from lowcode.expressions import ExpressionError, compile_condition
from lowcode.i18n import _
from lowcode.meta import fieldtypes, registry
from lowcode.meta.checks import FIELDNAME_RE, reserved_fieldnames
from lowcode.meta.doctype import DocField, DocTypeMeta
from lowcode.meta.naming import fieldname_from_label

CUSTOM_FIELD = "Custom Field"
PROPERTY_SETTER = "Property Setter"
BREAK_TYPES = ("Section Break", "Column Break", "Tab Break")
# Standard-field properties Customize Form edits (each a Property Setter when changed).
FIELD_PROPERTIES = (
    "label",
    "options",
    "reqd",
    "hidden",
    "read_only",
    "in_list_view",
    "in_standard_filter",
    "depends_on",
    "mandatory_depends_on",
    "default",
    "description",
)
# The ones a layout break has: a Section Break may be shown on a condition.
BREAK_PROPERTIES = ("label", "depends_on", "description")
FLAG_PROPERTIES = frozenset(
    {"reqd", "hidden", "read_only", "in_list_view", "in_standard_filter", "unique"}
)
# Frappe's property_type: the DocField field type of the property itself.
PROPERTY_TYPES = {
    "label": "Data",
    "options": "Small Text",
    "default": "Text",
    "description": "Small Text",
    "depends_on": "Code",
    "mandatory_depends_on": "Code",
}
# Custom Field columns the add / edit forms post (the Custom Field DocType's own names).
CUSTOM_FIELD_INPUTS = (
    "label",
    "fieldname",
    "fieldtype",
    "options",
    "insert_after",
    "reqd",
    "in_list_view",
    "in_standard_filter",
    "read_only",
    "hidden",
    "depends_on",
    "mandatory_depends_on",
    "default",
    "description",
)
FIELD_ORDER = "field_order"


def customizable_doctypes() -> list[str]:
    """Non-child DocTypes whose JSON allows customisation, by name."""
    definitions = registry.base_definitions()
    return [
        name
        for name in registry.doctype_names()
        if definitions[name].allow_customize and not definitions[name].istable
    ]


def custom_field_types() -> list[str]:
    """The field types the Custom Field DocType accepts (its Select, not a copy)."""
    field = registry.base_definitions()[CUSTOM_FIELD].get_field("fieldtype")
    return [t for t in (field.select_options if field else []) if t]


def standard_field(doctype: str, fieldname: str) -> DocField | None:
    """The field as the JSON defines it, before any Property Setter."""
    return registry.base_definitions()[doctype].get_field(fieldname)


def custom_field_name(doctype: str, fieldname: str) -> str:
    """The Custom Field record's name (its autoname is ``{dt}-{fieldname}``)."""
    return f"{doctype}-{fieldname}"


def property_value(field: DocField, prop: str) -> str:
    """A field property as a Property Setter stores it (text; flags as 0/1)."""
    value = getattr(field, prop, None)
    if prop in FLAG_PROPERTIES:
        return "1" if value else "0"
    return "" if value is None else str(value)


def editable_properties(field: DocField) -> tuple[str, ...]:
    if field.fieldtype in BREAK_TYPES:
        return BREAK_PROPERTIES
    props: tuple[str, ...] = FIELD_PROPERTIES
    if field.fieldtype != "Select":
        props = tuple(p for p in props if p != "options")  # a Link's target is the schema's
    return props


def suggest_fieldname(meta: DocTypeMeta, label: str, fieldtype: str) -> str:
    """Frappe's ``custom_`` + the label as a fieldname (pinyin for Chinese: 行业细分 →
    ``custom_hangye_xifen``); breaks are numbered (``custom_section_1``)."""
    taken = {f.fieldname for f in meta.fields}
    if fieldtype not in BREAK_TYPES:
        return fieldname_from_label(label, taken, prefix="custom_")
    base = "custom_" + fieldtype.split()[0].lower()
    number = 1
    while f"{base}_{number}" in taken:
        number += 1
    return f"{base}_{number}"


def _error(fieldname: str, rule: str, message: str) -> FieldError:
    return FieldError(fieldname, rule, message)


def _condition_errors(values: dict) -> list[FieldError]:
    errors = []
    for key in ("depends_on", "mandatory_depends_on"):
        source = (values.get(key) or "").strip()
        if not source:
            continue
        try:
            compile_condition(source)
        except ExpressionError:
            errors.append(
                _error(
                    key,
                    "expression",
                    _(
                        "Condition {condition} is not valid: write e.g. eval:doc.status=='Open'",
                        condition=source,
                    ),
                )
            )
    return errors


def _options_errors(fieldtype: str, values: dict) -> list[FieldError]:
    options = (values.get("options") or "").strip()
    errors = []
    if fieldtype == "Select":
        choices = [c.strip() for c in (values.get("options") or "").split("\n")]
        if not options:
            errors.append(
                _error("options", "reqd", _("A Select field needs options, one per line"))
            )
        default = values.get("default")
        if default not in (None, "") and str(default) not in choices:
            errors.append(
                _error(
                    "default",
                    "options",
                    _("Default {default} is not one of the options", default=default),
                )
            )
    elif fieldtype == "Link" and not registry.exists(options) and options not in ("User",):
        errors.append(
            _error("options", "link", _("A Link field's options must name an existing DocType"))
        )
    return errors


def check_custom_field(meta: DocTypeMeta, values: dict, *, is_new: bool) -> list[FieldError]:
    """Every problem of a Custom Field the admin is adding or editing, in their language."""
    errors: list[FieldError] = []
    fieldtype = values.get("fieldtype") or ""
    fieldname = values.get("fieldname") or ""
    if fieldtype not in custom_field_types():
        errors.append(
            _error("fieldtype", "options", _("Unknown field type {fieldtype}", fieldtype=fieldtype))
        )
    if fieldtype not in BREAK_TYPES and not (values.get("label") or "").strip():
        errors.append(_error("label", "reqd", _("{field} is required", field=_("Label"))))
    if is_new:
        if not FIELDNAME_RE.match(fieldname) or keyword.iskeyword(fieldname):
            errors.append(
                _error(
                    "fieldname",
                    "format",
                    _(
                        "Field name {fieldname} is not valid: use lower-case letters, digits and underscores, starting with a letter",
                        fieldname=fieldname,
                    ),
                )
            )
        elif fieldname in reserved_fieldnames():
            errors.append(
                _error(
                    "fieldname",
                    "reserved",
                    _("Field name {fieldname} is reserved; choose another", fieldname=fieldname),
                )
            )
        elif meta.has_field(fieldname):
            errors.append(
                _error(
                    "fieldname",
                    "unique",
                    _(
                        "{doctype} already has a field named {fieldname}",
                        doctype=_(meta.name),
                        fieldname=fieldname,
                    ),
                )
            )
    anchor = values.get("insert_after") or ""
    if anchor and not meta.has_field(anchor):
        errors.append(
            _error(
                "insert_after",
                "exists",
                _("Field {field} does not exist in {doctype}", field=anchor, doctype=meta.name),
            )
        )
    errors += _options_errors(fieldtype, values)
    errors += _condition_errors(values)
    return errors


def check_field_properties(field: DocField, values: dict) -> list[FieldError]:
    """Problems of new property values for a standard field."""
    errors: list[FieldError] = []
    if "label" in values and field.fieldtype not in BREAK_TYPES and not values["label"].strip():
        errors.append(_error("label", "reqd", _("{field} is required", field=_("Label"))))
    if field.fieldtype == "Select":
        merged = {
            "options": values.get("options", field.options),
            "default": values.get("default", field.default),
        }
        errors += _options_errors("Select", merged)
    errors += _condition_errors(values)
    return errors


def moved(order: list[str], fieldname: str, direction: str) -> list[str]:
    """``order`` with ``fieldname`` one place up or down (unchanged at either end)."""
    order = list(order)
    i = order.index(fieldname)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return order


def complete_order(meta: DocTypeMeta, order: list[str]) -> list[str]:
    """A posted order restricted to the DocType's fields, with any it left out kept in place."""
    names = [f.fieldname for f in meta.fields]
    known = [n for n in dict.fromkeys(order) if n in names]
    if len(known) == len(names):
        return known
    listed = set(known)
    result = list(known)
    for i, name in enumerate(names):
        if name in listed:
            continue
        before = names[i - 1] if i else None
        result.insert(result.index(before) + 1 if before in result else 0, name)
    return result


def holds_value(fieldtype: str) -> bool:
    return fieldtypes.holds_value(fieldtype)
