"""Customize Form in the desk (read-only): the DocType a URL names and its fields as listed.

The rules (which DocTypes, which properties, the checks) are the engine's,
``lowcode.meta.customize``; the writes are ``lowcode.admin.customize``.
"""

from __future__ import annotations

from lowcode.desk.lib import nav
from lowcode.exceptions import DoesNotExistError
from lowcode.i18n import _
from lowcode.meta.customize import BREAK_TYPES, customizable_doctypes
from lowcode.meta.doctype import DocTypeMeta


def customizable_doctype(user: str, slug: str) -> str:
    """The customisable DocType a System Manager names by its slug; others get "not found".

    Custom DocPerms, like Custom Fields, apply to customisable DocTypes only (registry._merge).
    """
    nav.require_system_manager(user)
    doctype = nav.doctype_for_slug(slug)
    if doctype is None or doctype not in customizable_doctypes():
        raise DoesNotExistError(_("DocType {doctype} not found", doctype=slug))
    return doctype


def field_rows(meta: DocTypeMeta, customised: set[str]) -> list[dict]:
    """The fields as Customize Form lists them, in form order."""
    rows = []
    for field in meta.fields:
        rows.append(
            {
                "field": field,
                "is_break": field.fieldtype in BREAK_TYPES,
                "is_custom": field.is_custom,
                "customised": field.fieldname in customised,
                "options_text": (field.options or "").replace("\n", " / ").strip(" /"),
            }
        )
    return rows
