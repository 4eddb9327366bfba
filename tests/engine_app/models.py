from lowcode.storage.factory import build_models

globals().update(build_models("tests.engine_app", __name__))
