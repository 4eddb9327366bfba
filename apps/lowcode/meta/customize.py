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
from lowcode.meta.doctype import PERM_VERBS, SCOPES, DocField, DocTypeMeta
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
CUSTOM_DOCPERM = "Custom DocPerm"
MAX_PERMLEVEL = 9
# The DocTypes whose records are customisations: every write of them, from any route,
# meets the checks below (their controllers call them), as the admin actions do.
SYSTEM_MANAGER = "System Manager"


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
    for key in ("depends_on", "mandatory_depends_on", "read_only_depends_on"):
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
            _error(
                "options",
                "link",
                _(
                    "{target} is not a DocType: a Link field's options must name an existing DocType",
                    target=options,
                ),
            )
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
    if anchor and anchor == fieldname:
        errors.append(
            FieldError("insert_after", "exists", _("A field cannot be placed after itself"))
        )
    elif anchor and not meta.has_field(anchor):
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


def setter_properties(field: DocField) -> tuple[str, ...]:
    """Properties a Property Setter may change on ``field`` (Customize Form offers a subset):
    a break has its layout ones; only a Select's or Link's options are a property (a Table's
    target or a Dynamic Link's source field is the schema's)."""
    if field.fieldtype in BREAK_TYPES:
        return BREAK_PROPERTIES
    return tuple(
        p
        for p in registry.FIELD_PROPERTIES
        if p != "options" or field.fieldtype in ("Select", "Link")
    )


def _as_value_errors(errors: list[FieldError]) -> list[FieldError]:
    # A setter stores one property in its "value": the problem is that value's.
    return [FieldError("value", e.rule, e.message) for e in errors]


def check_property_setter(
    doctype: str, field_name: str | None, prop: str, value: str | None
) -> list[FieldError]:
    """Every problem of one Property Setter record, field-named (``doc_type``, ``field_name``,
    ``property``, ``value``), in the admin's language."""
    if doctype not in customizable_doctypes():
        return [
            _error(
                "doc_type",
                "customizable",
                _("DocType {doctype} cannot be customised", doctype=doctype),
            )
        ]
    meta = registry.get_meta(doctype)
    text = "" if value is None else str(value)
    if not field_name:
        return _doctype_property_errors(meta, prop, text)
    field = meta.get_field(field_name)
    if field is None:
        return [
            _error(
                "field_name",
                "exists",
                _("Field {field} does not exist in {doctype}", field=field_name, doctype=doctype),
            )
        ]
    allowed = setter_properties(field)
    if prop not in allowed:
        return [_not_allowed(prop, allowed)]
    if prop == "permlevel":
        if not text.strip().isdigit() or not 0 <= int(text) <= MAX_PERMLEVEL:
            return [
                _error("value", "range", _("Level must be between 0 and {max}", max=MAX_PERMLEVEL))
            ]
        return []
    if prop == "length":
        if not text.strip().isdigit():
            return [_error("value", "number", _("{label} must be a whole number", label=prop))]
        return []
    if registry.FIELD_PROPERTIES[prop] is int and text not in ("0", "1"):
        return [_error("value", "check", _("{label} must be 0 or 1", label=prop))]
    if prop == "options" and field.fieldtype == "Link":
        return _as_value_errors(_options_errors("Link", {"options": text}))
    return _as_value_errors(check_field_properties(field, {prop: text}))


def _not_allowed(prop: str, allowed) -> FieldError:
    return _error(
        "property",
        "options",
        _(
            "Property {property} cannot be changed; allowed: {allowed}",
            property=prop,
            allowed=", ".join(sorted(allowed)),
        ),
    )


