"""A DocType's permission rules as a System Manager sets them (Custom DocPerm records).

A role may hold several rules at one permlevel ("read my department, write only my own");
``lowcode.permissions.core`` combines them per verb. ``combined_effect`` says what they add
up to for each role and level, in the reader's language.
"""

from __future__ import annotations

from django.db import transaction

from lowcode import context
from lowcode.documents.actions import do_delete_doc, do_insert_doc
from lowcode.exceptions import DoesNotExistError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.customize import CUSTOM_DOCPERM, check_docperm_rows, customizable_doctypes
from lowcode.meta.doctype import PERM_VERBS, SCOPE_RANK, SCOPES
from lowcode.permissions.core import require_system_manager
from lowcode.query import reads


def _customizable(doctype: str) -> None:
    """Rules are set on the DocTypes Customize Form offers (non-child, customisable)."""
    if doctype not in customizable_doctypes():
        raise DoesNotExistError(_("DocType {doctype} cannot be customised", doctype=doctype))


def custom_docperm_names(user: str, doctype: str) -> list[str]:
    rows = reads.get_list(
        user,
        CUSTOM_DOCPERM,
        fields=["name"],
        filters=[["parent_doctype", "=", doctype]],
        limit=10_000,
    )
    return [r["name"] for r in rows]


def combined_effect(rows: list[dict]) -> list[dict]:
    """What the rules add up to for each (role, level), in the order the roles first appear.

    Each verb takes the widest scope among the rules granting it, as the permission layer
    does; verbs of one scope are listed together. Returns ``[{role, permlevel, parts, text}]``
    where ``parts`` is ``[(verbs text, scope text)]`` widest scope first.
    """
    grouped: dict[tuple[str, int], dict[str, str]] = {}
    for row in rows:
        widest = grouped.setdefault((row["role"], row["permlevel"]), {})
        scope = row["scope"] if row["scope"] in SCOPE_RANK else "all"
        for verb in PERM_VERBS:
            if verb in row["verbs"] and (
                verb not in widest or SCOPE_RANK[scope] > SCOPE_RANK[widest[verb]]
            ):
                widest[verb] = scope
    effects = []
    for (role, level), widest in grouped.items():
        parts = []
        for scope in reversed(SCOPES):
            verbs = [v for v in PERM_VERBS if widest.get(v) == scope]
            if verbs:
                parts.append(("、".join(_(v) for v in verbs), _(scope)))
        text = " · ".join(f"{verbs}：{scope}" for verbs, scope in parts) or _("No access")
        effects.append({"role": role, "permlevel": level, "parts": parts, "text": text})
    return effects


def normalise_rows(rows: list) -> list[dict]:
    """API input (``verbs`` as a list, or Frappe's 0/1 columns) → the matrix's row shape."""
    shaped = []
    for raw in rows:
        if not isinstance(raw, dict):
            raise ValidationError(_("Each permission rule must be an object"))
        verbs = raw.get("verbs")
        if verbs is None:
            verbs = [
                v
                for v in PERM_VERBS
                if int(raw.get(registry.PERM_COLUMNS.get(v, v)) or raw.get(v) or 0)
            ]
        try:
            permlevel = int(raw.get("permlevel") or 0)
        except (TypeError, ValueError):
            permlevel = -1
        scope = raw.get("scope") or ("own" if int(raw.get("if_owner") or 0) else "all")
        shaped.append(
            {
                "role": str(raw.get("role") or ""),
                "permlevel": permlevel,
                "scope": str(scope),
                "verbs": {v for v in verbs if v in PERM_VERBS},
            }
        )
    return shaped


@transaction.atomic
def do_save_docperms(user: str, doctype: str, rows: list[dict]) -> None:
    """Replace the DocType's permission rules by ``rows`` (Custom DocPerm records), all or none.

    Each row: ``{"role", "permlevel", "scope", "verbs": set}``; one role may have several.
    """
    from lowcode.admin.users import role_names

    require_system_manager(user)
    _customizable(doctype)
    errors = check_docperm_rows(doctype, rows, set(role_names(user)))
    if errors:
        raise ValidationError(_("The permissions were not saved"), errors)
    for name in custom_docperm_names(user, doctype):
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
    require_system_manager(user)
    _customizable(doctype)
    names = custom_docperm_names(user, doctype)
    for name in names:
        do_delete_doc(user, CUSTOM_DOCPERM, name)
    return len(names)
