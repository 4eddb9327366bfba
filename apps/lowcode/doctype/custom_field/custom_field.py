"""Custom Field: an admin-added field, stored in the document's ``_custom`` column."""

from __future__ import annotations

import dataclasses

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.doctype import docfield_from_dict
from lowcode.storage.document import Document


class CustomField(Document):
    dt: str
    fieldname: str
    fieldtype: str

    def validate(self) -> None:
        self.check_target_doctype()
        self.check_fieldtype()
        self.check_definition()

    def check_fieldtype(self) -> None:
        """Report an unknown type against Field Type (not Fieldname), as its Select does."""
        from lowcode.documents.validation import check_value

        errors = check_value(self.meta.get_field("fieldtype"), self.fieldtype, {}, {})
        if errors:
            raise ValidationError(errors[0].message, errors)

    def check_target_doctype(self) -> None:
        if not registry.exists(self.dt) or not registry.base_definitions()[self.dt].allow_customize:
            raise ValidationError(
                _("DocType {doctype} cannot be customised", doctype=self.dt),
                [
                    FieldError(
                        "dt",
                        "customizable",
                        _("DocType {doctype} cannot be customised", doctype=self.dt),
                    )
                ],
            )

    def check_definition(self) -> None:
        """Run the metadata checks on the DocType as it would be with this field."""
        from lowcode.meta.checks import check_fields

        meta = registry.get_meta(self.dt)
        others = [f for f in meta.fields if f.fieldname != self.fieldname or not f.is_custom]
        raw = {
            f: getattr(self, f)
            for f in ("fieldname", "fieldtype", "label", "options", "default", "reqd", "unique")
        }
        candidate = dataclasses.replace(
            meta, fields=[*others, docfield_from_dict(raw, is_custom=True)]
        )
        names = set(registry.doctype_names())
        problems = check_fields(candidate, names, custom_only=True)
        if problems:
            message = "; ".join(p.msg for p in problems)
            raise ValidationError(
                message, [FieldError("fieldname", p.id or "meta", p.msg) for p in problems]
            )

    def on_update(self) -> None:
        registry.bump_generation()

    def after_delete(self) -> None:
        registry.bump_generation()
