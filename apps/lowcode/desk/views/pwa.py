"""Progressive web app: the manifest, the service worker and the offline page (docs/offline.md)."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
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
    "desk/offline.js",
    "desk/approvals.css",
    "desk/approvals.js",
    "desk/home.js",
    "desk/record.css",
    "desk/record.js",
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


# How many record pages the user opened last stay readable offline (docs/offline.md).
RECENT_RECORDS = 20
OFFLINE_URL = "/offline"

SERVICE_WORKER = """// KuaiCRM service worker (docs/offline.md). Static assets: cache-first. Pages: always from the
// network while there is one (documents must never be served stale); the last %(recent)s record
// pages (/app/<doctype>/<name>) are kept in RECORDS so that, offline, the record opens as last
// seen, and any other page falls back to the offline page. offline.js empties RECORDS at logout
// and on the login page, so a shared phone never shows the previous user's records.
const CACHE = "%(version)s";
const RECORDS = "desk-records";
const RECENT = %(recent)s;
const OFFLINE = "%(offline)s";
const ASSETS = %(assets)s;
const RECORD_PAGE = /^\\/app\\/[^/_][^/]*\\/(?!new$)[^/]+$/;
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([...ASSETS, OFFLINE])).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE && k !== RECORDS).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});
async function remember(request, response) {
  const cache = await caches.open(RECORDS);
  await cache.delete(request.url);  // re-added last: the cache's order is the viewing order
  await cache.put(request.url, response);
  const kept = await cache.keys();
  await Promise.all(kept.slice(0, Math.max(0, kept.length - RECENT)).map((old) => cache.delete(old)));
}
async function navigate(event, url) {
  try {
    const response = await fetch(event.request);
    // A redirect (to /login when the session ended) or an error page is never kept.
    if (response.ok && !response.redirected && RECORD_PAGE.test(url.pathname)) {
      event.waitUntil(remember(event.request, response.clone()));
    }
    return response;
  } catch (error) {
    const records = await caches.open(RECORDS);
    return (await records.match(event.request.url)) || (await caches.match(OFFLINE)) || Response.error();
  }
}
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (event.request.mode === "navigate") {
    event.respondWith(navigate(event, url));
    return;
  }
  if (!url.pathname.startsWith("%(prefix)s")) return;
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
        "recent": RECENT_RECORDS,
        "offline": OFFLINE_URL,
        "assets": json.dumps([static(path) for path in PRECACHE]),
        "prefix": static(""),
    }
    response = HttpResponse(body, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def offline_page(request):
    """The page a phone shows offline when the page asked for was not kept (the worker
    precaches it): recently viewed records and unsent drafts, listed by offline.js."""
    return render(request, "desk/offline.html")
