"""The desk installs as a web app: a manifest with icons and a service worker caching assets."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def test_manifest_is_valid_json_with_icons_that_load(page_for):
    page = page_for("rep", PHONE)
    response = page.request.get("/manifest.webmanifest")
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text())
    assert manifest["start_url"] == "/app"
    assert manifest["display"] == "standalone"
    assert manifest["name"] == "快格轻CRM"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        fetched = page.request.get(icon["src"])
        assert fetched.status == 200, icon["src"]
        assert fetched.headers["content-type"] == icon["type"], icon["src"]
    # every page links it
    assert page.locator("link[rel=manifest]").get_attribute("href") == "/manifest.webmanifest"


def test_service_worker_registers_and_caches_the_static_assets(page_for):
    page = page_for("rep", PHONE)
    scope = page.evaluate(
        "navigator.serviceWorker.ready.then((registration) => registration.scope)"
    )
    assert scope == page.evaluate("location.origin") + "/"
    cached = page.evaluate(
        """async () => {
            const names = await caches.keys();
            const urls = [];
            for (const name of names) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
            }
            return urls;
        }"""
    )
    page_assets = page.evaluate(
        """Array.from(document.querySelectorAll('script[src], link[rel=stylesheet]'))
            .map((e) => new URL(e.src || e.href).pathname)"""
    )
    assert page_assets
    assert set(page_assets) <= set(cached), (page_assets, cached)
    # pages are never cached (documents must not go stale on a phone)
    assert not [url for url in cached if url.startswith("/app")]
