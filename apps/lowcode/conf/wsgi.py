"""WSGI entry point (gunicorn ``lowcode.conf.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lowcode.conf.settings")
application = get_wsgi_application()
