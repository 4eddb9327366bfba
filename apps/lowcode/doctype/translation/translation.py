"""Translation: an administrator's wording of a text, over the apps' translation files.

Frappe's contract (language, source_text, translated_text, context). ``lowcode.i18n`` reads
these rows above the csv rows of the same (context, text); saving or deleting one bumps the
metadata generation, so every worker words it the new way from its next request.
"""

from __future__ import annotations

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.storage.document import Document
from lowcode.storage.factory import get_model


class Translation(Document):
    language: str
    source_text: str
    translated_text: str
    context: str | None

    def validate(self) -> None:
        self.language = (self.language or "zh").strip()
        # A stored value is matched as typed: spaces around it would never match a text.
        self.source_text = (self.source_text or "").strip()
        self.translated_text = (self.translated_text or "").strip()
        self.context = (self.context or "").strip()
        twin = (
            get_model("Translation")
            .objects.filter(
                language=self.language, context=self.context, source_text=self.source_text
            )
            .exclude(name=self.name)
            .values_list("name", flat=True)
            .first()
        )
        if twin:
            raise ValidationError(
                _("{text} already has a translation here", text=self.source_text),
                [
                    FieldError(
                        "source_text",
                        "unique",
                        _(
                            "{text} already has a translation in this context ({name})",
                            text=self.source_text,
                            name=twin,
                        ),
                    )
                ],
            )

    def on_update(self) -> None:
        registry.bump_generation()

    def after_delete(self) -> None:
        registry.bump_generation()
