"""The engine's workflow capability as its own Django app (own DocTypes, hooks and migrations)."""

from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "lowcode.workflow"
    label = "workflow"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from lowcode.workflow.checks import run_checks

        register(run_checks, "workflow_db", "database")
