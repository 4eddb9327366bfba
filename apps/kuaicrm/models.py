"""KuaiCRM storage: one model per DocType JSON under ``doctype/``."""

from lowcode.sdk import build_models

globals().update(build_models("kuaicrm", __name__))
