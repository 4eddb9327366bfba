"""Each main page's bytes on the wire for a phone's cold visit (issue 17: at most 300 KB each).

Usage::

    .venv/bin/python bench/phone_bytes.py [--site bench-phone] [--user li.na] [--json F]

Creates the site (SQLite) with the demo data when it does not exist, collects the static files
as ``make run`` does (brotli/gzip copies), serves it with ``kuaicrm start`` (gunicorn) on a free
port, logs in once with Debian's Chromium, then opens each main page in a new browser context
at 390×844 (an empty HTTP cache, no service worker: a cold visit) and adds up what Chromium
received for it: ``Network.loadingFinished``'s ``encodedDataLength`` (compressed body and
headers) of every request the page made until the network was idle. Printed per page with its
request count and its largest files; ``tests/browser/test_phone_bytes.py`` asserts the budget.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

REPO_DIR = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
BUDGET_BYTES = 300 * 1024
DEMO_PASSWORD = "Demo@2026kuai"  # noqa: S105 - the published demo login (kuaicrm load-demo)


@dataclass
class PageBytes:
    label: str
    path: str
    status: int
    total: int = 0  # bytes on the wire: compressed bodies and headers
    requests: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)

    def largest(self, count: int = 3) -> list[tuple[str, int]]:
        return sorted(self.files.items(), key=lambda item: -item[1])[:count]


def main_pages(request: Any, search: str | None = None) -> list[tuple[str, str]]:
    """The (label, path) of each main page, records picked through the REST API as the user."""

    def newest(doctype: str) -> str:
        response = request.get(
            f"/api/resource/{quote(doctype)}",
            params={"limit_page_length": 1, "order_by": "modified desc"},
        )
        rows = response.json()["data"]
        if not rows:
            raise SystemExit(f"no {doctype} to open: load the demo data (kuaicrm load-demo)")
        return rows[0]["name"]

    lead, customer, quotation = newest("Lead"), newest("Customer"), newest("Quotation")
    return [
        ("home", "/app"),
        ("lead list", "/app/lead"),
        ("lead form", f"/app/lead/{quote(lead)}"),
        ("opportunity kanban", "/app/opportunity/view/kanban"),
        ("customer 360", f"/app/customer/{quote(customer)}/connections"),
        ("quotation form", f"/app/quotation/{quote(quotation)}"),
        ("funnel report", "/app/query-report/" + quote("Sales Funnel")),
        ("dashboard", "/app/dashboard"),
        ("approvals", "/app/approvals"),
        ("search", "/app/search?q=" + quote(search or customer[:4])),
    ]


def cold_visit(browser: Any, base_url: str, state: dict, label: str, path: str) -> PageBytes:
    """Open ``path`` in a new context at 390×844 and add up the bytes Chromium received."""
    context = browser.new_context(
        viewport=PHONE,
        base_url=base_url,
        storage_state=state,
        locale="zh-CN",
        # A cold visit: nothing served by a service worker's cache.
        service_workers="block",
    )
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        urls: dict[str, tuple[str, str]] = {}
        sizes: dict[str, int] = {}

        def received(event: dict) -> None:
            urls[event["requestId"]] = (event["response"]["url"], event.get("type", "Other"))

        def finished(event: dict) -> None:
            sizes[event["requestId"]] = int(event["encodedDataLength"])

        cdp.on("Network.responseReceived", received)
        cdp.on("Network.loadingFinished", finished)
        cdp.send("Network.enable")
        response = page.goto(path, wait_until="load")
        page.wait_for_load_state("networkidle")
        measured = PageBytes(label, path, response.status if response else 0)
        for request_id, size in sizes.items():
            url, kind = urls.get(request_id, ("?", "Other"))
            measured.total += size
            measured.requests += 1
            measured.by_type[kind] = measured.by_type.get(kind, 0) + size
            name = urlsplit(url).path or url
            measured.files[name] = measured.files.get(name, 0) + size
        return measured
    finally:
        context.close()


def login_state(browser: Any, base_url: str, user: str, password: str) -> tuple[dict, Any]:
    """Log in through the real /login form; the session (cookies) for the cold visits."""
    context = browser.new_context(viewport=PHONE, base_url=base_url, locale="zh-CN")
    page = context.new_page()
    page.goto("/login")
    page.fill("#usr", user)
    page.fill("#pwd", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/app")
    return context.storage_state(), context


def measure_all(
    browser: Any, base_url: str, user: str, password: str, search: str | None = None
) -> list[PageBytes]:
    state, context = login_state(browser, base_url, user, password)
    try:
        pages = main_pages(context.request, search)
    finally:
        context.close()
    return [cold_visit(browser, base_url, state, label, path) for label, path in pages]


def report(results: list[PageBytes], write: Callable[[str], Any] = print) -> None:
    write(f"{'page':<20} {'KB':>7} {'req':>4}  budget {BUDGET_BYTES // 1024} KB; largest files")
    for r in results:
        flag = "" if r.total <= BUDGET_BYTES else "  OVER"
        largest = ", ".join(f"{Path(n).name or n} {s / 1024:.0f}" for n, s in r.largest())
        write(f"{r.label:<20} {r.total / 1024:7.1f} {r.requests:>4}  {largest}{flag}")


# ---------------------------------------------------------------- the command
def _run(argv: list[str], site: str) -> None:
    print(f"$ {' '.join(argv)}", flush=True)
    env = {**os.environ, "KUAICRM_SITE": site}
    subprocess.run(argv, cwd=REPO_DIR, env=env, check=True)  # noqa: S603 - fixed argv


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site", default="bench-phone")
    parser.add_argument("--user", default="li.na", help="a demo user (a 华东 sales manager)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    kuaicrm = str(REPO_DIR / ".venv" / "bin" / "kuaicrm")
    if not (REPO_DIR / "sites" / args.site / "site_config.json").exists():
        _run([kuaicrm, "new-site", args.site], args.site)
    _run([kuaicrm, "migrate"], args.site)
    _run([kuaicrm, "load-demo"], args.site)
    _run([kuaicrm, "collectstatic", "--noinput", "--verbosity", "0"], args.site)

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_api import Server
    from playwright.sync_api import sync_playwright

    server = Server(args.site)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            base_url = f"http://127.0.0.1:{server.port}"
            results = measure_all(browser, base_url, args.user, DEMO_PASSWORD)
            browser.close()
    finally:
        server.stop()
    report(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1) + "\n")


if __name__ == "__main__":
    main()
