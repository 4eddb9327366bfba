"""Whether the list of a DocType offers "Order" (records put in order by dragging them)."""

from __future__ import annotations

from django import template

from lowcode.documents.ordering import order_field
from lowcode.meta import registry
from lowcode.permissions.core import has_doctype_permission

register = template.Library()


@register.simple_tag(takes_context=True)
def can_reorder(context: template.Context, doctype: str) -> bool:
    """True when ``doctype`` is ordered by an Int field by hand and the user may write it."""
    user = context.get("desk_user") or "Guest"
    if not doctype or not registry.exists(doctype):
        return False
    meta = registry.get_meta(doctype)
    return order_field(meta) is not None and has_doctype_permission(user, doctype, "write")
