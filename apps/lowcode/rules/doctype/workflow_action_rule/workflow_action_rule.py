"""Controller of Workflow Action Rule: the Link field names the target, whose workflow has the action."""

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.rules.common import RuleController, check_rule
from lowcode.storage.document import Document


class WorkflowActionRule(RuleController, Document):
    document_type: str
    link_field: str
    target_doctype: str | None
    action: str
    reason_field: str | None

    def validate(self) -> None:
        check_rule(
            self,
            [
                ("link_field", self.document_type, self.link_field),
                ("reason_field", self.document_type, self.reason_field or ""),
            ],
            conditions=("condition",),
        )
        link = registry.get_meta(self.document_type).get_field(self.link_field)
        if link is None or link.fieldtype != "Link" or not link.options:
            message = _(
                "{field} of {doctype} is not a Link field",
                field=self.link_field,
                doctype=_(self.document_type),
            )
            raise ValidationError(message, [FieldError("link_field", "link", message)])
        if not self.target_doctype:
            self.target_doctype = link.options
        if self.target_doctype != link.options:
            message = _(
                "{field} points at {doctype}, not {target}",
                field=self.link_field,
                doctype=_(link.options),
                target=_(self.target_doctype),
            )
            raise ValidationError(message, [FieldError("target_doctype", "link", message)])
        self.check_action()

    def check_action(self) -> None:
        from lowcode.workflow import engine

        target = self.target_doctype or ""
        workflow = engine.get_workflow(target)
        if workflow is None:
            message = _("{doctype} has no active workflow", doctype=_(target))
            raise ValidationError(message, [FieldError("target_doctype", "workflow", message)])
        actions = list(dict.fromkeys(t.action for t in workflow.transitions))
        if self.action not in actions:
            message = _(
                "The workflow of {doctype} has no action {action} (it has: {actions})",
                doctype=_(target),
                action=self.action,
                actions=", ".join(_(a) for a in actions),
            )
            raise ValidationError(message, [FieldError("action", "workflow", message)])
