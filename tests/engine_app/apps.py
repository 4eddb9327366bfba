from django.apps import AppConfig


class EngineAppConfig(AppConfig):
    name = "tests.engine_app"
    label = "engine_app"
    default_auto_field = "django.db.models.BigAutoField"
