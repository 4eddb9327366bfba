"""The CRM app: DocTypes, fixtures and hooks; no engine machinery."""

from django.apps import AppConfig


class KuaicrmConfig(AppConfig):
    name = "kuaicrm"
    verbose_name = "KuaiCRM"
    default_auto_field = "django.db.models.BigAutoField"
