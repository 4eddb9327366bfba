"""Webhook controller: refuse URLs and conditions that could never be delivered or evaluated."""

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.notify.checks import condition_problem
from lowcode.notify.delivery import url_allowed
from lowcode.notify.webhooks import forget_webhook_events
from lowcode.storage.document import Document


class Webhook(Document):
    request_url: str
    condition: str | None

    def validate(self) -> None:
        errors = []
        if not url_allowed(self.request_url):
            errors.append(
                FieldError(
                    "request_url", "url", _("Request URL must be an absolute http or https URL")
                )
            )
        problem = condition_problem(self.condition)
        if problem:
            errors.append(
                FieldError(
                    "condition",
                    "expression",
                    _("Condition does not parse: {problem}", problem=problem),
                )
            )
        if errors:
            raise ValidationError(errors[0].message, errors)

    def on_update(self) -> None:
        forget_webhook_events()

    def after_delete(self) -> None:
        forget_webhook_events()
