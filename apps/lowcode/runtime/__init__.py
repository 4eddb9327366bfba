"""The app of DocTypes made at run time (label ``lowcode_runtime``).

Its models are built by ``lowcode.storage.factory.runtime_model`` from ``tabDocType`` rows,
never at import time; they are ``managed=False`` and the app has no migrations
(``MIGRATION_MODULES``), so ``makemigrations`` and ``migrate`` never see nor drop their
tables: ``lowcode.documents.schema`` makes and changes them.
"""
