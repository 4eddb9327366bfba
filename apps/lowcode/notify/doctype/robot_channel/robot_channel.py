"""Robot Channel controller: only http(s) robot URLs are accepted."""

from lowcode.documents.document import Document
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.notify.delivery import url_allowed


class RobotChannel(Document):
    webhook_url: str

    def validate(self) -> None:
        if not url_allowed(self.webhook_url):
            message = _("Webhook URL must be an absolute http or https URL")
            raise ValidationError(message, [FieldError("webhook_url", "url", message)])
