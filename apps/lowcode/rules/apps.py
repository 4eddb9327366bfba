"""The engine's rules capability as its own Django app (own DocTypes, hooks and migrations)."""

from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "lowcode.rules"
    label = "rules"
    default_auto_field = "django.db.models.BigAutoField"
