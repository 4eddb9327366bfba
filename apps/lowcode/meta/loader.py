"""Find and parse DocType JSON files of every installed app."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.conf import settings

from lowcode.meta.doctype import DocTypeMeta, doctype_from_dict


@dataclass
class DefinitionFile:
    """A DocType JSON file, parsed or not."""

    app: str
    path: Path
    raw: dict | None
    error: str | None = None


def app_dir(app: str) -> Path:
    return Path(import_module(app).__file__ or "").parent


def definition_files(app: str) -> list[DefinitionFile]:
    """Return every ``doctype/<name>/<name>.json`` of one app, sorted by path."""
    found = []
    for path in sorted((app_dir(app) / "doctype").glob("*/*.json")):
        if path.stem != path.parent.name:
            continue
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("top level must be an object")
            found.append(DefinitionFile(app, path, raw))
        except (ValueError, UnicodeDecodeError) as exc:
            found.append(DefinitionFile(app, path, None, str(exc)))
    return found


@functools.cache
def base_definitions() -> dict[str, DocTypeMeta]:
    """Return the JSON-defined DocTypes of all apps, keyed by name (no customisations)."""
    definitions: dict[str, DocTypeMeta] = {}
    for app in settings.LOWCODE_APPS:
        for item in definition_files(app):
            if item.raw is not None and item.raw.get("name"):
                definitions.setdefault(item.raw["name"], doctype_from_dict(item.raw, app))
    return definitions


def app_definitions(app: str) -> list[DocTypeMeta]:
    return [meta for meta in base_definitions().values() if meta.app == app]
