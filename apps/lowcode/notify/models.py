"""Storage of the notify capability: one model per DocType JSON under ``doctype/``."""

from lowcode.storage.factory import build_models

globals().update(build_models("lowcode.notify", __name__))

from django.db import models  # noqa: E402 - after the generated models, which it does not touch


class NotificationClaim(models.Model):
    """One dated notification sent for one document on one day (Days After / Days Before).

    The unique key is the claim: of two scheduler runs that both see the document due, only
    the one whose INSERT lands sends; the other's INSERT fails and it moves on.
    """

    notification = models.CharField(max_length=140)
    reference_doctype = models.CharField(max_length=140)
    reference_name = models.CharField(max_length=140)
    day = models.DateField()
    creation = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "lowcode_notification_claim"
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "reference_doctype", "reference_name", "day"],
                name="uniq_notification_claim",
            )
        ]

    def __str__(self) -> str:
        return f"{self.notification} {self.reference_doctype} {self.reference_name} {self.day}"
