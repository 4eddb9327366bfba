"""Template helpers of a record's page: its summary card and folded sections."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def holds_error(section: Any, error_map: dict | None) -> bool:
    """Whether a form section holds a field with an error (a folded section opens then)."""
    if not error_map:
        return False
    return any(name in error_map for name in section.fieldnames)
