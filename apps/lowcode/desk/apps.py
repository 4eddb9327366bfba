"""The desk capability as its own Django app (its DocTypes: saved views, comments, dashboards)."""

from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "lowcode.desk"
    label = "desk"
    default_auto_field = "django.db.models.BigAutoField"
