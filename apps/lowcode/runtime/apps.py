"""The app that DocTypes made at run time belong to."""

from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "lowcode.runtime"
    label = "lowcode_runtime"
    verbose_name = "DocTypes made at run time"
