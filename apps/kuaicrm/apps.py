"""The CRM app: DocTypes, fixtures and hooks; no engine machinery."""

from django.apps import AppConfig


class KuaicrmConfig(AppConfig):
    name = "kuaicrm"
    verbose_name = "KuaiCRM"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from kuaicrm.checks import run_checks

        # Stored definitions go stale (a role deleted after a rule named it): kuaicrm.E001.
        register(run_checks, "kuaicrm_db", "database")
