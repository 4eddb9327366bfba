"""Users and departments as the admin screens show them (read-only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from lowcode.admin.users import (  # the engine's reads, shared with the admin actions
    IMPLICIT_ROLES,
    assignable_roles,
    department_doctype,
    department_names,
    get_user,
    role_names,
    roles_of,
)
from lowcode.hooks_loader import get_hooks
from lowcode.query import reads

__all__ = [
    "IMPLICIT_ROLES",
    "USER_LIMIT",
    "DepartmentNode",
    "api_keys",
    "assignable_roles",
    "department_doctype",
    "department_names",
    "department_tree",
    "get_user",
    "role_names",
    "roles_of",
    "user_rows",
]

USER_LIMIT = 200


def user_rows(search: str = "", limit: int = USER_LIMIT) -> list[dict]:
    """Users matching ``search`` (user name, full name, email or department), two queries."""
    accounts = get_user_model().objects.select_related("profile").order_by("username")
    text = search.strip()
    if text:
        accounts = accounts.filter(
            Q(username__icontains=text)
            | Q(profile__full_name__icontains=text)
            | Q(email__icontains=text)
            | Q(profile__department__icontains=text)
        )
    accounts = accounts.prefetch_related("has_roles")[:limit]
    rows = []
    for account in accounts:
        profile = getattr(account, "profile", None)
        rows.append(
            {
                "username": account.username,
                "full_name": profile.full_name if profile else "",
                "email": account.email,
                "department": profile.department if profile else "",
                "roles": sorted(r.role for r in account.has_roles.all()),
                "is_active": account.is_active,
            }
        )
    return rows


def api_keys(username: str) -> list[dict]:
    from lowcode.models import ApiKey

    rows = ApiKey.objects.filter(user__username=username, revoked__isnull=True).order_by("-created")
    return [{"api_key": r.api_key, "created": r.created} for r in rows]


@dataclass
class DepartmentNode:
    name: str
    head: str = ""
    members: int = 0
    children: list[DepartmentNode] = field(default_factory=list)


def department_tree(user: str) -> list[DepartmentNode]:
    """The departments the user may read, as a forest (roots first, by name)."""
    from lowcode.models import UserProfile

    doctype = department_doctype()
    if not doctype:
        return []
    parent_field = get_hooks("department_parent_field") or "parent_department"
    head_field = get_hooks("department_head_field")
    fields = ["name", parent_field, *([head_field] if head_field else [])]
    rows = reads.get_list(user, doctype, fields=fields, order_by="name asc", limit=10_000)
    members = dict(
        UserProfile.objects.exclude(department="")
        .values("department")
        .annotate(n=Count("id"))
        .values_list("department", "n")
    )
    nodes = {
        r["name"]: DepartmentNode(
            r["name"], (r.get(head_field) or "") if head_field else "", members.get(r["name"], 0)
        )
        for r in rows
    }
    roots: list[DepartmentNode] = []
    for r in rows:
        parent = nodes.get(r.get(parent_field) or "")
        (parent.children if parent is not None else roots).append(nodes[r["name"]])
    return roots
