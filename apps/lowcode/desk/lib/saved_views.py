"""Which saved views a user sees: their own and the shared ones."""

from __future__ import annotations

from django.db.models import Q

from lowcode.permissions.core import is_administrator
from lowcode.query import reads

SAVED_VIEW = "Saved View"


def visible_views(user: str, doctype: str) -> Q | None:
    """``permission_query_conditions`` hook: a personal view is its owner's alone."""
    if is_administrator(user):
        return None
    return Q(owner=user) | Q(is_shared=1)


def views_for(user: str, doctype: str, view_type: str = "List") -> list[dict]:
    """Return the user's own and shared views of ``doctype``, shared last."""
    return reads.get_list(
        user,
        SAVED_VIEW,
        fields=[
            "name",
            "title",
            "is_shared",
            "owner",
            "filters",
            "columns",
            "order_by",
            "view_field",
        ],
        filters=[["reference_doctype", "=", doctype], ["view_type", "=", view_type]],
        order_by="is_shared asc, title asc",
        limit=100,
    )
