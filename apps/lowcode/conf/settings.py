"""Django settings built from the active site's ``site_config.json``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from lowcode.conf.site import REPO_DIR, read_site_config, served_over_https, site_name, site_path

SITE_NAME = site_name()
SITE_DIR = site_path()
SITE_CONFIG = read_site_config()

# A missing site (e.g. `kuaicrm new-site` itself) still needs a key to boot;
# a random one per process is safe because nothing signed outlives it.
SECRET_KEY = SITE_CONFIG.get("secret_key") or secrets.token_urlsafe(50)
DEBUG = bool(SITE_CONFIG.get("developer_mode", False))
ALLOWED_HOSTS = SITE_CONFIG.get("allowed_hosts", ["127.0.0.1", "localhost", "testserver", "[::1]"])

# Apps whose doctype/ folders, hooks.py and translations the engine loads, in order.
# Engine capabilities with DocTypes of their own are apps too, listed before the CRM.
ENGINE_CAPABILITIES = [
    "workflow",
    "scripts",
    "reports",
    "notify",
    "rules",
    "desk",
    "dataio",
    "printing",
]
LOWCODE_APPS = ["lowcode", *(f"lowcode.{name}" for name in ENGINE_CAPABILITIES), "kuaicrm"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django_rq",
    "lowcode.apps.LowcodeConfig",
    *(f"lowcode.{name}.apps.{name.capitalize()}Config" for name in ENGINE_CAPABILITIES),
    "kuaicrm.apps.KuaicrmConfig",
    # DocTypes made at run time: models built from tabDocType rows, tables made by the engine.
    "lowcode.runtime.apps.RuntimeConfig",
]
# No migrations for them: their tables are not Django's to create, change or drop.
MIGRATION_MODULES = {"lowcode_runtime": None}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First to see every response (static files, errors, the desk, the API): no framing, HSTS.
    "lowcode.api.headers.SecurityHeadersMiddleware",
    # Static files (the desk's own and the npm packages', compressed) before sessions: no DB
    # work for them.
    "lowcode.conf.static.StaticFilesMiddleware",
    "lowcode.api.middleware.RequestSizeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lowcode.api.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After AuthenticationMiddleware so a token's user is not replaced by the
    # session's; CSRF is checked later (process_view), so the exemption holds.
    "lowcode.api.middleware.TokenAuthMiddleware",
    "lowcode.api.middleware.MetaFreshnessMiddleware",
    # Reads as the viewed user and refuses writes while a System Manager views as someone.
    "lowcode.api.middleware.ViewAsMiddleware",
    # Last, so its process_exception sees a view's outage error first (errors.server_error
    # answers those raised by the middleware above).
    "lowcode.api.middleware.ServiceOutageMiddleware",
]

ROOT_URLCONF = "lowcode.conf.urls"
WSGI_APPLICATION = "lowcode.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "lowcode.desk.context.desk_context",
            ]
        },
    }
]


def _database() -> dict:
    db_type = SITE_CONFIG.get("db_type", "sqlite")
    # KUAICRM_DB_NAME points a process at another database of the same server
    # (for SQLite: another file); tests use it to run a real RQ worker on the
    # test database. Unset in normal use.
    db_name_override = os.environ.get("KUAICRM_DB_NAME")
    if db_type == "mariadb":
        return {
            "ENGINE": "django.db.backends.mysql",
            "NAME": db_name_override or SITE_CONFIG.get("db_name", "kuaicrm"),
            "USER": SITE_CONFIG.get("db_user", "kuaicrm"),
            "PASSWORD": SITE_CONFIG.get("db_password", ""),
            "HOST": SITE_CONFIG.get("db_host", "127.0.0.1"),
            "PORT": str(SITE_CONFIG.get("db_port", 3306)),
            "OPTIONS": {
                "charset": "utf8mb4",
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
                "isolation_level": "read committed",
            },
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    if db_type != "sqlite":
        raise ValueError(f"site_config.json: unknown db_type {db_type!r} (sqlite or mariadb)")
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": db_name_override or str(SITE_DIR / "db.sqlite3"),
        "OPTIONS": {
            # WAL lets readers run beside the single writer; IMMEDIATE takes the
            # write lock at BEGIN so two writers queue instead of deadlocking. SQLite's
            # default page cache is 2 MB: at a million rows each insert into the big indexes
            # (duplicate keys, leads) would re-read pages from the OS on every statement.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA cache_size=-{int(SITE_CONFIG.get('sqlite_cache_mb', 64)) * 1024};",
            "transaction_mode": "IMMEDIATE",
            # Seconds a statement waits for another writer's lock before "database is
            # locked" (a site may shorten it, e.g. to exercise the scheduler's retries).
            "timeout": float(SITE_CONFIG.get("sqlite_timeout", 20)),
        },
        "TEST": {"NAME": SITE_CONFIG.get("test_db_name") or None},
    }


DATABASES = {
    "default": {
        **_database(),
        # Reuse connections across requests: opening one (and, on SQLite, setting its
        # PRAGMAs) per request cost several ms of every API call in bench/.
        "CONN_MAX_AGE": int(SITE_CONFIG.get("db_conn_max_age", 60)),
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The page cache of each SQLite connection a web process opens (one per thread; see
# lowcode/conf/wsgi.py); workers, imports and the CLI keep ``sqlite_cache_mb``.
LOWCODE_SQLITE_WEB_CACHE_MB = int(SITE_CONFIG.get("sqlite_web_cache_mb", 8))

REDIS_URL = SITE_CONFIG.get("redis_url") or ""

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"kuaicrm:{SITE_NAME}",
        }
    }
else:
    # The database cache is shared by every process of the site, which rate
    # limiting needs; a per-process memory cache would let each worker count alone.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "lowcode_cache",
        }
    }

RQ_QUEUES = {
    name: {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}
    for name in ("default", "short", "long")
}
LOWCODE_JOBS_INLINE = not REDIS_URL

# Every way a password is set (desk, REST, CLI, new-site) goes through these
# (lowcode.users.check_password_strength), with their messages in the user's language.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        # full_name is the profile's (set on the user object by lowcode.users before checking).
        "OPTIONS": {"user_attributes": ("username", "full_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Served over HTTPS (site_config "https": true, or an https:// host_name): cookies only
# travel encrypted, and lowcode.api.headers sends HSTS.
LOWCODE_HTTPS = served_over_https(SITE_CONFIG)
SESSION_COOKIE_SECURE = LOWCODE_HTTPS
CSRF_COOKIE_SECURE = LOWCODE_HTTPS
SESSION_COOKIE_NAME = "sid"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Pages carry the token themselves (the desk's forms and hx-headers); no script needs the
# cookie, so an injected one cannot read it either. Non-browser clients read Set-Cookie.
CSRF_COOKIE_HTTPONLY = True
# Frappe clients send the CSRF token in this header.
CSRF_HEADER_NAME = "HTTP_X_FRAPPE_CSRF_TOKEN"
CSRF_FAILURE_VIEW = "lowcode.api.errors.csrf_failure"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = SITE_CONFIG.get("time_zone", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
# Backups: JSON that keeps microseconds and whitespace (lowcode/serializers/exact_json.py).
SERIALIZATION_MODULES = {"exactjson": "lowcode.serializers.exact_json"}

STATIC_URL = "/assets/"
# Front-end packages come from npm (package-lock.json), no CDN (intranets): the files the desk
# loads are named in lowcode.conf.static.NPM_FILES and found in node_modules.
NODE_MODULES = REPO_DIR / "node_modules"
STATICFILES_DIRS: list = []
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "lowcode.conf.static.NpmFinder",
]
# `kuaicrm collectstatic` (make run) copies them here with a brotli and a gzip copy of each,
# which WhiteNoise sends to browsers that accept them (a phone's cold visit: ECharts 715 KB ->
# 200 KB). Files not collected yet are still served, uncompressed, through the finders.
STATIC_ROOT = REPO_DIR / "sites" / "assets"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_MAX_AGE = 3600
LOGIN_URL = "/login"
FILES_PATH = Path(SITE_CONFIG.get("files_path") or SITE_DIR / "files")

# Bodies over this size are refused with 413 before any parsing.
LOWCODE_MAX_BODY_BYTES = int(SITE_CONFIG.get("max_body_bytes", 5 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = LOWCODE_MAX_BODY_BYTES
# Multipart uploads to /api/method/upload_file may be larger than other bodies.
LOWCODE_MAX_UPLOAD_BYTES = int(SITE_CONFIG.get("max_file_size", 25 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads stream to a temporary file
# Email goes to the console unless the site names an SMTP server: a fresh site never tries to
# reach a mail server it was not given (intranets often have none).
_mail = SITE_CONFIG.get("mail_server") or {}
if _mail:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.get("host", "localhost")
    EMAIL_PORT = int(_mail.get("port", 25))
    EMAIL_HOST_USER = _mail.get("user", "")
    EMAIL_HOST_PASSWORD = _mail.get("password", "")
    EMAIL_USE_TLS = bool(_mail.get("use_tls", False))
    EMAIL_USE_SSL = bool(_mail.get("use_ssl", False))
    EMAIL_TIMEOUT = int(_mail.get("timeout", 10))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = SITE_CONFIG.get("mail_sender") or "kuaicrm@localhost"

LOWCODE_MAX_PAGE_LENGTH = 1000
LOWCODE_COUNT_CAP = int(SITE_CONFIG.get("count_cap", 100_000))
LOWCODE_LOGIN_LIMITS = {
    "account": (5, 15 * 60),  # failed attempts per account per window (s)
    "ip": (30, 60),  # attempts per IP per window (s)
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": SITE_CONFIG.get("log_level", "WARNING")},
}

BASE_DIR: Path = REPO_DIR
