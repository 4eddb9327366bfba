"""The engine's Django app."""

from django.apps import AppConfig


class LowcodeConfig(AppConfig):
    name = "lowcode"
    verbose_name = "Lowcode engine"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from lowcode import hooks_checks
        from lowcode.meta import pickers
        from lowcode.meta.checks import register_checks

        register_checks()
        # Every dotted path of every app's hooks.py imports (no database needed: start-up).
        register(hooks_checks.run_checks, "lowcode_hooks")
        # Pickers read merged metadata (run-time DocTypes, custom fields): a database check.
        register(pickers.run_checks, "lowcode_db", "database")
        # A tab… table no DocType owns (an interrupted run-time DocType creation or delete).
        from lowcode.documents import checks as document_checks

        register(document_checks.run_checks, "lowcode_db", "database")
