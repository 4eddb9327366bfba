"""The engine's notify capability as its own Django app (own DocTypes, hooks and migrations)."""

from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "lowcode.notify"
    label = "notify"
    default_auto_field = "django.db.models.BigAutoField"
