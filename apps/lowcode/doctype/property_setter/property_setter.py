"""Property Setter: an admin's change to one property of a DocType or field.

Every write, from any route (REST, ``frappe.client.*``, Customize Form), meets the same
checks (``meta.customize.check_property_setter``): a System Manager only, a customisable
DocType, a field it has, a property that field may change, a value that property can hold.
"""

from __future__ import annotations

from lowcode.exceptions import FieldError, PermissionError, ValidationError
from lowcode.i18n import _
from lowcode.meta import customize, registry
from lowcode.storage.document import Document


class PropertySetter(Document):
    doc_type: str
    field_name: str | None
    property: str
    value: str | None

    def validate(self) -> None:
        from lowcode.permissions.core import is_system_manager

        if not is_system_manager(getattr(self, "acting_user", None) or ""):
            raise PermissionError(_("Only a System Manager may customise DocTypes"))
        self.check_unchanged()
        self.check_target()

    def check_unchanged(self) -> None:
        """What a setter targets makes its name: only its value may change."""
        before = getattr(self, "_doc_before_save", None)
        if not before:
            return
        errors = [
            FieldError(
                key,
                "set_only_once",
                _("{label} cannot be changed once set", label=_(self.meta.get_field(key).label)),  # type: ignore[union-attr]
            )
            for key in ("doc_type", "field_name", "property")
            if (before.get(key) or None) != (getattr(self, key) or None)
        ]
        if errors:
            raise ValidationError(errors[0].message, errors)

    def check_target(self) -> None:
        errors = customize.check_property_setter(
            self.doc_type, self.field_name, self.property, self.value
        )
        if errors:
            raise ValidationError("; ".join(e.message for e in errors), errors)

    def on_update(self) -> None:
        registry.bump_generation()

    def after_delete(self) -> None:
        registry.bump_generation()
