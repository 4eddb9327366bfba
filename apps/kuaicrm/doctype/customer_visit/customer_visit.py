"""Customer Visit (客户拜访): plan, approval, visit, record, follow-up of issues, report, review."""

from __future__ import annotations

from typing import Any

from lowcode.documents.document import Document
from lowcode.documents.factory import get_model
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _

# States of the visit workflow fixture (apps/kuaicrm/workflow/visit_approval.json).
FOLLOW_UP_STATE = "Follow-up Task"
REPORT_REVIEW_STATE = "Report Review"


class CustomerVisit(Document):
    has_issue: bool
    workflow_state: str | None

    def validate(self) -> None:
        self.flag_issues()
        self.check_follow_ups_done_before_report()

    def flag_issues(self) -> None:
        """Listed issues route the visit through follow-up (the workflow reads has_issue)."""
        if self.get_children("issues"):
            self.has_issue = True

    def check_follow_ups_done_before_report(self) -> None:
        before: Any = self._doc_before_save or {}
        entering = self.workflow_state == REPORT_REVIEW_STATE
        if not entering or before.get("workflow_state") == REPORT_REVIEW_STATE or self.is_new:
            return
        still_open = list(
            get_model("Follow-up Task")
            .objects.filter(customer_visit=self.name, status="Open")
            .values_list("name", flat=True)
        )
        if still_open:
            message = _(
                "The visit report waits for its follow-up tasks: {tasks} still open",
                tasks=", ".join(still_open),
            )
            raise ValidationError(message, [FieldError("issues", "open_tasks", message)])


def create_follow_up_tasks(doc, event: str) -> None:
    """on_update: entering follow-up turns each issue without a task into a Follow-up Task."""
    from lowcode.documents.actions import do_assign_doc, do_insert_doc

    before: Any = doc._doc_before_save or {}
    if doc.workflow_state != FOLLOW_UP_STATE or before.get("workflow_state") == FOLLOW_UP_STATE:
        return
    Issue = get_model("Visit Issue")
    for row in doc.get_children("issues"):
        if row.task:
            continue
        assignee = row.assigned_to or doc.owner
        task = do_insert_doc(
            doc.owner,
            "Follow-up Task",
            {
                "subject": str(row.issue).splitlines()[0][:140],
                "description": row.issue,
                "assigned_to": assignee,
                "due_date": row.due_date,
                "customer": doc.customer,
                "customer_visit": doc.name,
            },
            ignore_permissions=True,
        )
        if assignee != doc.owner:
            do_assign_doc("Administrator", "Follow-up Task", task.name, assignee)
        Issue.objects.filter(name=row.name).update(task=task.name)
        row.task = task.name
