"""WSGI entry point (gunicorn ``lowcode.conf.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lowcode.conf.settings")
application = get_wsgi_application()


def _web_page_cache(sender, connection, **kwargs) -> None:
    """Give the web's SQLite connections a small page cache.

    SQLite keeps a page cache per connection, and a web worker holds one connection per
    thread (reused for ``CONN_MAX_AGE``): at the 64 MB that imports and the rule engine
    want, each thread of each worker grew by up to 64 MB as requests touched a big
    database (73 -> 128 MB in five minutes; bench/bench_memory.py). The operating system's
    file cache still keeps the pages for every process at once.
    """
    if connection.vendor == "sqlite":
        from django.conf import settings

        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size=-{int(settings.LOWCODE_SQLITE_WEB_CACHE_MB) * 1024}")


def _connect_web_page_cache() -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(_web_page_cache, dispatch_uid="lowcode-web-page-cache")


_connect_web_page_cache()
