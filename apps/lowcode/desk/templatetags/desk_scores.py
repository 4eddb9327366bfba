"""The score explanation a form shows under a scored document: rows, not the log's JSON."""

from __future__ import annotations

from typing import Any

from django import template

from lowcode.exceptions import FrappeError
from lowcode.rules import scoring

register = template.Library()


@register.inclusion_tag("desk/score_explanation.html", takes_context=True)
def score_explanation(context: template.Context, doctype: str, doc: Any) -> dict:
    """Criterion, the document's value and points per row, the total and any manual override."""
    user = context.get("desk_user") or "Guest"
    if doc is None or not getattr(doc, "name", None):
        return {"explanation": None}
    try:
        explanation = scoring.score_explanation(user, doctype, doc.name)
    except FrappeError:  # the scored document is gone or hidden from this reader
        explanation = None
    return {"explanation": explanation, "doctype": doctype}
