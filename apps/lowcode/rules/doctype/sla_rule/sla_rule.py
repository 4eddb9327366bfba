"""Controller of SLA Rule: expressions must compile; the escalation target must be given."""

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.rules.common import RuleController, check_rule
from lowcode.storage.document import Document


class SLARule(RuleController, Document):
    document_type: str
    start_field: str | None
    escalate_to: str
    escalate_role: str | None
    escalate_user: str | None

    def validate(self) -> None:
        check_rule(
            self,
            [("start_field", self.document_type, self.start_field or "")],
            conditions=("condition", "met_condition"),
        )
        target = {
            "Role": ("escalate_role", "Escalation Role"),
            "User": ("escalate_user", "Escalation User"),
        }
        if self.escalate_to in target:
            fieldname, label = target[self.escalate_to]
            if not self.get(fieldname):
                message = _("{label} is required", label=_(label))
                raise ValidationError(message, [FieldError(fieldname, "reqd", message)])
