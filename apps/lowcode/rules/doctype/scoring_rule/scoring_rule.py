"""Controller of Scoring Rule: the score field and every criterion must name a real field; a
change re-scores the DocType's existing documents in the background."""

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.rules.common import RuleController, check_rule
from lowcode.storage.document import Document
from lowcode.storage.validation import first_other

SCORE_TYPES = frozenset({"Int", "Float", "Currency", "Percent"})


class ScoringRule(RuleController, Document):
    document_type: str
    score_field: str
    enabled: bool

    def validate(self) -> None:
        rows = self.get_children("criteria")
        check_rule(
            self,
            [("score_field", self.document_type, self.score_field)]
            + [("criteria", self.document_type, row.fieldname) for row in rows],
        )
        self.check_single_enabled()
        field = registry.get_meta(self.document_type).get_field(self.score_field)
        if field is not None and field.fieldtype not in SCORE_TYPES:
            message = _("{label} must be a number field", label=_("Score Field"))
            raise ValidationError(message, [FieldError("score_field", "field", message)])

    def on_update(self) -> None:
        super().on_update()
        if self.enabled:
            self.rescore_documents()

    def rescore_documents(self) -> None:
        """Existing documents follow the changed criteria: re-scored in a background job."""
        from lowcode.rules.scoring import do_queue_rescore

        do_queue_rescore(self.document_type, self.acting_user or self.modified_by, self.name)

    def check_single_enabled(self) -> None:
        """One scoring model per DocType: a document keeps one score and one explanation."""
        if not self.enabled:
            return
        other = first_other(
            "Scoring Rule", self.name, document_type=self.document_type, enabled=True
        )
        if other:
            message = _(
                "Scoring Rule {name} already scores {doctype}: add criteria to it, or disable it first",
                name=other,
                doctype=_(self.document_type),
            )
            raise ValidationError(message, [FieldError("enabled", "unique", message)])
