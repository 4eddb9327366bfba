"""Custom DocPerm: database permission rules that replace a DocType's JSON rules.

Every write of a rule, from any route (REST, ``frappe.client.*``, the permission matrix),
meets the matrix's row checks (``meta.customize.check_docperm_rows``): a System Manager
only, a customisable DocType, a role that exists, a level 0-9, a known scope, and no second
rule of the same role, level and scope. The check of the set as a whole (the System Manager
keeps read at level 0) runs where a whole set is written, the matrix (``admin.docperms``):
one rule at a time, the final set is not known yet.
"""

from __future__ import annotations

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
}


def _require_system_manager(user: str | None) -> None:
    from lowcode.permissions.core import is_system_manager

    if not is_system_manager(user or ""):
        raise PermissionError(_("Only a System Manager may change permission rules"))


class CustomDocPerm(Document):
    parent_doctype: str

    def validate(self) -> None:
        _require_system_manager(getattr(self, "acting_user", None))
        before = getattr(self, "_doc_before_save", None)
        if before and before.get("parent_doctype") not in (None, self.parent_doctype):
            message = _("{label} cannot be changed once set", label=_("DocType"))
            raise ValidationError(message, [FieldError("parent_doctype", "set_only_once", message)])
        others = (
            get_model(customize.CUSTOM_DOCPERM)
            .objects.filter(parent_doctype=self.parent_doctype)
            .exclude(name=self.name or "")
            .order_by("creation", "name")
        )
        rows = [*(customize.docperm_row(r) for r in others), customize.docperm_row(self)]
        roles = set(get_model("Role").objects.filter(disabled=0).values_list("name", flat=True))
        errors = [
            FieldError(_FIELD_OF_RULE[e.rule], e.rule, e.message)
            for e in customize.check_docperm_rows(self.parent_doctype, rows, roles)
            if e.rule in _FIELD_OF_RULE and e.fieldname in ("rows", f"rows.{len(rows) - 1}")
        ]
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)

    def on_trash(self) -> None:
        _require_system_manager(getattr(self, "acting_user", None))

    def on_update(self) -> None:
        registry.bump_generation()

    def after_delete(self) -> None:
        registry.bump_generation()
