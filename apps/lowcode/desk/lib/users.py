"""Users and departments as the admin screens show them (read-only)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from lowcode.exceptions import DoesNotExistError
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _
from lowcode.query import reads

ROLE = "Role"
# Roles every user holds implicitly, or that only the Administrator account is.
IMPLICIT_ROLES = frozenset({"All", "Guest", "Administrator"})
USER_LIMIT = 200


def role_names(user: str) -> list[str]:
    """Every enabled Role record, by name."""
    rows = reads.get_list(
        user,
        ROLE,
        fields=["name"],
        filters=[["disabled", "=", 0]],
        order_by="name asc",
        limit=1000,
    )
    return [r["name"] for r in rows]


def assignable_roles(user: str) -> list[str]:
    return [r for r in role_names(user) if r not in IMPLICIT_ROLES]


def department_doctype() -> str | None:
    return get_hooks("department_doctype")


def department_names(user: str) -> list[str]:
    doctype = department_doctype()
    if not doctype:
        return []
    rows = reads.get_list(user, doctype, fields=["name"], order_by="name asc", limit=10_000)
    return [r["name"] for r in rows]


def get_user(username: str):
    """The account, or "not found" (the admin screens answer missing users like documents)."""
    account = get_user_model().objects.select_related("profile").filter(username=username).first()
    if account is None:
        raise DoesNotExistError(_("User {user} not found", user=username))
    return account


def roles_of(username: str) -> set[str]:
    from lowcode.models import HasRole

    return set(HasRole.objects.filter(user__username=username).values_list("role", flat=True))


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
