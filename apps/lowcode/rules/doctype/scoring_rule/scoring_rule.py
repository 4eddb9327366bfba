"""Controller of Scoring Rule: the score field and every criterion must name a real field."""

from lowcode.documents.document import Document
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.rules.common import RuleController, check_rule

SCORE_TYPES = frozenset({"Int", "Float", "Currency", "Percent"})


class ScoringRule(RuleController, Document):
    document_type: str
    score_field: str

    def validate(self) -> None:
        rows = self.get_children("criteria")
        check_rule(
            self,
            [("score_field", self.document_type, self.score_field)]
            + [("criteria", self.document_type, row.fieldname) for row in rows],
        )
        field = registry.get_meta(self.document_type).get_field(self.score_field)
        if field is not None and field.fieldtype not in SCORE_TYPES:
            message = _("{label} must be a number field", label=_("Score Field"))
            raise ValidationError(message, [FieldError("score_field", "field", message)])
