"""Robot Channel controller: only http(s) robot URLs; routes reloaded everywhere after a change."""

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.notify.delivery import url_allowed
from lowcode.notify.robots import forget_robot_routes
from lowcode.storage.document import Document


class RobotChannel(Document):
    webhook_url: str

    def validate(self) -> None:
        if not url_allowed(self.webhook_url):
            message = _("Webhook URL must be an absolute http or https URL")
            raise ValidationError(message, [FieldError("webhook_url", "url", message)])

    def on_update(self) -> None:
        forget_robot_routes()

    def after_delete(self) -> None:
        forget_robot_routes()
