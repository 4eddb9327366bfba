"""Controller of Assignment Rule: the condition must compile, match fields must exist."""

from lowcode.jobs import enqueue
from lowcode.rules.common import RuleController, check_rule
from lowcode.storage.document import Document


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

    def on_update(self) -> None:
        super().on_update()
        # Open/closed flags of existing assignments follow this rule's status field and values.
        enqueue("lowcode.rules.assignment.sync_open_flags", unique=True, doctype=self.document_type)
