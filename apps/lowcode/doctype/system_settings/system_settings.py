"""System Settings: the site's switches an administrator turns in the desk (one record).

Saving bumps the metadata generation, so every worker reads the new values on its next
request (``lowcode.system_settings``) without a restart; the DocType tracks changes, so each
change is kept as a Version naming who made it.
"""

from __future__ import annotations

from decimal import Decimal

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.storage.document import Document

MIN_MEMORY_MB = 64


class SystemSettings(Document):
    enable_server_scripts: int
    server_script_cpu_seconds: Decimal | float | None
    server_script_memory_mb: int | None

    def validate(self) -> None:
        errors = []
        if not self.server_script_cpu_seconds or float(self.server_script_cpu_seconds) <= 0:
            errors.append(
                FieldError(
                    "server_script_cpu_seconds",
                    "min",
                    _("{field} must be greater than 0", field=_("Server Script CPU Seconds")),
                )
            )
        if (self.server_script_memory_mb or 0) < MIN_MEMORY_MB:
            errors.append(
                FieldError(
                    "server_script_memory_mb",
                    "min",
                    _(
                        "{field} must be at least {minimum}",
                        field=_("Server Script Memory (MB)"),
                        minimum=MIN_MEMORY_MB,
                    ),
                )
            )
        if errors:
            raise ValidationError(errors[0].message, errors)

    def on_update(self) -> None:
        self._settings_changed()

    def _settings_changed(self) -> None:
        from lowcode.meta import registry

        registry.bump_generation()
