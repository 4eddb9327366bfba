"""Workflow: states and transitions of one DocType; validated before it is activated."""

from __future__ import annotations

from lowcode.documents.document import Document
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry


class Workflow(Document):
    is_active: bool
    document_type: str
    workflow_state_field: str

    def validate(self) -> None:
        if self.is_active:
            self.check_definition()

    def on_update(self) -> None:
        registry.bump_generation()
        if self.is_active:
            from lowcode.workflow.loader import do_ensure_state_field

            do_ensure_state_field(self.document_type, self.workflow_state_field)

    def after_delete(self) -> None:
        registry.bump_generation()

    def check_definition(self) -> None:
        from lowcode.workflow.checks import check_workflow
        from lowcode.workflow.engine import build_definition

        errors = check_workflow(build_definition(self))
        if errors:
            raise ValidationError(
                _(
                    "The workflow cannot be activated: {problems}",
                    problems="; ".join(f"{e.id}: {e.msg}" for e in errors),
                ),
                [FieldError("is_active", e.id or "workflow", e.msg) for e in errors],
            )
