"""The engine's notify capability as its own Django app (own DocTypes, hooks and migrations)."""

from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "lowcode.notify"
    label = "notify"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from lowcode.notify.checks import run_checks

        register(run_checks, "notify_db", "database")
