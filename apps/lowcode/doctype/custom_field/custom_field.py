"""Custom Field: an admin-added field, stored in the document's ``_custom`` column.

Every write, from any route (REST, ``frappe.client.*``, Customize Form), meets Customize
Form's checks (``meta.customize.check_custom_field``): a System Manager only, a customisable
DocType, a valid, free, unreserved field name, options and conditions that work.
"""

from __future__ import annotations

import dataclasses

from lowcode.exceptions import FieldError, PermissionError, ValidationError
from lowcode.i18n import _
from lowcode.meta import customize, registry
from lowcode.meta.doctype import docfield_from_dict
from lowcode.storage.document import Document


class CustomField(Document):
    dt: str
    fieldname: str
    fieldtype: str

    def validate(self) -> None:
        from lowcode.permissions.core import is_system_manager

        if not is_system_manager(getattr(self, "acting_user", None) or ""):
            raise PermissionError(_("Only a System Manager may customise DocTypes"))
        self.check_target_doctype()
        self.check_unchanged()
        self.check_fieldtype()
        self.check_rules()
        self.check_definition()

    def check_unchanged(self) -> None:
        """DocType and field name make the record's name and hold the stored values."""
        before = getattr(self, "_doc_before_save", None)
        if not before:
            return
        errors = [
            FieldError(
                key,
                "set_only_once",
                _("{label} cannot be changed once set", label=_(self.meta.get_field(key).label)),  # type: ignore[union-attr]
            )
            for key in ("dt", "fieldname")
            if before.get(key) != getattr(self, key)
        ]
        if errors:
            raise ValidationError(errors[0].message, errors)

    def check_rules(self) -> None:
        """Customize Form's checks, the same function its action calls."""
        is_new = getattr(self, "_doc_before_save", None) is None
        values = {
            key: getattr(self, key, None)
            for key in (*customize.CUSTOM_FIELD_INPUTS, "read_only_depends_on")
        }
        errors = customize.check_custom_field(registry.get_meta(self.dt), values, is_new=is_new)
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)

    def check_fieldtype(self) -> None:
        """Report an unknown type against Field Type (not Fieldname), as its Select does."""
        from lowcode.storage.validation import check_value

        errors = check_value(self.meta.get_field("fieldtype"), self.fieldtype, {}, {})
        if errors:
            raise ValidationError(errors[0].message, errors)

    def check_target_doctype(self) -> None:
        if self.dt not in customize.customizable_doctypes():
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
