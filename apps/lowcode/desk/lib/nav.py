"""The desk's navigation: the DocTypes a user may read, business modules first."""

from __future__ import annotations

from lowcode import context
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.doctype import snake_name
from lowcode.permissions.core import (  # the engine's one admin guard, used by the screens
    has_doctype_permission,
    is_system_manager,
    require_system_manager,
)

__all__ = ["is_system_manager", "require_system_manager"]

# Engine modules hold configuration: shown under 设置 (Settings), to those who may read them.
SETTINGS_MODULES = {
    "Core",
    "Desk",
    "Notify",
    "Rules",
    "Workflow",
    "Setup",
    "Data IO",
    "Reports",
    "Scripts",
    # print formats, letter heads and sent emails: set up by an admin, not a rep's daily work
    "Printing",
}
# Configuration DocTypes that are logs or internals rather than things people browse.
HIDDEN_DOCTYPES = {"Duplicate Key", "Workflow Action", "Comment", "Saved View", "Search Entry"}


def slug(doctype: str) -> str:
    """'Sales Order' → 'sales-order' (the desk URL segment, as in Frappe)."""
    return snake_name(doctype).replace("_", "-")


def doctype_for_slug(value: str) -> str | None:
    """Return the DocType whose slug is ``value`` (or whose name is ``value``), else None."""
    for name in registry.doctype_names():
        if slug(name) == value or name == value:
            return name
    return None


def readable_doctypes(user: str) -> list[dict]:
    """Every non-child DocType the user may read, as nav entries (cached per request)."""

    def compute() -> list[dict]:
        entries = []
        for name in registry.doctype_names():
            meta = registry.get_meta(name)
            if meta.istable or name in HIDDEN_DOCTYPES:
                continue
            if not has_doctype_permission(user, name, "read"):
                continue
            entries.append(
                {
                    "doctype": name,
                    "label": _(name),
                    "slug": slug(name),
                    "module": meta.module or "",
                    "is_settings": (meta.module or "") in SETTINGS_MODULES,
                }
            )
        return entries

    return context.cached(("desk-nav", user), compute)


def main_entries(user: str) -> list[dict]:
    """Business DocTypes in the order apps ask for (hooks ``desk_nav_order``), then the rest
    alphabetically: a sales rep's daily work first, whatever the DocTypes are called."""
    entries = [e for e in readable_doctypes(user) if not e["is_settings"]]
    order = get_hooks("desk_nav_order") or []
    rank = {doctype: position for position, doctype in enumerate(order)}
    return sorted(entries, key=lambda e: rank.get(e["doctype"], len(rank)))


# The phone's bottom bar when no app names its tabs (hooks ``desk_bottom_tabs``): the first
# business DocType the user reads, so the engine alone still offers one list a tap away.
DEFAULT_TAB_ICON = "☷"


def bottom_tabs(user: str) -> list[dict]:
    """The DocType tabs of the phone's bottom bar, between Home and Approvals.

    Apps name them in ``desk_bottom_tabs`` (``[{"doctype": ..., "icon": ...}]``); a tab the
    user may not read is left out. Without the hook: the first of ``main_entries``.
    """
    readable = {e["doctype"]: e for e in readable_doctypes(user)}
    declared = get_hooks("desk_bottom_tabs")
    if declared is None:
        first = main_entries(user)[:1]
        declared = [{"doctype": e["doctype"], "icon": DEFAULT_TAB_ICON} for e in first]
    tabs = []
    for tab in declared:
        entry = readable.get(tab.get("doctype", ""))
        if entry is not None:
            tabs.append({**entry, "icon": tab.get("icon") or DEFAULT_TAB_ICON})
    return tabs


def settings_entries(user: str) -> list[dict]:
    return [e for e in readable_doctypes(user) if e["is_settings"]]
