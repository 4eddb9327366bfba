"""The engine's reports capability as its own Django app (own DocTypes, hooks and migrations)."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "lowcode.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from lowcode.reports.checks import run_checks

        register(run_checks, "reports_db", "database")
