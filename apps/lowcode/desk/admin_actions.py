"""System Manager writes from the desk: Customize Form, role permissions, users.

Customisations are records of the engine's own DocTypes (Custom Field, Property Setter,
Custom DocPerm), written through ``lowcode.documents.actions`` so their controllers check
them and bump the metadata generation: every process sees a change on its next request.
Users, roles and API keys go through ``lowcode.users``. Each action is one transaction.
"""

from __future__ import annotations

import json
import re
import secrets
import string

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from lowcode import context, users
from lowcode.desk.lib import customize, nav
from lowcode.desk.lib import users as users_lib
from lowcode.documents.actions import do_delete_doc, do_insert_doc, do_save_doc
from lowcode.exceptions import DoesNotExistError, FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.doctype import PERM_VERBS, SCOPES
from lowcode.query import reads

CUSTOM_DOCPERM = "Custom DocPerm"
SYSTEM_MANAGER = "System Manager"
PASSWORD_LENGTH = 14
USERNAME_RE = re.compile(r"^[\w.@+-]+$")
MAX_PERMLEVEL = 9


def _customizable(doctype: str) -> registry.DocTypeMeta:
    if doctype not in customize.customizable_doctypes():
        raise DoesNotExistError(_("DocType {doctype} cannot be customised", doctype=doctype))
    return registry.get_meta(doctype)


def _setters(user: str, doctype: str) -> list[dict]:
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
    nav.require_system_manager(user)
    meta = _customizable(doctype)
    data = _custom_field_data(meta, values, is_new=True)
    errors = customize.check_custom_field(meta, data, is_new=True)
    if errors:
        raise ValidationError(_("The field was not added"), errors)
    return do_insert_doc(user, customize.CUSTOM_FIELD, {"dt": doctype, **data})


@transaction.atomic
def do_update_custom_field(user: str, doctype: str, fieldname: str, values: dict):
    """Change a Custom Field; a new insert_after also moves it in a saved field order."""
    nav.require_system_manager(user)
    meta = _customizable(doctype)
    field = meta.get_field(fieldname)
    if field is None or not field.is_custom:
        raise DoesNotExistError(
            _("Field {field} does not exist in {doctype}", field=fieldname, doctype=doctype)
        )
    data = _custom_field_data(meta, values, is_new=False)
    errors = customize.check_custom_field(meta, {**data, "fieldname": fieldname}, is_new=False)
    if data.get("insert_after") == fieldname:
        errors.append(
            FieldError("insert_after", "exists", _("A field cannot be placed after itself"))
        )
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
    nav.require_system_manager(user)
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
    nav.require_system_manager(user)
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
    existing = {s["property"]: s for s in _setters(user, doctype) if s["field_name"] == fieldname}
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
    nav.require_system_manager(user)
    _customizable(doctype)
    for setter in _setters(user, doctype):
        if setter["field_name"] == fieldname:
            do_delete_doc(user, customize.PROPERTY_SETTER, setter["name"])


