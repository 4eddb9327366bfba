"""``/api/method/lowcode.admin.*``: the admin actions over REST (parse, call, answer).

The desk's admin screens call the same actions, so each rule (a System Manager only, "you
cannot disable yourself", "System Manager keeps read") holds on both routes.
"""

from __future__ import annotations

from typing import Any

from lowcode.admin import customize as customize_actions
from lowcode.admin import docperms
from lowcode.admin import users as admin_users
from lowcode.exceptions import DataError
from lowcode.i18n import _
from lowcode.meta import customize, registry
from lowcode.permissions.core import require_system_manager
from lowcode.query.builder import parse_json_param

USER_KEYS = ("username", "full_name", "email", "department", "roles", "enabled", "password")


def _flag(value: Any) -> bool:
    return str(value).strip().lower() not in ("0", "false", "no", "")


def _user_values(params: dict) -> dict:
    values = {k: params[k] for k in USER_KEYS if k in params}
    if "roles" in values:
        roles = parse_json_param(values["roles"], "roles") or []
        values["roles"] = [str(r) for r in roles] if isinstance(roles, list) else [str(roles)]
    if "enabled" in values:
        values["enabled"] = _flag(values["enabled"])
    return values


def create_user(request, user, **params) -> dict:
    """Create a user (System Manager): username, password, full_name, email, department,
    roles (a JSON list), enabled."""
    account = admin_users.do_create_user_account(user, _user_values(params))
    return admin_users.account_values(admin_users.get_user(account.username))


def update_user(request, user, username: str = "", **params) -> dict:
    """Change a user (System Manager); fields left out keep their value."""
    values = _user_values(params)
    values.pop("username", None)
    values.pop("password", None)  # passwords change through reset or update_password
    admin_users.do_update_user_account(user, username, values)
    return admin_users.account_values(admin_users.get_user(username))


def get_user_account(request, user, username: str = "") -> dict:
    require_system_manager(user)
    return admin_users.account_values(admin_users.get_user(username))


def get_docperms(request, user, doctype: str = "") -> dict:
    """A DocType's rules in force (JSON or Custom DocPerm) and their combined effect."""
    require_system_manager(user)
    rules = registry.get_meta(doctype).permissions
    rows = [
        {"role": p.role, "permlevel": p.permlevel, "scope": p.scope, "verbs": set(p.verbs)}
        for p in rules
    ]
    return {
        "rules": [
            {"role": p.role, "permlevel": p.permlevel, "scope": p.scope, "verbs": sorted(p.verbs)}
            for p in rules
        ],
        "effect": [
            {"role": e["role"], "permlevel": e["permlevel"], "text": e["text"]}
            for e in docperms.combined_effect(rows)
        ],
    }


def save_docperms(request, user, doctype: str = "", rules: Any = None) -> dict:
    """Replace a DocType's rules: ``rules`` is a JSON list of {role, permlevel, scope,
    verbs: [...]} (or Frappe's 0/1 columns with if_owner); a role may have several."""
    rows = parse_json_param(rules, "rules")
    if not isinstance(rows, list):
        raise DataError(_("{param} must be JSON", param="rules"))
    docperms.do_save_docperms(user, doctype, docperms.normalise_rows(rows))
    return get_docperms(request, user, doctype)


def reset_docperms(request, user, doctype: str = "") -> int:
    return docperms.do_reset_docperms(user, doctype)


def _values(values: Any) -> dict:
    values = parse_json_param(values, "values") or {}
    if not isinstance(values, dict):
        raise DataError(_("{param} must be JSON", param="values"))
    return values


def add_custom_field(request, user, doctype: str = "", values: Any = None) -> dict:
    """Add a Custom Field as Customize Form does (a pinyin name from a Chinese label)."""
    doc = customize_actions.do_add_custom_field(user, doctype, _values(values))
    return {"name": doc.name, "fieldname": doc.fieldname}


def update_custom_field(
    request, user, doctype: str = "", fieldname: str = "", values: Any = None
) -> str:
    customize_actions.do_update_custom_field(user, doctype, fieldname, _values(values))
    return fieldname


def delete_custom_field(request, user, doctype: str = "", fieldname: str = "") -> str:
    customize_actions.do_delete_custom_field(user, doctype, fieldname)
    return fieldname


def set_field_properties(
    request, user, doctype: str = "", fieldname: str = "", values: Any = None
) -> int:
    """Change a standard field's properties (Property Setters); answer how many changed.

    Properties left out keep their current value (the desk's form sends them all)."""
    field = registry.get_meta(doctype).get_field(fieldname) if registry.exists(doctype) else None
    current = (
        {p: customize.property_value(field, p) for p in customize.editable_properties(field)}
        if field is not None
        else {}
    )
    return customize_actions.do_set_field_properties(
        user, doctype, fieldname, {**current, **_values(values)}
    )


def set_field_order(request, user, doctype: str = "", order: Any = None) -> str:
    fields = parse_json_param(order, "order")
    if not isinstance(fields, list):
        raise DataError(_("{param} must be JSON", param="order"))
    customize_actions.do_set_field_order(user, doctype, [str(f) for f in fields])
    return doctype


add_custom_field.writes = True  # type: ignore[attr-defined]
update_custom_field.writes = True  # type: ignore[attr-defined]
delete_custom_field.writes = True  # type: ignore[attr-defined]
set_field_properties.writes = True  # type: ignore[attr-defined]
set_field_order.writes = True  # type: ignore[attr-defined]
create_user.writes = True  # type: ignore[attr-defined]
update_user.writes = True  # type: ignore[attr-defined]
save_docperms.writes = True  # type: ignore[attr-defined]
reset_docperms.writes = True  # type: ignore[attr-defined]
