"""Read the active site's ``site_config.json``.

A site is one tenant: its own database, Redis, secret key and files. The
site is chosen by ``KUAICRM_SITE`` (default ``default``); the folder that
holds sites by ``KUAICRM_SITES_DIR`` (default ``<repo>/sites``).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[3]


def sites_dir() -> Path:
    return Path(os.environ.get("KUAICRM_SITES_DIR", REPO_DIR / "sites"))


def site_name() -> str:
    return os.environ.get("KUAICRM_SITE", "default")


def site_path(name: str | None = None) -> Path:
    return sites_dir() / (name or site_name())


def read_site_config(name: str | None = None) -> dict[str, Any]:
    """Return the site's config, or an empty dict if the site has none yet."""
    path = site_path(name) / "site_config.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def served_over_https(config: dict[str, Any]) -> bool:
    """Whether the site says it is served over HTTPS (``https`` or an https:// host_name)."""
    host = str(config.get("host_name") or "")
    return bool(config.get("https")) or host.lower().startswith("https://")


def write_site_config(name: str, config: dict[str, Any]) -> Path:
    """Create the site folder and write its config (owner-only); never overwrite a secret key."""
    folder = site_path(name)
    folder.mkdir(parents=True, exist_ok=True)
    config.setdefault("secret_key", secrets.token_urlsafe(50))
    config.setdefault("files_path", str(folder / "files"))
    path = folder / "site_config.json"
    # Created 0600 (not chmod-ed after writing): the secret key and database password are
    # never readable by other users, not even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    path.chmod(0o600)  # an existing file keeps its mode through O_CREAT
    return path
