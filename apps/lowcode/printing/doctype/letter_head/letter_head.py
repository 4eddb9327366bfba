"""Letter Head: the header and footer printed around every print format."""

from __future__ import annotations

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.storage.document import Document
from lowcode.storage.factory import get_model


class LetterHead(Document):
    content: str
    footer: str
    is_default: bool

    def validate(self) -> None:
        from lowcode.printing.render import check_template

        for fieldname in ("content", "footer"):
            problem = check_template(self.get(fieldname) or "")
            if problem:
                message = _("The HTML template has an error: {problem}", problem=problem)
                raise ValidationError(message, [FieldError(fieldname, "template", message)])

    def on_update(self) -> None:
        """One default letter head: setting this one clears the others.

        One UPDATE of a flag: nothing in the other records' lifecycle depends on it.
        """
        if self.is_default:
            get_model("Letter Head").objects.filter(is_default=True).exclude(name=self.name).update(
                is_default=False
            )