def _doctype_property_errors(meta: DocTypeMeta, prop: str, text: str) -> list[FieldError]:
    if prop not in registry.DOCTYPE_PROPERTIES:
        return [_not_allowed(prop, registry.DOCTYPE_PROPERTIES)]
    names = {f.fieldname for f in meta.data_fields} | {"name", "modified", "creation"}
    if prop == FIELD_ORDER and registry.parse_field_order(text) is None:
        return [_error("value", "format", _("field_order must be a JSON list of field names"))]
    wanted = []
    if prop in ("title_field", "sort_field") and text:
        wanted = [text]
    elif prop == "search_fields":
        wanted = [s.strip() for s in text.split(",") if s.strip()]
    missing = [n for n in wanted if n not in names]
    if missing:
        return [
            _error(
                "value",
                "exists",
                _("Field {field} does not exist in {doctype}", field=missing[0], doctype=meta.name),
            )
        ]
    if prop == "sort_order" and text.lower() not in ("asc", "desc"):
        return [_error("value", "options", _("Sort order must be asc or desc"))]
    if prop == "track_changes" and text not in ("0", "1"):
        return [_error("value", "check", _("{label} must be 0 or 1", label=prop))]
    return []


def check_docperm_rows(doctype: str, rows: list[dict], roles: set[str]) -> list[FieldError]:
    """Problems of a DocType's permission rules, each against its row (``rows.<i>``).

    A role may hold several rules at one level; two with the same scope say nothing the
    first does not, so the second is refused (merge its ticks into the first). Rule IDs:
    ``customizable``, ``link`` (role), ``range`` (level), ``options`` (scope), ``unique``,
    ``system_manager`` (the set as a whole).
    """
    if doctype not in customizable_doctypes():
        return [
            FieldError(
                "rows",
                "customizable",
                _("DocType {doctype} cannot be customised", doctype=doctype),
            )
        ]
    errors = []
    seen: set[tuple[str, int, str]] = set()
    for i, row in enumerate(rows):
        where = f"rows.{i}"
        if row["role"] not in roles:
            errors.append(
                FieldError(where, "link", _("Role {role} does not exist", role=row["role"]))
            )
        if not 0 <= row["permlevel"] <= MAX_PERMLEVEL:
            errors.append(
                FieldError(
                    where, "range", _("Level must be between 0 and {max}", max=MAX_PERMLEVEL)
                )
            )
        if row["scope"] not in SCOPES:
            errors.append(
                FieldError(where, "options", _("Unknown data scope {scope}", scope=row["scope"]))
            )
        key = (row["role"], row["permlevel"], row["scope"])
        if key in seen:
            errors.append(
                FieldError(
                    where,
                    "unique",
                    _(
                        "{role} has two rules with data scope {scope} at level {level}: put their rights in one row",
                        role=_(row["role"]),
                        scope=_(row["scope"]),
                        level=row["permlevel"],
                    ),
                )
            )
        seen.add(key)
    errors += check_docperm_admin(doctype, rows)
    return errors


def check_docperm_admin(doctype: str, rows: list[dict]) -> list[FieldError]:
    """A DocType whose JSON lets the System Manager read it keeps that in its stored rules
    (an empty set means the JSON rules apply)."""
    if not rows:
        return []
    standard = registry.base_definitions()[doctype].permissions
    had_admin = any(
        p.role == SYSTEM_MANAGER and p.permlevel == 0 and "read" in p.verbs for p in standard
    )
    keeps_admin = any(
        r["role"] == SYSTEM_MANAGER and r["permlevel"] == 0 and "read" in r["verbs"] for r in rows
    )
    if had_admin and not keeps_admin:
        return [
            FieldError(
                "rows",
                "system_manager",
                _(
                    "System Manager must keep read permission at level 0, or no administrator could open {doctype} or restore its permissions",
                    doctype=_(doctype),
                ),
            )
        ]
    return []


def docperm_row(record) -> dict:
    """A stored Custom DocPerm (a record or a dict of its columns) in the rules' row shape."""
    get = record.get if isinstance(record, dict) else lambda k: getattr(record, k, None)
    try:
        permlevel = int(get("permlevel") or 0)
    except (TypeError, ValueError):
        permlevel = -1
    return {
        "role": str(get("role") or ""),
        "permlevel": permlevel,
        "scope": str(get("scope") or "all"),
        "verbs": {v for v in PERM_VERBS if int(get(registry.PERM_COLUMNS.get(v, v)) or 0)},
    }


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
