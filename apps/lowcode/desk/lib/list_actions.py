"""List actions: buttons an app declares on a DocType's list (hooks ``desk_list_actions``).

A list action is a form action's dialog without a document: it calls a whitelisted method
for the DocType as a whole (make this month's statements, not one statement)::

    desk_list_actions = {"Commission Statement": [{
        "label": "Make Commission Statements",    # the button (translated)
        "method": "kuaicrm.make_commission_statements",   # called as /api/method/ calls it
        "ptype": "create",                        # the user's permission on the DocType (default)
        "roles": ["Sales Manager"],               # optional: any of these roles
        "params": {},                             # fixed arguments (optional)
        "fields": [{"fieldname": "period", "label": "Month", "reqd": 1}],  # the dialog
        "initial": "kuaicrm.commission.statement_dialog_values",  # f(user, None) -> values
        "confirm": "…", "success": "Made {created_count} statements",
    }]}

The keys mean what they mean in ``desk_form_actions`` (``lowcode.desk.lib.form_actions``;
``doc_arg``, ``new``, ``mapping``, ``depends_on`` and ``replaces_transition`` have no document
to act on and are refused by the check desk.E014). The dialog posts to
``/app/<slug>/_list_action/<key>``; the method decides permissions exactly as it does for
``/api/method/``: the desk only hides a button the user could not use.
"""

from __future__ import annotations

from lowcode.desk.lib.form_actions import (
    DIALOG_FIELDTYPES,
    FormAction,
    ShownAction,
    _action,
    dialog_extras,
    initial_values,
)
from lowcode.hooks_loader import get_hooks
from lowcode.meta import registry
from lowcode.permissions.core import get_roles, has_doctype_permission, is_administrator

PTYPES = frozenset({"read", "write", "create", "delete", "submit", "cancel", "export", "report"})
# Form-action keys that need a document (a list action has none).
DOCUMENT_KEYS = ("doc_arg", "new", "mapping", "prefill", "depends_on", "replaces_transition")


def declared_specs() -> dict[str, list[dict]]:
    """The raw declarations of every app, by DocType."""
    return get_hooks("desk_list_actions") or {}


def declared(doctype: str) -> list[FormAction]:
    """The list actions the apps declare for ``doctype``, in their order."""
    return [
        _action(doctype, {"ptype": "create", **spec})
        for spec in declared_specs().get(doctype) or []
    ]


def may_use(user: str, action: FormAction) -> bool:
    """Whether ``user`` sees (and may run) ``action`` on the list of its DocType."""
    from lowcode.api.views import resolve_method

    if action.roles and not (is_administrator(user) or get_roles(user) & action.roles):
        return False
    if not action.method or resolve_method(action.method) is None:
        return False
    return has_doctype_permission(user, action.doctype, action.ptype)


def post_url(doctype: str, key: str) -> str:
    """Where a list action's dialog posts."""
    from lowcode.desk.lib.nav import slug

    return f"/app/{slug(doctype)}/_list_action/{key}"


def available(user: str, doctype: str) -> list[ShownAction]:
    """The list actions to show on ``doctype``'s list for ``user``, their dialogs prefilled
    (``href``: where the dialog posts)."""
    return [
        ShownAction(
            action,
            href=post_url(doctype, action.key),
            initial=initial_values(action, user, None),
            extras=dialog_extras(user, action, {}),
        )
        for action in declared(doctype)
        if may_use(user, action)
    ]


def find(user: str, doctype: str, key: str) -> FormAction | None:
    """The list action ``key`` if ``user`` may run it, else None."""
    for action in declared(doctype):
        if action.key == key and may_use(user, action):
            return action
    return None


def problems() -> list[tuple[str, str, str, str]]:
    """Every malformed declaration as (id, message, hint, obj); see lowcode.desk.checks."""
    from lowcode.api.views import resolve_method

    found: list[tuple[str, str, str, str]] = []
    hint = "Fix desk_list_actions in the app's hooks.py (docs/hooks.md)."
    for doctype, specs in sorted(declared_specs().items()):
        obj = f"desk_list_actions[{doctype!r}]"
        if not registry.exists(doctype):
            found.append(
                ("desk.E014", f"desk_list_actions names unknown DocType {doctype!r}", hint, obj)
            )
            continue
        keys: set[str] = set()
        for spec in specs:
            action = _action(doctype, {"ptype": "create", **spec})
            where = f"{obj}: {action.label!r}"
            wrong = [k for k in DOCUMENT_KEYS if spec.get(k)]
            if not action.label or action.key in keys:
                found.append(
                    (
                        "desk.E014",
                        f"A list action of {doctype!r} has no label or repeats key {action.key!r}",
                        hint,
                        where,
                    )
                )
            keys.add(action.key)
            if resolve_method(action.method) is None:
                found.append(
                    (
                        "desk.E014",
                        f"List action {action.label!r} of {doctype!r} calls unknown method {action.method!r}",
                        hint,
                        where,
                    )
                )
            if wrong:
                found.append(
                    (
                        "desk.E014",
                        f"List action {action.label!r} of {doctype!r} uses {', '.join(wrong)}, which need a document",
                        hint,
                        where,
                    )
                )
            if action.ptype not in PTYPES:
                found.append(
                    (
                        "desk.E014",
                        f"List action {action.label!r} of {doctype!r} asks for unknown permission {action.ptype!r}",
                        hint,
                        where,
                    )
                )
            if action.initial:
                from lowcode.hooks_loader import resolve

                try:
                    resolve(action.initial)
                except ImportError:
                    found.append(
                        (
                            "desk.E014",
                            f"List action {action.label!r} of {doctype!r} prefills its dialog with {action.initial!r}, which cannot be imported",
                            hint,
                            where,
                        )
                    )
            for f in action.fields:
                if f.fieldtype not in DIALOG_FIELDTYPES or (
                    f.fieldtype == "Link" and not registry.exists(f.options or "")
                ):
                    found.append(
                        (
                            "desk.E014",
                            f"Dialog field {f.fieldname!r} of list action {action.label!r} has type {f.fieldtype!r}, which a dialog cannot show",
                            hint,
                            where,
                        )
                    )
    return found
