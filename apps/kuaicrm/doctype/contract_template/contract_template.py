"""Contract Template (合同模板): clause text with placeholders, managed by admins and legal."""

from __future__ import annotations

from lowcode.sdk import Document, FieldError, ValidationError, _, label_of


class ContractTemplate(Document):
    clause_text: str

    def validate(self) -> None:
        self.check_placeholders()

    def check_placeholders(self) -> None:
        """Refuse a placeholder no contract fills now, not when a contract is rendered."""
        from kuaicrm.doctype.contract.contract import TEMPLATE_PLACEHOLDERS, template_errors

        unknown = template_errors(self.clause_text)
        if not unknown:
            return
        message = _(
            "{label} uses unknown placeholders: {names}. Known: {known}",
            label=label_of(self.meta.get_field("clause_text")),
            names=", ".join(unknown),
            known=", ".join(sorted(TEMPLATE_PLACEHOLDERS)),
        )
        raise ValidationError(message, [FieldError("clause_text", "placeholder", message)])
