"""The engine's scripts capability as its own Django app (own DocTypes, hooks and migrations)."""

from django.apps import AppConfig


class ScriptsConfig(AppConfig):
    name = "lowcode.scripts"
    label = "scripts"
    default_auto_field = "django.db.models.BigAutoField"
