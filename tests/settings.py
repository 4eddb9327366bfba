"""Test settings: the real settings plus a test-only app with engine-exercising DocTypes."""

import os
import tempfile
from pathlib import Path

from lowcode.conf.settings import *  # noqa: F403
from lowcode.conf.settings import INSTALLED_APPS, LOWCODE_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.engine_app.apps.EngineAppConfig"]
LOWCODE_APPS = [*LOWCODE_APPS, "tests.engine_app"]
# Static files are collected (and compressed) for each pytest process by the browser tests'
# server (tests/browser/conftest.py), never read from the sites/assets a `make run` collected,
# which may be older than the files under test. Until then the finders serve them.
STATIC_ROOT = Path(tempfile.gettempdir()) / f"kuaicrm-static-{os.getpid()}"

# Fast hashing: tests create many users; production keeps Django's default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Each pytest process gets its own cache, so rate-limit counters of one test (or of
# another xdist worker sharing the site's Redis) never leak into another test.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# A test whose own worker process must share what it writes to the cache with the test (the
# re-scoring progress) names the site's Redis here, for both processes, under a prefix of its
# own xdist worker so two pytest processes never read each other's keys.
if os.environ.get("KUAICRM_TEST_SHARED_CACHE"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["KUAICRM_TEST_SHARED_CACHE"],
            "KEY_PREFIX": f"kuaicrm-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}",
        }
    }

# Jobs run inline in tests, also on the Redis-backed CI site: a job left in the shared queues
# would otherwise never run, or be picked up by another test's worker against another test
# database. Tests about RQ itself switch this off (tests/lowcode/jobs, tests/lowcode/notify).
LOWCODE_JOBS_INLINE = True

# A test that runs its own RQ worker may give the queues a Redis database of their own, so
# xdist workers sharing the site's Redis never take each other's jobs, and share its files
# folder with it (tests/lowcode/dataio/test_import_recovery.py).
if os.environ.get("KUAICRM_TEST_FILES_PATH"):
    FILES_PATH = Path(os.environ["KUAICRM_TEST_FILES_PATH"])
if os.environ.get("KUAICRM_TEST_RQ_URL"):
    RQ_QUEUES = {
        name: {"URL": os.environ["KUAICRM_TEST_RQ_URL"], "DEFAULT_TIMEOUT": 600}
        for name in ("default", "short", "long")
    }
