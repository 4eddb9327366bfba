"""Controller of Duplicate Rule: fields must exist; a change indexes existing documents."""

from lowcode.jobs import enqueue
from lowcode.rules.common import RuleController, check_rule
from lowcode.storage.document import Document


class DuplicateRule(RuleController, Document):
    document_type: str
    enabled: bool

    def validate(self) -> None:
        rows = self.get_children("fields")
        check_rule(
            self,
            [("fields", self.document_type, row.fieldname) for row in rows]
            + [
                ("fields", row.other_doctype, row.other_fieldname or row.fieldname)
                for row in rows
                if row.other_doctype
            ],
        )

    def on_update(self) -> None:
        super().on_update()
        if not self.enabled:
            return  # a disabled rule checks nothing: its keys are rebuilt when it is enabled
        doctypes = {self.document_type} | {
            row.other_doctype for row in self.get_children("fields") if row.other_doctype
        }
        for doctype in sorted(doctypes):
            enqueue("lowcode.rules.duplicates.rebuild_keys", unique=True, doctype=doctype)
