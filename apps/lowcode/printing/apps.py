"""The engine's printing capability as its own Django app (own DocTypes, hooks and migrations)."""

from django.apps import AppConfig


class PrintingConfig(AppConfig):
    name = "lowcode.printing"
    label = "printing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from lowcode.printing.checks import run_checks

        register(run_checks, "printing_files")
