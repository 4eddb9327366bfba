"""Storage of the data import capability: one model per DocType JSON under ``doctype/``."""

from lowcode.storage.factory import build_models

globals().update(build_models("lowcode.dataio", __name__))
