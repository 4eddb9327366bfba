"""Read the site's System Settings, with ``site_config.json`` as a host's hard override.

The record is read once per process per metadata generation (saving it bumps the
generation), so a switch turned in the desk applies on every worker at its next request.
A key present in ``site_config.json`` wins over the record: a host that wants server scripts
off whatever an administrator clicks sets ``"server_script_enabled": false`` there.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError

NAME = "System Settings"
# System Settings field → the site_config.json key that overrides it (the keys hosts used
# before the screen existed, so existing site configs keep their meaning).
SITE_CONFIG_KEYS = {
    "enable_server_scripts": "server_script_enabled",
    "server_script_cpu_seconds": "server_script_cpu_seconds",
    "server_script_memory_mb": "server_script_memory_mb",
    "public_openapi": "public_openapi",
}


def stored() -> dict[str, Any]:
    """The saved record's values, the DocType's defaults where none is saved yet."""
    from lowcode.meta import registry

    return registry.config_cached(("system-settings",), _load)


def _load() -> dict[str, Any]:
    from lowcode.meta import registry
    from lowcode.storage.factory import get_model

    fields = registry.get_meta(NAME).data_fields
    values = {f.fieldname: _default(f.fieldtype, f.default) for f in fields}
    try:
        row = (
            get_model(NAME).objects.filter(name=NAME).values(*(f.fieldname for f in fields)).first()
        )
    except DatabaseError:  # before the table is migrated
        row = None
    values.update(row or {})
    return values


def _default(fieldtype: str, default: Any) -> Any:
    if default in (None, ""):
        return None
    if fieldtype in ("Check", "Int"):
        return int(default)
    if fieldtype in ("Float", "Currency", "Percent"):
        return float(default)
    return default


def override(fieldname: str) -> Any | None:
    """The site_config.json value that overrides this setting, or None."""
    return settings.SITE_CONFIG.get(SITE_CONFIG_KEYS.get(fieldname, ""))


def value(fieldname: str) -> Any:
    """The setting in force: site_config.json's value if the host set one, else the record's."""
    forced = override(fieldname)
    return forced if forced is not None else stored().get(fieldname)
