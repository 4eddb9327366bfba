"""Storage of the rules capability: one model per DocType JSON under ``doctype/``."""

from lowcode.storage.factory import build_models

globals().update(build_models("lowcode.rules", __name__))
