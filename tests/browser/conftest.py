"""Real-browser fixtures: the real app on a real HTTP server, driven by Debian's Chromium.

``desk_server`` runs the app (Django's live-server thread: the WSGI handler, the middleware,
the static files) on a free port against the test database; ``browser`` is one headless
Chromium per pytest process (so one per xdist worker); ``page_for(user, viewport)`` opens a
fresh browser context and logs in through the real /login form.

SQLite runs the test database in memory: Django then hands the server threads the test's own
connection, and one SQLite connection must not run two statements at once. The server here
therefore serves one request at a time on SQLite (``serial``), and tests that read the database
while the browser may still be talking to the server take the same lock (``stored``). On MariaDB
every thread has its own connection and requests run in parallel, as in production.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test.testcases import LiveServerThread

from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
# Playwright waits this long (ms) for a selector or a navigation before failing the test.
TIMEOUT_MS = 15_000


# ---------------------------------------------------------------- the server
class _SerialApp:
    """Serve one request at a time while the database connection is shared between threads."""

    def __init__(self, app: Callable, lock: threading.RLock) -> None:
        self.app = app
        self.lock = lock

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        with self.lock:
            response = self.app(environ, start_response)
            try:
                # Render and close (request_finished) inside the lock, not while the server
                # thread writes the bytes out.
                return list(response)
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()


class _DeskServerThread(LiveServerThread):
    lock: threading.RLock

    def _create_server(self, connections_override=None):
        server = super()._create_server(connections_override=connections_override)
        if connections_override:
            set_app = server.set_app
            server.set_app = lambda app: set_app(_SerialApp(app, self.lock))
        return server


@dataclass
class DeskServer:
    url: str
    # Held by the server around each request when the connection is shared (SQLite in
    # memory); a no-op otherwise.
    lock: Any


@pytest.fixture(scope="session")
def _collected_static() -> Iterator[None]:
    """Collect and compress the static files as `make run` does, for this pytest process."""
    import shutil

    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    yield
    shutil.rmtree(settings.STATIC_ROOT, ignore_errors=True)


def _as_served(app: Callable) -> Callable:
    # No Django StaticFilesHandler in front: WhiteNoise, in the middleware, serves the static
    # files, compressed, exactly as `kuaicrm start` does.
    return app


@pytest.fixture(scope="session")
def _desk_server_thread(
    _collected_static, django_db_setup, django_db_blocker
) -> Iterator[_DeskServerThread]:
    with django_db_blocker.unblock():
        shared = {
            conn.alias: conn
            for conn in connections.all()
            if conn.vendor == "sqlite" and conn.is_in_memory_db()
        }
    thread = _DeskServerThread("127.0.0.1", _as_served, connections_override=shared)
    thread.lock = threading.RLock()
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield thread
    thread.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


@pytest.fixture
def desk_server(transactional_db, _desk_server_thread, settings) -> Iterator[DeskServer]:
    """The app over HTTP for one test; the test's data is committed, so the server sees it."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    thread = _desk_server_thread
    lock = thread.lock if thread.connections_override else contextlib.nullcontext()
    yield DeskServer(url=f"http://127.0.0.1:{thread.port}", lock=lock)
    # The database is flushed after this: wait for a request still running.
    with lock:
        pass


@pytest.fixture
def stored(desk_server) -> Callable[[Callable[[], Any]], Any]:
    """``stored(lambda: ...)`` reads the database without racing the server's requests."""

    def read(function: Callable[[], Any]) -> Any:
        from lowcode import context

        with desk_server.lock:
            context.reset()
            return function()

    return read


