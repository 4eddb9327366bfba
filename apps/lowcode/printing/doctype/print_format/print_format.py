"""Print Format: a Jinja template that prints one DocType; checked before it is saved."""

from __future__ import annotations

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.storage.document import Document
from lowcode.storage.factory import get_model


class PrintFormat(Document):
    doc_type: str
    html: str
    default: bool
    is_customised: bool

    def validate(self) -> None:
        self.mark_customised()
        self.check_doc_type()
        self.check_template()

    def mark_customised(self) -> None:
        """An edit made on this site wins over later updates of the shipped file."""
        from lowcode.printing.loader import is_loading_files

        if not self.is_new and not is_loading_files():
            self.is_customised = True

    def check_doc_type(self) -> None:
        if not registry.exists(self.doc_type):
            message = _("DocType {doctype} not found", doctype=self.doc_type)
            raise ValidationError(message, [FieldError("doc_type", "link", message)])

    def check_template(self) -> None:
        """A template that does not compile is refused here, not when someone prints."""
        from lowcode.printing.render import check_template

        problem = check_template(self.html)
        if problem:
            message = _("The HTML template has an error: {problem}", problem=problem)
            raise ValidationError(message, [FieldError("html", "template", message)])

    def on_update(self) -> None:
        """One default format per DocType: setting this one clears the others.

        One UPDATE of a flag: nothing in the other records' lifecycle depends on it.
        """
        if self.default:
            get_model("Print Format").objects.filter(doc_type=self.doc_type, default=True).exclude(
                name=self.name
            ).update(default=False)
