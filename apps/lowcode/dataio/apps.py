"""The engine's data import/export capability as its own Django app (own DocTypes, hooks, migrations)."""

from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "lowcode.dataio"
    label = "dataio"
    default_auto_field = "django.db.models.BigAutoField"
