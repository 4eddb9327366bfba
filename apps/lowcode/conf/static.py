"""Static files: the npm files the desk uses, and WhiteNoise serving their compressed copies.

`kuaicrm collectstatic` (run by `make run`) copies the desk's files and the npm files named in
``NPM_FILES`` to ``STATIC_ROOT`` and writes a ``.br`` and a ``.gz`` beside each
(``whitenoise.storage.CompressedStaticFilesStorage``); WhiteNoise then answers a browser that
accepts brotli or gzip with those bytes. ECharts shrinks from 715 KB to about 200 KB on the wire.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, overload

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from whitenoise.middleware import WhiteNoiseMiddleware

# URL folder -> (folder in node_modules, the files of it the desk loads). Only these are
# collected and compressed: a package's dist folder also holds source maps, ESM builds and
# full bundles (ECharts' is 51 MB) that no page asks for.
NPM_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "vendor/htmx": ("htmx.org/dist", ("htmx.min.js",)),
    "vendor/sortablejs": ("sortablejs", ("Sortable.min.js",)),
    # The "common" build (bar, line, pie, scatter; grid, legend, tooltip): 200 KB brotli
    # against 300 KB for the full build, which alone would spend a phone page's budget.
    # Funnels are drawn as centred bars (desk/charts.js).
    "vendor/echarts": ("echarts/dist", ("echarts.common.min.js",)),
}


def _storage(prefix: str, folder: str) -> FileSystemStorage:
    storage = FileSystemStorage(location=str(Path(settings.NODE_MODULES) / folder))
    storage.prefix = prefix  # type: ignore[attr-defined]  # read by collectstatic and WhiteNoise
    return storage


class NpmFinder(BaseFinder):
    """Find the npm files of ``NPM_FILES`` (and nothing else of node_modules)."""

    def check(self, **kwargs: Any) -> list:
        return []

    @overload
    def find(self, path: str, find_all: Literal[False] = False) -> str | None: ...
    @overload
    def find(self, path: str, find_all: Literal[True]) -> list[str]: ...
    def find(self, path: str, find_all: bool = False) -> str | list[str] | None:
        found: list[str] = []
        for prefix, (folder, names) in NPM_FILES.items():
            name = path.removeprefix(prefix + "/")
            if name != path and name in names:
                full = str(Path(settings.NODE_MODULES) / folder / name)
                if os.path.exists(full):
                    if not find_all:
                        return full
                    found.append(full)
        return found if find_all else None

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for prefix, (folder, names) in NPM_FILES.items():
            storage = _storage(prefix, folder)
            for name in names:
                if storage.exists(name):
                    yield name, storage


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise serving the collected files (with their .br/.gz) before the finders' copies.

    WhiteNoise lets the finders' files replace the collected ones, and a file found in
    node_modules or an app's static folder has no compressed copy beside it. Here a collected
    copy is kept while it is the same file as its source (same size, collected after the
    source's last change); a file added or edited since the last collectstatic is served from
    its source, uncompressed, so a stale copy is never served.
    """

    def add_files(self, root: str, prefix: str | None = None) -> None:
        # Not collected yet (`kuaicrm collectstatic`): the finders serve everything, as before.
        if self.autorefresh or os.path.isdir(root):
            super().add_files(root, prefix)

    def add_files_from_finders(self) -> None:
        sources: dict[str, str] = {}
        for finder in finders.get_finders():
            for path, storage in finder.list(None):
                prefix = (getattr(storage, "prefix", None) or "").strip("/")
                url = f"{self.static_prefix}{prefix}{'/' if prefix else ''}{path}"
                sources.setdefault(url.replace("\\", "/"), storage.path(path))
        for url, source in sources.items():
            if url in self.files and self._collected_is_current(url, source):
                continue
            self.add_file_to_dictionary(url, source)

    def _collected_is_current(self, url: str, source: str) -> bool:
        collected = Path(str(self.static_root)) / url[len(self.static_prefix) :]
        try:
            copy, original = collected.stat(), os.stat(source)
        except OSError:
            return False
        return copy.st_size == original.st_size and copy.st_mtime >= original.st_mtime
