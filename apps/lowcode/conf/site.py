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


def write_site_config(name: str, config: dict[str, Any]) -> Path:
    """Create the site folder and write its config; never overwrite a secret key."""
    folder = site_path(name)
    folder.mkdir(parents=True, exist_ok=True)
    config.setdefault("secret_key", secrets.token_urlsafe(50))
    config.setdefault("files_path", str(folder / "files"))
    path = folder / "site_config.json"
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path
