"""Custom DocPerm: database permission rules that replace a DocType's JSON rules."""

from __future__ import annotations

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.storage.document import Document


class CustomDocPerm(Document):
    parent_doctype: str

    def validate(self) -> None:
        if not registry.exists(self.parent_doctype):
            message = _("DocType {doctype} does not exist", doctype=self.parent_doctype)
            raise ValidationError(message, [FieldError("parent_doctype", "exists", message)])

    def on_update(self) -> None:
        registry.bump_generation()

    def after_delete(self) -> None:
        registry.bump_generation()