# ---------------------------------------------------------------- the browser
class _PlaywrightThread:
    """Run Playwright's sync API in a thread of its own; tests call it through ``Remote``.

    Playwright's sync API keeps an asyncio loop marked as running in the thread that uses it.
    Django then refuses every ORM call of that thread (SynchronousOnlyOperation), in the
    browser tests and in every other test the same pytest process runs later. In a thread of
    its own the browser leaves the test's thread alone, and Django's guard stays on.
    """

    def __init__(self) -> None:
        self.calls: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._serve, name="playwright", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            item = self.calls.get()
            if item is None:
                return
            function, args, kwargs, future = item
            try:
                future.set_result(function(*args, **kwargs))
            except BaseException as exc:  # handed to the test's thread, raised there
                future.set_exception(exc)

    def run(self, function: Callable, *args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is self.thread:  # a Playwright callback calling back
            return function(*args, **kwargs)
        future: Future = Future()
        self.calls.put((function, args, kwargs, future))
        return future.result()

    def stop(self) -> None:
        self.calls.put(None)
        self.thread.join(timeout=30)


class Remote:
    """A Playwright object living in the Playwright thread; attributes and calls go there."""

    __slots__ = ("_runner", "_target")

    def __init__(self, runner: _PlaywrightThread, target: Any) -> None:
        object.__setattr__(self, "_runner", runner)
        object.__setattr__(self, "_target", target)

    def _wrap(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._wrap(v) for v in value]
        if type(value).__module__.startswith("playwright."):
            return Remote(self._runner, value)
        return value

    def __getattr__(self, name: str) -> Any:
        value = self._runner.run(getattr, self._target, name)
        if callable(value) and not type(value).__module__.startswith("playwright."):
            return lambda *args, **kwargs: self._wrap(
                self._runner.run(
                    value, *map(_unwrap, args), **{k: _unwrap(v) for k, v in kwargs.items()}
                )
            )
        return self._wrap(value)

    def __repr__(self) -> str:
        return f"Remote({self._target!r})"


def _unwrap(value: Any) -> Any:
    return value._target if isinstance(value, Remote) else value


@pytest.fixture(scope="session")
def _playwright() -> Iterator[tuple[_PlaywrightThread, Any]]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `scripts/browser.sh install` (Debian chromium)")
    from playwright.sync_api import sync_playwright

    runner = _PlaywrightThread()
    manager = sync_playwright()
    playwright = runner.run(manager.start)
    yield runner, playwright
    runner.run(playwright.stop)
    runner.stop()


@pytest.fixture(scope="session")
def browser(_playwright) -> Iterator[Remote]:
    """One headless Chromium per pytest process (so one per xdist worker)."""
    runner, playwright = _playwright
    chromium = runner.run(
        playwright.chromium.launch,
        executable_path=str(CHROMIUM),
        headless=True,
        args=["--no-sandbox"],
    )
    yield Remote(runner, chromium)
    runner.run(chromium.close)


@pytest.fixture(scope="session")
def expect(_playwright) -> Callable[[Remote], Remote]:
    """Playwright's ``expect`` (auto-waiting assertions) for Remote pages and locators."""
    from playwright.sync_api import expect as playwright_expect

    runner, _ = _playwright
    runner.run(playwright_expect.set_options, timeout=TIMEOUT_MS)
    return lambda target: Remote(runner, runner.run(playwright_expect, _unwrap(target)))


@dataclass
class Pages:
    """Open browser contexts of one test; closed (and checked for JS errors) at teardown."""

    contexts: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def screenshot(page, name: str) -> Path:
    """Save what the user sees (the whole page) as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-zA-Z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def save(page) -> None:
    """Click Save on a stored document's form and wait until the saved version is shown.

    The inputs already hold the user's values before the request is sent, so they cannot
    tell that the save is done; the version stamp (``modified``) of the reloaded form can.
    """
    before = page.locator("#doc-form input[name=modified]").input_value()
    page.click("#save-btn")
    page.wait_for_function(
        "(document.querySelector('#doc-form input[name=modified]') || {}).value !== " + repr(before)
    )


@pytest.fixture
def page_for(browser, desk_server, users) -> Iterator[Callable[..., Any]]:
    """``page_for("rep", PHONE)``: a logged-in page of a new browser context."""
    opened = Pages()

    def new_page(viewport: dict | None = None, *, locale: str = "en-US"):
        # Chromium says Accept-Language: en-US, like most office PCs here.
        context = browser.new_context(
            viewport=viewport or DESKTOP, locale=locale, base_url=desk_server.url
        )
        context.set_default_timeout(TIMEOUT_MS)
        opened.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: opened.errors.append(f"{page.url}: {exc}"))
        return page

    def login(user: str, viewport: dict | None = None, **kwargs):
        page = new_page(viewport, **kwargs)
        page.goto("/login")
        page.fill("#usr", user)
        page.fill("#pwd", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/app")
        return page

    login.anonymous = new_page  # type: ignore[attr-defined]
    yield login
    for context in opened.contexts:
        context.close()
    assert not opened.errors, f"JavaScript errors: {opened.errors}"


# The workflow fixtures of the API tests: approvers (finance, legal, department heads) and the
# apps' workflow definitions loaded.
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: E402, F401
