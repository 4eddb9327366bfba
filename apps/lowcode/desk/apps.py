"""The desk capability as its own Django app (its DocTypes: saved views, comments, dashboards)."""

from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "lowcode.desk"
    label = "desk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from lowcode.desk.checks import run_checks

        # The apps' desk declarations (hooks desk_form_actions), reported with stable IDs.
        register(run_checks, "desk_db", "database")
