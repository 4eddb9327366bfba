"""The engine's Django app."""

from django.apps import AppConfig


class LowcodeConfig(AppConfig):
    name = "lowcode"
    verbose_name = "Lowcode engine"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lowcode.meta.checks import register_checks

        register_checks()
