"""Saved View: a named list/kanban/calendar setting, personal or shared."""

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.storage.document import Document


class SavedView(Document):
    def validate(self):
        self.check_reference_doctype()

    def check_reference_doctype(self):
        if not registry.exists(self.reference_doctype):
            message = _("Unknown DocType {doctype}", doctype=self.reference_doctype)
            raise ValidationError(message, [FieldError("reference_doctype", "link", message)])
