"""Checks of the CRM's stored definitions (Django system checks: `kuaicrm check`, start-up).

kuaicrm.E001  an enabled Commission Rule applies to a role that no longer exists (deleted or
              renamed after the rule was saved): the people it was meant for earn nothing
              under it, silently, until someone notices a statement.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.checks import CheckMessage, Error


def check_commission_rules() -> list[CheckMessage]:
    from lowcode.sdk import get_model

    rules = list(
        get_model("Commission Rule").objects.filter(enabled=1).values_list("name", flat=True)
    )
    rows = list(
        get_model("Commission Rule Role")
        .objects.filter(parenttype="Commission Rule", parent__in=rules)
        .values_list("parent", "role")
    )
    known = set(
        get_model("Role")
        .objects.filter(name__in={role for _r, role in rows})
        .values_list("name", flat=True)
    )
    return [
        Error(
            f"Commission Rule {rule!r} applies to role {role!r}, which does not exist.",
            hint="Edit the rule's roles, or disable the rule.",
            obj=f"Commission Rule {rule}",
            id="kuaicrm.E001",
        )
        for rule, role in sorted(rows)
        if role not in known
    ]


def run_checks(app_configs: Iterable | None = None, databases=None, **kwargs) -> list:
    """Database checks: run only when Django asks for them (``databases`` given)."""
    if not databases:
        return []
    from django.db import DatabaseError

    try:
        return check_commission_rules()
    except DatabaseError:  # a site not migrated yet has no rule tables: nothing to check
        return []
