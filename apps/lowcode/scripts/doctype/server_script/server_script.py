"""Server Script: a sandboxed Python script an administrator attaches to an event or URL."""

from __future__ import annotations

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.scripts.sandbox import compile_script
from lowcode.storage.document import Document


class ServerScript(Document):
    script_type: str
    reference_doctype: str | None
    doctype_event: str | None
    api_method: str | None
    event_frequency: str | None
    cron_format: str | None
    script: str
    disabled: int

    def validate(self) -> None:
        self.check_compiles()
        self.check_reference()
        self.check_cron()

    def check_compiles(self) -> None:
        try:
            compile_script(self.script or "")
        except SyntaxError as exc:
            message = _("Script does not compile: {error}", error=str(exc))
            raise ValidationError(message, [FieldError("script", "compile", message)]) from None

    def check_reference(self) -> None:
        from lowcode.meta import registry

        if self.reference_doctype and not registry.exists(self.reference_doctype):
            message = _("DocType {doctype} does not exist", doctype=self.reference_doctype)
            raise ValidationError(message, [FieldError("reference_doctype", "link", message)])

    def check_cron(self) -> None:
        from lowcode.jobs.scheduler import cron_matches
        from lowcode.scripts.actions import scheduler_moment

        if self.event_frequency != "Cron":
            return
        try:
            cron_matches(self.cron_format or "", scheduler_moment())
        except (ValueError, TypeError):
            message = _(
                "Cron Format {cron} is not a five-field cron expression", cron=self.cron_format
            )
            raise ValidationError(message, [FieldError("cron_format", "cron", message)]) from None

    def on_update(self) -> None:
        from lowcode.scripts.actions import scripts_changed

        scripts_changed()

    def after_delete(self) -> None:
        from lowcode.scripts.actions import scripts_changed

        scripts_changed()
