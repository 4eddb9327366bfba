"""Customisation writes (System Manager): custom fields, field properties, field order.

Customisations are records of the engine's own DocTypes (Custom Field, Property Setter),
written through ``lowcode.documents.actions`` so their controllers check them and bump the
metadata generation: every process sees a change on its next request. Each action is one
transaction, guarded by ``permissions.core.require_system_manager``; the desk's Customize
Form and ``/api/method/lowcode.admin.*`` call them alike.
"""

from __future__ import annotations

import json

from django.db import transaction

from lowcode.documents.actions import do_delete_doc, do_insert_doc, do_save_doc
from lowcode.exceptions import DoesNotExistError, ValidationError
from lowcode.i18n import _
from lowcode.meta import customize, registry
from lowcode.permissions.core import require_system_manager
from lowcode.query import reads


def _customizable(doctype: str) -> registry.DocTypeMeta:
    if doctype not in customize.customizable_doctypes():
        raise DoesNotExistError(_("DocType {doctype} cannot be customised", doctype=doctype))
    return registry.get_meta(doctype)


def property_setters(user: str, doctype: str) -> list[dict]:
    return reads.get_list(
        user,
        customize.PROPERTY_SETTER,
        fields=["name", "field_name", "property", "value"],
        filters=[["doc_type", "=", doctype]],
        limit=10_000,
    )


# --------------------------------------------------------------------------- Customize Form


def _custom_field_data(meta, values: dict, *, is_new: bool) -> dict:
    data = {k: values[k] for k in customize.CUSTOM_FIELD_INPUTS if k in values}
    for key in customize.FLAG_PROPERTIES & data.keys():
        data[key] = 1 if str(data[key]) in ("1", "on", "true") else 0
    for key in ("label", "fieldname", "options", "depends_on", "mandatory_depends_on"):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip()
    if isinstance(data.get("options"), str):
        data["options"] = "\n".join(line.strip() for line in data["options"].splitlines())
    if is_new and not data.get("fieldname"):
        data["fieldname"] = customize.suggest_fieldname(
            meta, data.get("label") or "", data.get("fieldtype") or ""
        )
    if not is_new:
        data.pop("fieldname", None)
    return data


@transaction.atomic
def do_add_custom_field(user: str, doctype: str, values: dict):
    """Add a Custom Field (or a Section / Column Break) to a customisable DocType."""
    require_system_manager(user)
    meta = _customizable(doctype)
    data = _custom_field_data(meta, values, is_new=True)
    errors = customize.check_custom_field(meta, data, is_new=True)
    if errors:
        raise ValidationError(_("The field was not added"), errors)
    return do_insert_doc(user, customize.CUSTOM_FIELD, {"dt": doctype, **data})


@transaction.atomic
def do_update_custom_field(user: str, doctype: str, fieldname: str, values: dict):
    """Change a Custom Field; a new insert_after also moves it in a saved field order."""
    require_system_manager(user)
    meta = _customizable(doctype)
    field = meta.get_field(fieldname)
    if field is None or not field.is_custom:
        raise DoesNotExistError(
            _("Field {field} does not exist in {doctype}", field=fieldname, doctype=doctype)
        )
    data = _custom_field_data(meta, values, is_new=False)
    errors = customize.check_custom_field(meta, {**data, "fieldname": fieldname}, is_new=False)
    if errors:
        raise ValidationError(_("The field was not saved"), errors)
    anchor = data.get("insert_after")
    doc = do_save_doc(
        user, customize.CUSTOM_FIELD, customize.custom_field_name(doctype, fieldname), data
    )
    if anchor is not None and anchor != (field.raw.get("insert_after") or ""):
        order = [f.fieldname for f in meta.fields if f.fieldname != fieldname]
        at = order.index(anchor) + 1 if anchor in order else len(order)
        order.insert(at, fieldname)
        _save_field_order(user, doctype, order, only_if_saved=True)
    return doc


@transaction.atomic
def do_delete_custom_field(user: str, doctype: str, fieldname: str) -> None:
    """Delete a Custom Field; the values stored in documents stay in ``_custom``, unseen."""
    require_system_manager(user)
    meta = _customizable(doctype)
    field = meta.get_field(fieldname)
    if field is None or not field.is_custom:
        raise DoesNotExistError(
            _("Field {field} does not exist in {doctype}", field=fieldname, doctype=doctype)
        )
    do_delete_doc(user, customize.CUSTOM_FIELD, customize.custom_field_name(doctype, fieldname))
    order = [f.fieldname for f in meta.fields if f.fieldname != fieldname]
    _save_field_order(user, doctype, order, only_if_saved=True)


