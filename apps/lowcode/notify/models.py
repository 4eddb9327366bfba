"""Storage of the notify capability: one model per DocType JSON under ``doctype/``."""

from lowcode.storage.factory import build_models

globals().update(build_models("lowcode.notify", __name__))
