"""Controller of Assignment Rule: the condition must compile, match fields must exist."""

from lowcode.documents.document import Document
from lowcode.rules.common import RuleController, check_rule


class AssignmentRule(RuleController, Document):
    document_type: str
    match_field: str | None
    status_field: str | None

    def validate(self) -> None:
        check_rule(
            self,
            [
                ("match_field", self.document_type, self.match_field or ""),
                ("status_field", self.document_type, self.status_field or ""),
            ],
            conditions=("condition",),
        )
