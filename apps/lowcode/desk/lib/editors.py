"""What the System Manager editors (workflows, rules, scripts) share: the gate and pick lists."""

from __future__ import annotations

from lowcode import context
from lowcode.desk.lib import nav
from lowcode.documents.factory import get_model
from lowcode.exceptions import DoesNotExistError
from lowcode.i18n import _
from lowcode.meta import registry


def require_system_manager(user: str) -> None:
    """Answer like a missing page to anyone else: the editors' existence is not disclosed."""
    if not nav.is_system_manager(user):
        raise DoesNotExistError(_("Not found, or you may not see it"))


def business_doctypes() -> list[str]:
    """DocTypes a rule, workflow or script may target: every non-child DocType, by name."""
    return sorted(n for n in registry.doctype_names() if not registry.get_meta(n).istable)


def role_names() -> list[str]:
    """Every Role, for the role pick lists (one query per request)."""
    return context.cached(
        ("desk-editor-roles",),
        lambda: list(get_model("Role").objects.order_by("name").values_list("name", flat=True)),
    )
