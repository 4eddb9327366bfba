"""Workflow: states and transitions of one DocType; validated before it is activated."""

from __future__ import annotations

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.storage.document import Document
from lowcode.storage.validation import first_other


class Workflow(Document):
    is_active: bool
    is_customised: bool
    document_type: str
    workflow_state_field: str

    def validate(self) -> None:
        self.mark_customised()
        if self.is_active:
            self.check_single_active()
            self.check_definition()

    def mark_customised(self) -> None:
        """An edit made on this site wins over later fixture updates (see the loader)."""
        from lowcode.workflow.checks import is_loading_fixtures

        if not self.is_new and not is_loading_fixtures():
            self.is_customised = True

    def check_single_active(self) -> None:
        """One active workflow per DocType: two would race for the same state field."""
        other = first_other("Workflow", self.name, document_type=self.document_type, is_active=True)
        if other:
            message = _(
                "Another active workflow, {name}, already governs {doctype}",
                name=other,
                doctype=_(self.document_type),
            )
            raise ValidationError(message, [FieldError("is_active", "unique", message)])

    def on_update(self) -> None:
        registry.bump_generation()
        if self.is_active:
            from lowcode.workflow.loader import do_ensure_state_field

            do_ensure_state_field(self.document_type, self.workflow_state_field)

    def after_delete(self) -> None:
        registry.bump_generation()

    def check_definition(self) -> None:
        from lowcode.workflow.checks import check_stranded_documents, check_workflow
        from lowcode.workflow.engine import build_definition

        definition = build_definition(self)
        errors = check_workflow(definition) + check_stranded_documents(definition)
        if errors:
            raise ValidationError(
                _(
                    "The workflow cannot be activated: {problems}",
                    problems="; ".join(f"{e.id}: {e.msg}" for e in errors),
                ),
                [FieldError("is_active", e.id or "workflow", e.msg) for e in errors],
            )
