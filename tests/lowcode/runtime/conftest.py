"""Fixtures for DocTypes made at run time, and those of the subsystems they are used through.

Schema changes cannot run inside a transaction (lowcode.documents.schema), so these tests use
the transactional database; the tables they make are not Django's, so the flush leaves them and
``drop_runtime_tables`` drops what a test made.
"""

from __future__ import annotations

import pytest
from django.db import connection

from tests.lowcode.dataio.conftest import make_import, run_import  # noqa: F401
from tests.lowcode.desk.conftest import desk  # noqa: F401
from tests.lowcode.scripts.conftest import make_script, scripts_on  # noqa: F401


@pytest.fixture(autouse=True)
def drop_runtime_tables():
    """Drop the tables a test made and forget their models (as tests/…/test_schema.py does)."""
    from lowcode.meta import registry
    from lowcode.storage import factory

    before = set(connection.introspection.table_names())
    yield
    with connection.cursor() as cursor:
        for table in sorted(set(connection.introspection.table_names()) - before):
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    for name in list(factory._runtime_models):
        factory.forget_runtime_model(name)
    registry.clear_local_cache()
