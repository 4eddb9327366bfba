"""Does a web worker's memory stay flat under load? RSS before and after N real requests.

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/bench_memory.py [--requests 3000] [--trace]
                                                             [--json F]

Boots the site in this process and sends requests straight through the WSGI application
(``lowcode.conf.wsgi.application``: every middleware, token and cookie auth, no network),
as a gunicorn worker would serve them: API lists whose filters, fields, sorts and pages change
on every request, single documents, counts, inserts, and the desk's list, form, kanban and
report pages as a logged-in sales user. A first round warms every cache that should be warm;
then RSS is read from /proc before and after ``--requests`` more (and at start, before any
request: the warm-up's growth is the caches that fill once, such as SQLite's page cache). ``--trace`` also takes
tracemalloc snapshots and prints where the growth was allocated (slower).

A flat worker grows by a few MB at most (the allocator's arenas); growth proportional to the
request count is a leak. Nothing here asserts: the figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import random
import sys
import time
import tracemalloc
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

from generate_leads import setup_django


def rss_mb() -> float:
    """This process's resident set size in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Wsgi:
    """Calls the WSGI application as a server would; keeps one cookie jar."""

    def __init__(self, application, authorization: str | None = None):
        self.application = application
        self.authorization = authorization
        self.cookies: dict[str, str] = {}
        self.statuses: dict[int, int] = {}

    def request(self, method: str, path: str, params: dict | None = None, body=None) -> bytes:
        query = ""
        if params:
            query = urllib.parse.urlencode(
                {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in params.items()}
            )
        data = b""
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": urllib.parse.unquote(path),
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(data)),
            "CONTENT_TYPE": "application/json" if data else "",
        }
        if self.authorization:
            environ["HTTP_AUTHORIZATION"] = self.authorization
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if "csrftoken" in self.cookies:
                environ["HTTP_X_FRAPPE_CSRF_TOKEN"] = self.cookies["csrftoken"]
        status_line: list[str] = []

        def start_response(status, headers, exc_info=None):
            status_line.append(status)
            for name, value in headers:
                if name.lower() == "set-cookie":
                    for key, morsel in SimpleCookie(value).items():
                        self.cookies[key] = morsel.value

        chunks = self.application(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        code = int(status_line[0].split()[0])
        self.statuses[code] = self.statuses.get(code, 0) + 1
        return content


def build_workload(api: Wsgi, desk: Wsgi, leads: list[str], customers: list[str]):
    """One request of the mix per call, varied so per-query caches would show."""
    words = ["张", "王", "李", "公司", "科技", "上海", "北京", "A", "1", "精工"]
    fields_choices = [
        ["name", "lead_name"],
        ["name", "lead_name", "status", "owner", "modified"],
        ["name", "company_name", "mobile_no"],
        ["name", "status", "source", "creation"],
    ]
    counter = iter(range(10**9))
    run = int(time.time()) % 1000  # new mobiles each run: the duplicate rules would refuse

    def step() -> None:
        n = next(counter)
        kind = n % 10
        word = f"{random.choice(words)}{n % 97}"
        if kind == 0:
            api.request(
                "GET",
                "/api/resource/Lead",
                {
                    "fields": random.choice(fields_choices),
                    # an index range that moves every request: a new query each time, and
                    # cheap at a million rows
                    "filters": [["mobile_no", ">=", f"13{n % 10**6:06d}"]],
                    "limit_start": n % 40,
                    "limit_page_length": 20,
                    "order_by": random.choice(["modified desc", "creation asc", "lead_name asc"]),
                },
            )
        elif kind == 1:
            api.request("GET", f"/api/resource/Lead/{urllib.parse.quote(random.choice(leads))}")
        elif kind == 2:
            api.request(
                "GET",
                "/api/method/frappe.client.get_count",
                {"doctype": "Customer", "filters": [["customer_name", "like", f"%{word}%"]]},
            )
        elif kind == 3:
            api.request(
                "POST",
                "/api/resource/Lead",
                body={"lead_name": f"内存测试 {n}", "mobile_no": f"13{run:03d}{n % 10**6:06d}"},
            )
        elif kind == 4:
            desk.request("GET", "/app/lead", {"status": random.choice(["Open", "Qualified"])})
        elif kind == 5:
            desk.request("GET", f"/app/lead/{urllib.parse.quote(random.choice(leads))}")
        elif kind == 6:
            desk.request("GET", f"/app/customer/{urllib.parse.quote(random.choice(customers))}")
        elif kind == 7:
            desk.request("GET", "/app/opportunity/view/kanban")
        elif kind == 8:
            desk.request("GET", "/app/customer", {"customer_name": word})
        else:
            desk.request("GET", "/app")

    return step


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--trace", action="store_true", help="tracemalloc: where growth is")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    site = setup_django()
    from django.contrib.auth.models import User

    from kuaicrm.fixtures.demo import PASSWORD as DEMO_PASSWORD
    from lowcode.conf.wsgi import application
    from lowcode.users import do_generate_api_key

    start = rss_mb()  # booted, no request served yet
    random.seed(7)
    key, secret = do_generate_api_key("Administrator")
    api = Wsgi(application, f"token {key}:{secret}")
    desk = Wsgi(application)
    sales = User.objects.filter(is_active=True, is_superuser=False).order_by("username").first()
    assert sales is not None, "load demo data first (kuaicrm load-demo)"
    desk.request("POST", "/api/method/login", body={"usr": sales.username, "pwd": DEMO_PASSWORD})
    from lowcode.permissions.core import permitted_queryset

    # Documents the desk user may open (a 404 page is cheaper than a form).
    leads = list(permitted_queryset(sales.username, "Lead").values_list("name", flat=True)[:200])
    customers = list(
        permitted_queryset(sales.username, "Customer").values_list("name", flat=True)[:200]
    )
    step = build_workload(api, desk, leads, customers)

    for _ in range(args.warmup):
        step()
    gc.collect()
    if args.trace:
        tracemalloc.start(25)
        first = tracemalloc.take_snapshot()
    before = rss_mb()
    started = time.perf_counter()
    for _ in range(args.requests):
        step()
    elapsed = time.perf_counter() - started
    gc.collect()
    after = rss_mb()
    figures = {
        "site": site,
        "requests": args.requests,
        "rss_at_start_mb": round(start, 1),
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(after, 1),
        "growth_mb": round(after - before, 1),
        "growth_kb_per_100_requests": round((after - before) * 1024 * 100 / args.requests, 1),
        "requests_per_s": round(args.requests / elapsed, 1),
        "statuses": {
            str(code): api.statuses.get(code, 0) + desk.statuses.get(code, 0)
            for code in sorted({*api.statuses, *desk.statuses})
        },
        "gc_objects": len(gc.get_objects()),
    }
    print(json.dumps(figures, ensure_ascii=False))
    if args.trace:
        last = tracemalloc.take_snapshot()
        print("Top growth by allocation site (tracemalloc):")
        for stat in last.compare_to(first, "traceback")[:12]:
            print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks")
            for line in stat.traceback.format()[-8:]:
                print(f"      {line}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    os.environ.setdefault("KUAICRM_SITE", "bench")
    main()
