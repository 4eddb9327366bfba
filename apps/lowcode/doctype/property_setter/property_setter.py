"""Property Setter: an admin's change to one property of a DocType or field."""

from __future__ import annotations

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.storage.document import Document


class PropertySetter(Document):
    doc_type: str
    field_name: str | None
    property: str
    value: str | None

    def validate(self) -> None:
        self.check_target()

    def check_target(self) -> None:
        allowed = registry.FIELD_PROPERTIES if self.field_name else registry.DOCTYPE_PROPERTIES
        problem = None
        if (
            not registry.exists(self.doc_type)
            or not registry.base_definitions()[self.doc_type].allow_customize
        ):
            problem = FieldError(
                "doc_type",
                "customizable",
                _("DocType {doctype} cannot be customised", doctype=self.doc_type),
            )
        elif (
            self.field_name and registry.get_meta(self.doc_type).get_field(self.field_name) is None
        ):
            problem = FieldError(
                "field_name",
                "exists",
                _(
                    "Field {field} does not exist in {doctype}",
                    field=self.field_name,
                    doctype=self.doc_type,
                ),
            )
        elif self.property not in allowed:
            problem = FieldError(
                "property",
                "options",
                _(
                    "Property {property} cannot be changed; allowed: {allowed}",
                    property=self.property,
                    allowed=", ".join(sorted(allowed)),
                ),
            )
        elif (
            self.property == "field_order"
            and not self.field_name
            and registry.parse_field_order(self.value) is None
        ):
            problem = FieldError(
                "value", "format", _("field_order must be a JSON list of field names")
            )
        elif self.property == "options" and self.field_name:
            field = registry.get_meta(self.doc_type).get_field(self.field_name)
            if field and field.fieldtype == "Link" and not registry.exists(self.value or ""):
                problem = FieldError(
                    "value", "link", _("DocType {doctype} does not exist", doctype=self.value)
                )
        if problem:
            raise ValidationError(problem.message, [problem])

    def on_update(self) -> None:
        registry.bump_generation()

    def after_delete(self) -> None:
        registry.bump_generation()