@transaction.atomic
def do_set_field_properties(user: str, doctype: str, fieldname: str, values: dict) -> int:
    """Write the standard field's changed properties as Property Setters (Frappe's shape);
    a property set back to the JSON's value loses its setter. Return how many changed."""
    require_system_manager(user)
    meta = _customizable(doctype)
    field = meta.get_field(fieldname)
    standard = customize.standard_field(doctype, fieldname)
    if field is None or field.is_custom or standard is None:
        raise DoesNotExistError(
            _("Field {field} does not exist in {doctype}", field=fieldname, doctype=doctype)
        )
    wanted = {}
    for prop in customize.editable_properties(field):
        if prop in customize.FLAG_PROPERTIES:
            wanted[prop] = "1" if str(values.get(prop, "0")) in ("1", "on", "true") else "0"
        elif prop in values:
            text = str(values[prop] or "")
            if prop == "options":
                text = "\n".join(line.strip() for line in text.strip().splitlines())
            wanted[prop] = text.strip() if prop != "options" else text
    errors = customize.check_field_properties(field, wanted)
    if errors:
        raise ValidationError(_("The field was not saved"), errors)
    existing = {
        s["property"]: s for s in property_setters(user, doctype) if s["field_name"] == fieldname
    }
    changed = 0
    for prop, value in wanted.items():
        setter = existing.get(prop)
        if value == customize.property_value(standard, prop):
            if setter is not None:
                do_delete_doc(user, customize.PROPERTY_SETTER, setter["name"])
                changed += 1
        elif setter is None:
            do_insert_doc(
                user,
                customize.PROPERTY_SETTER,
                {
                    "doc_type": doctype,
                    "field_name": fieldname,
                    "property": prop,
                    "value": value,
                    "property_type": customize.PROPERTY_TYPES.get(prop, "Check"),
                },
            )
            changed += 1
        elif (setter["value"] or "") != value:
            do_save_doc(user, customize.PROPERTY_SETTER, setter["name"], {"value": value})
            changed += 1
    return changed


@transaction.atomic
def do_reset_field(user: str, doctype: str, fieldname: str) -> None:
    """Drop every Property Setter of one standard field: it is as the JSON defines it again."""
    require_system_manager(user)
    _customizable(doctype)
    for setter in property_setters(user, doctype):
        if setter["field_name"] == fieldname:
            do_delete_doc(user, customize.PROPERTY_SETTER, setter["name"])


def _save_field_order(user: str, doctype: str, order: list[str], *, only_if_saved=False) -> None:
    setter = next(
        (
            s
            for s in property_setters(user, doctype)
            if not s["field_name"] and s["property"] == customize.FIELD_ORDER
        ),
        None,
    )
    value = json.dumps(order)
    if setter is None:
        if only_if_saved:
            return  # no saved order: insert_after alone places custom fields
        do_insert_doc(
            user,
            customize.PROPERTY_SETTER,
            {
                "doc_type": doctype,
                "property": customize.FIELD_ORDER,
                "value": value,
                "property_type": "Data",
            },
        )
    elif setter["value"] != value:
        do_save_doc(user, customize.PROPERTY_SETTER, setter["name"], {"value": value})


@transaction.atomic
def do_set_field_order(user: str, doctype: str, order: list[str]) -> None:
    """Save the form's field order (Frappe's ``field_order`` Property Setter on the DocType)."""
    require_system_manager(user)
    meta = _customizable(doctype)
    full = customize.complete_order(meta, order)
    if full != [f.fieldname for f in meta.fields]:
        _save_field_order(user, doctype, full)


@transaction.atomic
def do_move_field(user: str, doctype: str, fieldname: str, direction: str) -> None:
    """Move one field a place up or down."""
    require_system_manager(user)
    meta = _customizable(doctype)
    order = [f.fieldname for f in meta.fields]
    if fieldname not in order or direction not in ("up", "down"):
        raise DoesNotExistError(
            _("Field {field} does not exist in {doctype}", field=fieldname, doctype=doctype)
        )
    do_set_field_order(user, doctype, customize.moved(order, fieldname, direction))


@transaction.atomic
def do_reset_field_order(user: str, doctype: str) -> None:
    require_system_manager(user)
    _customizable(doctype)
    for setter in property_setters(user, doctype):
        if not setter["field_name"] and setter["property"] == customize.FIELD_ORDER:
            do_delete_doc(user, customize.PROPERTY_SETTER, setter["name"])