def _save_field_order(user: str, doctype: str, order: list[str], *, only_if_saved=False) -> None:
    setter = next(
        (
            s
            for s in _setters(user, doctype)
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
    nav.require_system_manager(user)
    meta = _customizable(doctype)
    full = customize.complete_order(meta, order)
    if full != [f.fieldname for f in meta.fields]:
        _save_field_order(user, doctype, full)


@transaction.atomic
def do_move_field(user: str, doctype: str, fieldname: str, direction: str) -> None:
    """Move one field a place up or down."""
    nav.require_system_manager(user)
    meta = _customizable(doctype)
    order = [f.fieldname for f in meta.fields]
    if fieldname not in order or direction not in ("up", "down"):
        raise DoesNotExistError(
            _("Field {field} does not exist in {doctype}", field=fieldname, doctype=doctype)
        )
    do_set_field_order(user, doctype, customize.moved(order, fieldname, direction))


@transaction.atomic
def do_reset_field_order(user: str, doctype: str) -> None:
    nav.require_system_manager(user)
    _customizable(doctype)
    for setter in _setters(user, doctype):
        if not setter["field_name"] and setter["property"] == customize.FIELD_ORDER:
            do_delete_doc(user, customize.PROPERTY_SETTER, setter["name"])


# --------------------------------------------------------------------------- role permissions


def _custom_docperm_names(user: str, doctype: str) -> list[str]:
    rows = reads.get_list(
        user,
        CUSTOM_DOCPERM,
        fields=["name"],
        filters=[["parent_doctype", "=", doctype]],
        limit=10_000,
    )
    return [r["name"] for r in rows]


def check_docperm_rows(doctype: str, rows: list[dict], roles: set[str]) -> list[FieldError]:
    """Problems of a permission matrix, each against its row (``rows.<i>``)."""
    errors = []
    seen: set[tuple[str, int]] = set()
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
        key = (row["role"], row["permlevel"])
        if key in seen:
            errors.append(
                FieldError(
                    where,
                    "unique",
                    _(
                        "{role} has two rows at level {level}",
                        role=_(row["role"]),
                        level=row["permlevel"],
                    ),
                )
            )
        seen.add(key)
    standard = registry.base_definitions()[doctype].permissions
    had_admin = any(
        p.role == SYSTEM_MANAGER and p.permlevel == 0 and "read" in p.verbs for p in standard
    )
    keeps_admin = any(
        r["role"] == SYSTEM_MANAGER and r["permlevel"] == 0 and "read" in r["verbs"] for r in rows
    )
    if had_admin and not keeps_admin:
        errors.append(
            FieldError(
                "rows",
                "system_manager",
                _(
                    "System Manager must keep read permission at level 0, or no administrator could open {doctype} or restore its permissions",
                    doctype=_(doctype),
                ),
            )
        )
    return errors


@transaction.atomic
def do_save_docperms(user: str, doctype: str, rows: list[dict]) -> None:
    """Replace the DocType's permission rules by ``rows`` (Custom DocPerm records), all or none.

    Each row: ``{"role", "permlevel", "scope", "verbs": set}``.
    """
    nav.require_system_manager(user)
    _customizable(doctype)
    errors = check_docperm_rows(doctype, rows, set(users_lib.role_names(user)))
    if errors:
        raise ValidationError(_("The permissions were not saved"), errors)
    for name in _custom_docperm_names(user, doctype):
        do_delete_doc(user, CUSTOM_DOCPERM, name)
    for row in rows:  # inserted in the matrix's order, which their creation keeps
        data = {
            "parent_doctype": doctype,
            "role": row["role"],
            "permlevel": row["permlevel"],
            "scope": row["scope"],
        }
        for verb in PERM_VERBS:
            data[registry.PERM_COLUMNS.get(verb, verb)] = int(verb in row["verbs"])
        do_insert_doc(user, CUSTOM_DOCPERM, data)
    context.forget("roles")


@transaction.atomic
def do_reset_docperms(user: str, doctype: str) -> int:
    """Delete the DocType's Custom DocPerms: its JSON rules apply again."""
    nav.require_system_manager(user)
    _customizable(doctype)
    names = _custom_docperm_names(user, doctype)
    for name in names:
        do_delete_doc(user, CUSTOM_DOCPERM, name)
    return len(names)


# --------------------------------------------------------------------------- users


def _profile_errors(user: str, values: dict) -> list[FieldError]:
    errors = []
    email = values.get("email") or ""
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors.append(
                FieldError(
                    "email", "email", _("{label} is not a valid email address", label=_("Email"))
                )
            )
    department = values.get("department") or ""
    if department and department not in users_lib.department_names(user):
        errors.append(
            FieldError(
                "department",
                "link",
                _("Department {department} does not exist", department=department),
            )
        )
    unknown = set(values.get("roles") or ()) - set(users_lib.assignable_roles(user))
    if unknown:
        errors.append(
            FieldError(
                "roles", "link", _("Role {role} does not exist", role=", ".join(sorted(unknown)))
            )
        )
    return errors


@transaction.atomic
def do_create_desk_user(user: str, values: dict):
    """Create a user with a password that passes the site's validators; all or nothing."""
    nav.require_system_manager(user)
    User = get_user_model()
    username = (values.get("username") or "").strip()
    errors = []
    if not username or len(username) > 140 or not USERNAME_RE.match(username):
        errors.append(
            FieldError(
                "username",
                "format",
                _("A user name is 1 to 140 letters, digits or the characters @ . + - _"),
            )
        )
    elif User.objects.filter(username=username).exists():
        errors.append(
            FieldError("username", "unique", _("User {user} already exists", user=username))
        )
    errors += _profile_errors(user, values)
    password = values.get("password") or ""
    if not password:
        errors.append(FieldError("password", "reqd", _("{field} is required", field=_("Password"))))
    else:
        errors += users.password_errors(
            password,
            username=username,
            full_name=(values.get("full_name") or "").strip(),
            email=values.get("email") or "",
        )
    if errors:
        raise ValidationError(_("The user was not created"), errors)
    created = users.do_create_user(
        username,
        password,
        full_name=(values.get("full_name") or "").strip(),
        email=values.get("email") or "",
        roles=list(values.get("roles") or ()),
        department=values.get("department") or "",
    )
    if not values.get("enabled", True):
        created.is_active = False
        created.save(update_fields=["is_active"])
    return created


@transaction.atomic
def do_update_desk_user(user: str, username: str, values: dict):
    """Change a user's name, email, department, roles and whether they may log in."""
    from lowcode.models import UserProfile

    nav.require_system_manager(user)
    account = users_lib.get_user(username)
    roles = set(values.get("roles") or ())
    enabled = bool(values.get("enabled"))
    errors = _profile_errors(user, values)
    if username == user and not enabled:
        errors.append(FieldError("enabled", "self", _("You cannot disable your own account")))
    if username == "Administrator" and not enabled:
        errors.append(FieldError("enabled", "self", _("Administrator cannot be disabled")))
    current = users_lib.roles_of(username)
    if username == user and SYSTEM_MANAGER in current and SYSTEM_MANAGER not in roles:
        errors.append(
            FieldError("roles", "self", _("You cannot take the System Manager role from yourself"))
        )
    if errors:
        raise ValidationError(_("The user was not saved"), errors)
    account.email = values.get("email") or ""
    account.is_active = enabled
    account.save(update_fields=["email", "is_active"])
    UserProfile.objects.update_or_create(
        user=account,
        defaults={
            "full_name": (values.get("full_name") or "").strip() or username,
            "department": values.get("department") or "",
        },
    )
    users.do_add_roles(username, sorted(roles - current))
    users.do_remove_roles(username, sorted(current - roles - {"Administrator"}))
    context.forget("user_department")
    return account


def generate_password() -> str:
    """A random password the site's validators accept (letters, digits and a symbol)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        body = "".join(secrets.choice(alphabet) for _i in range(PASSWORD_LENGTH - 1))
        password = body[:6] + secrets.choice("-_.!@#") + body[6:]
        if (
            any(c.isdigit() for c in password)
            and any(c.isupper() for c in password)
            and any(c.islower() for c in password)
        ):
            return password


@transaction.atomic
def do_reset_password(user: str, username: str) -> str:
    """Give the user a new random password (their sessions end); return it to show once."""
    nav.require_system_manager(user)
    account = users_lib.get_user(username)
    password = generate_password()
    password_validation.validate_password(password, account)
    account.set_password(password)
    account.save(update_fields=["password"])
    return password


def do_generate_api_key(user: str, username: str) -> tuple[str, str]:
    """A new key pair for the user (the old one is revoked); the secret is shown once."""
    nav.require_system_manager(user)
    users_lib.get_user(username)
    return users.do_generate_api_key(username)


def do_revoke_api_keys(user: str, username: str) -> int:
    nav.require_system_manager(user)
    users_lib.get_user(username)
    return users.do_revoke_api_keys(username)
