"""Custom DocPerm: database permission rules that replace a DocType's JSON rules.

Every write of a rule, from any route (REST, ``frappe.client.*``, the permission matrix),
meets the matrix's checks (``meta.customize.check_docperm_rows``): a System Manager only,
a customisable DocType, a role that exists, a level 0-9, a known scope, no second rule of
the same role, level and scope, and a set that keeps the System Manager's read at level 0.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from lowcode.exceptions import FieldError, PermissionError, ValidationError
from lowcode.i18n import _
from lowcode.meta import customize, registry
from lowcode.storage.document import Document
from lowcode.storage.factory import get_model

# A rule's field for each rule ID of check_docperm_rows.
_FIELD_OF_RULE = {
    "customizable": "parent_doctype",
    "link": "role",
    "range": "permlevel",
    "options": "scope",
    "unique": "scope",
    "system_manager": "role",
}
_replacing: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "replacing_docperms", default=frozenset()
)


@contextlib.contextmanager
def replacing_docperms(doctype: str) -> Iterator[None]:
    """While an action replaces ``doctype``'s whole set (checked as a set beforehand), each
    row skips the check of the set as a whole (its other checks still run)."""
    token = _replacing.set(_replacing.get() | {doctype})
    try:
        yield
    finally:
        _replacing.reset(token)


def _require_system_manager(user: str | None) -> None:
    from lowcode.permissions.core import is_system_manager

    if not is_system_manager(user or ""):
        raise PermissionError(_("Only a System Manager may change permission rules"))


class CustomDocPerm(Document):
    parent_doctype: str

    def _others(self) -> list[dict]:
        rows = (
            get_model(customize.CUSTOM_DOCPERM)
            .objects.filter(parent_doctype=self.parent_doctype)
            .exclude(name=self.name or "")
            .order_by("creation", "name")
        )
        return [customize.docperm_row(r) for r in rows]

    def _raise(self, errors: list[FieldError], index: int | None) -> None:
        mine = [
            FieldError(_FIELD_OF_RULE.get(e.rule, "role"), e.rule, e.message)
            for e in errors
            if e.fieldname in ("rows", f"rows.{index}")
        ]
        if mine:
            raise ValidationError("; ".join(e.message for e in mine), mine)

    def validate(self) -> None:
        _require_system_manager(getattr(self, "acting_user", None))
        before = getattr(self, "_doc_before_save", None)
        if before and before.get("parent_doctype") not in (None, self.parent_doctype):
            message = _("{label} cannot be changed once set", label=_("DocType"))
            raise ValidationError(message, [FieldError("parent_doctype", "set_only_once", message)])
        rows = [*self._others(), customize.docperm_row(self)]
        roles = set(get_model("Role").objects.filter(disabled=0).values_list("name", flat=True))
        errors = customize.check_docperm_rows(self.parent_doctype, rows, roles)
        if self.parent_doctype in _replacing.get():
            errors = [e for e in errors if e.rule != "system_manager"]
        self._raise(errors, len(rows) - 1)

    def on_trash(self) -> None:
        _require_system_manager(getattr(self, "acting_user", None))
        if self.parent_doctype in _replacing.get() or not registry.exists(self.parent_doctype):
            return
        self._raise(customize.check_docperm_admin(self.parent_doctype, self._others()), None)

    def on_update(self) -> None:
        registry.bump_generation()

    def after_delete(self) -> None:
        registry.bump_generation()
