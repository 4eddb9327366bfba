"""Progressive web app: the manifest and a service worker that caches static assets."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static

from lowcode.i18n import _

PRECACHE = [
    "desk/desk.css",
    "desk/desk.js",
    "vendor/htmx/htmx.min.js",
    "desk/pickers.css",
    "desk/pickers.js",
    "desk/lists.css",
    "desk/lists.js",
    "desk/flow.css",
    "desk/flow.js",
    "desk/flow.css",
    "desk/flow.js",
    "desk/icons/icon-192.png",
    "desk/icons/icon-512.png",
]


def manifest(request):
    return JsonResponse(
        {
            "name": _("KuaiCRM"),
            "short_name": _("KuaiCRM"),
            "lang": "zh-CN",
            "start_url": "/app",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1d4ed8",
            "icons": [
                {"src": static("desk/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("desk/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("desk/icons/icon.svg"),
                    "sizes": "any",
                    "type": "image/svg+xml",
                    "purpose": "any",
                },
            ],
        },
        json_dumps_params={"ensure_ascii": False},
        content_type="application/manifest+json",
    )


SERVICE_WORKER = """// KuaiCRM service worker: static assets cache-first, pages and data always from the network
// (documents must never be served stale from a phone's cache).
const CACHE = "%(version)s";
const ASSETS = %(assets)s;
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !url.pathname.startsWith("%(prefix)s")) return;
  event.respondWith(
    caches.match(event.request).then((hit) => hit || fetch(event.request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(event.request, copy));
      }
      return response;
    }))
  );
});
"""


@functools.cache
def cache_version() -> str:
    """A digest of the precached files: any change to them gives phones a new cache."""
    digest = hashlib.sha256()
    for path in PRECACHE:
        found = finders.find(path)
        if found:
            digest.update(Path(found).read_bytes())
    return "desk-" + digest.hexdigest()[:12]


def service_worker(request):
    body = SERVICE_WORKER % {
        "version": cache_version(),
        "assets": json.dumps([static(path) for path in PRECACHE]),
        "prefix": static(""),
    }
    response = HttpResponse(body, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
