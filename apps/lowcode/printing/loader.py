"""Load standard print formats (``apps/*/print_format/<doctype>/<name>.html``) by content hash.

``<name>.html`` is the template; an optional ``<name>.json`` beside it sets the record's
other fields (``print_format_name``, ``doc_type``, ``default``, ``css``, page settings).
Without one, the DocType comes from the folder (``sales_order`` → the DocType whose snake
name it is) and the name from the file. A format an administrator edited is marked
``is_customised`` and left alone, like workflow fixtures.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.meta import registry
from lowcode.meta.doctype import snake_name
from lowcode.meta.loader import app_dir
from lowcode.storage.factory import get_model

ADMINISTRATOR = "Administrator"
PRINT_FORMAT = "Print Format"

_loading: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "print_formats_loading", default=False
)


@contextlib.contextmanager
def loading_files() -> Iterator[None]:
    """Writes of the loader itself: they must not mark a format as edited on this site."""
    token = _loading.set(True)
    try:
        yield
    finally:
        _loading.reset(token)


def is_loading_files() -> bool:
    return _loading.get()


@dataclass
class FormatFile:
    """One shipped format: where it is and what it makes."""

    app: str
    path: Path
    data: dict
    digest: str


def doctype_for_folder(folder: str) -> str | None:
    """The DocType whose snake name is ``folder`` (``sales_order`` → ``Sales Order``)."""
    for name in registry.doctype_names():
        if snake_name(name) == folder:
            return name
    return None


def format_files() -> list[FormatFile]:
    """Read every shipped format of every app, sorted by path."""
    found = []
    for app in settings.LOWCODE_APPS:
        for path in sorted((app_dir(app) / "print_format").glob("*/*.html")):
            html = path.read_bytes()
            extra_path = path.with_suffix(".json")
            extra = extra_path.read_bytes() if extra_path.exists() else b"{}"
            data = json.loads(extra)
            data.setdefault("print_format_name", path.stem)
            data.setdefault("doc_type", doctype_for_folder(path.parent.name) or path.parent.name)
            data["html"] = html.decode("utf-8")
            data["is_standard"] = 1
            data["app"] = app
            digest = hashlib.sha256(html + b"\0" + extra).hexdigest()
            found.append(FormatFile(app, path, data | {"source_hash": digest}, digest))
    return found


@transaction.atomic
def sync_print_formats() -> list[str]:
    """Insert or update each shipped format whose files changed; return the names written."""
    PrintFormat = get_model(PRINT_FORMAT)
    written = []
    for item in format_files():
        name = item.data["print_format_name"]
        stored = (
            PrintFormat.objects.filter(name=name).values("source_hash", "is_customised").first()
        )
        if stored and (stored["source_hash"] == item.digest or stored["is_customised"]):
            continue  # unchanged, or an administrator's edit that must not be overwritten
        with loading_files():
            if stored is None:
                do_insert_doc(ADMINISTRATOR, PRINT_FORMAT, item.data)
            else:
                do_save_doc(ADMINISTRATOR, PRINT_FORMAT, name, item.data)
        written.append(name)
    return written
