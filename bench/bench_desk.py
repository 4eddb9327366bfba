"""Time the desk's list and form pages beside a raw-SQL baseline; count their queries; weigh
the list page's JavaScript and CSS.

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/bench_desk.py [--requests 200] [--http]
                                                           [--leads N] [--json F]

Run ``bench/generate_leads.py`` first (the 1M-lead site); ``--leads N`` instead makes a small
throw-away site's worth of Leads (N, through ``do_insert_doc``) when the site has fewer, for a
quick run. Each page is requested as a Sales Manager (department scope) and a Sales User (own
scope), logged in with a session cookie like a browser, through Django's test client (the whole
middleware stack and template rendering, no sockets); ``--http`` repeats it against
``kuaicrm start`` (gunicorn) over a keep-alive connection. Beside each figure: the SQL queries
one request runs, and the raw SQL that reads the same page of rows (``SELECT … LIMIT 20`` or the
row by name), so the ratio is "what the desk costs above the database". The asset weight is the
sum of the ``<script src>`` and ``<link rel=stylesheet>`` files the list page loads, each
gzip-compressed. Nothing here asserts; the targets are printed beside the figures
(bench/README.md).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import re
import sys
import time
from pathlib import Path

from bench_api import Server, measure
from generate_leads import REPO_DIR

SALES_USER = "sales02"  # own scope, as in bench_api.py
SALES_MANAGER = "sales06"  # department scope (华东销售一部)
TARGET_LIST_P95_MS = 150.0
TARGET_FORM_P95_MS = 100.0
TARGET_ASSETS_GZIP_KB = 300.0
PAGE = 20


def setup_django() -> str:
    """Boot Django on $KUAICRM_SITE (default ``bench``) in $KUAICRM_SITES_DIR (default sites/)."""
    sys.path.insert(0, str(REPO_DIR / "apps"))
    os.environ.setdefault("KUAICRM_SITE", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lowcode.conf.settings")
    from lowcode.conf.site import site_path

    if not (site_path() / "site_config.json").exists():
        sys.exit(f"Site {os.environ['KUAICRM_SITE']!r} does not exist: run kuaicrm new-site first")
    import django

    django.setup()
    return os.environ["KUAICRM_SITE"]


# ---------------------------------------------------------------- what is measured
# label → query string of /app/lead (the first page in every case)
LIST_VIEWS = {
    "list": "",
    "list_filter": "f_status=Open",
    "list_filter_sort": "f_status=Open&order_by=company_name+desc",
}


def raw_list_sql(connection, scope: tuple[str, list], status: str | None, order: str):
    """The same page of rows the list shows, read by hand: the floor the desk is compared with."""
    table = connection.ops.quote_name("tabLead")
    where, params = [f"({scope[0]})"], list(scope[1])
    if status:
        where.append("status = %s")
        params.append(status)
    sql = (
        "SELECT name, lead_name, company_name, status, source, score, priority, modified "
        f"FROM {table} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT {PAGE + 1}"
    )
    return sql, params


def scope_sql(user: str, department: bool) -> tuple[str, list]:
    """The data scope as hand-written SQL: the user's own rows, or their department subtree's
    (members by subquery, as the permission layer does; a literal list plans worse)."""
    if not department:
        return "owner = %s", [user]
    from lowcode.models import UserProfile
    from lowcode.permissions.core import department_subtree, user_department

    members = UserProfile.objects.filter(
        department__in=department_subtree(user_department(user))
    ).values("user__username")
    sql, params = members.query.sql_with_params()
    return f"owner IN ({sql}) OR owner = %s", [*params, user]


class RawSQL:
    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection

    def rows(self, sql: str, params: list) -> str:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            columns = [c[0] for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return json.dumps(rows, default=str, ensure_ascii=False)


class DeskClient:
    """A browser-like session: Django's test client logged in (session cookie ``sid``)."""

    def __init__(self, user: str) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        self.user = user
        self.client = Client()
        self.client.force_login(get_user_model().objects.get(username=user))
        self.cookie = f"sid={self.client.cookies['sid'].value}"

    def get(self, path: str) -> bytes:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return b"".join(response) if response.streaming else response.content


class HttpDeskClient:
    """The same session over a keep-alive HTTP connection to gunicorn."""

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.cookie = port, cookie
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str) -> bytes:
        headers = {"Cookie": self.cookie, "Accept": "text/html"}
        try:
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.connection.close()  # gunicorn closes idle keep-alive connections
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status)
        return body


def queries_of(client: DeskClient, path: str) -> int:
    """SQL statements of one request, after a first one filled the per-process caches."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return len(captured.captured_queries)


def asset_weight(client: DeskClient) -> dict:
    """Every script and stylesheet the list page loads, raw and gzip-compressed."""
    html = client.get("/app/lead").decode()
    urls = re.findall(r"<script[^>]+src=\"([^\"]+)\"", html) + [
        m.group(1)
        for tag in re.findall(r"<link[^>]+>", html)
        if "stylesheet" in tag and (m := re.search(r"href=\"([^\"]+)\"", tag))
    ]
    files = {}
    for url in urls:
        body = client.get(url)
        files[url] = {"bytes": len(body), "gzip": len(gzip.compress(body, compresslevel=9))}
    total = sum(f["gzip"] for f in files.values())
    return {
        "files": files,
        "gzip_total": total,
        "raw_total": sum(f["bytes"] for f in files.values()),
    }


# ---------------------------------------------------------------- the benchmark
class Bench:
    def __init__(self, args) -> None:
        self.args = args
        self.raw = RawSQL()
        self.results: dict = {
            "site": os.environ["KUAICRM_SITE"],
            "vendor": self.raw.connection.vendor,
        }

    def record(self, key: str, label: str, stats: dict, baseline: dict | None = None, **extra):
        row = {"label": label, **stats, **extra}
        if baseline:
            row["ratio_p50"] = round(stats["p50"] / baseline["p50"], 1)
            row["ratio_p95"] = round(stats["p95"] / baseline["p95"], 1)
        self.results[key] = row
        tail = f"  ×{row['ratio_p95']:>5} raw p95" if baseline else ""
        queries = f"  {extra['queries']:>3} queries" if "queries" in extra else ""
        print(
            f"  {label:<58} p50 {stats['p50']:8.2f}  p95 {stats['p95']:8.2f} ms{queries}{tail}",
            flush=True,
        )
        return row

    def lead_names(self, user: str) -> list[str]:
        """Leads the user may open, spread over the table (not only the newest)."""
        from lowcode.query import reads

        rows = reads.get_list(user, "Lead", ["name"], limit=5000, order_by="name asc")
        names = [row["name"] for row in rows]
        return names[:: max(1, len(names) // self.args.requests)] or names

    def pages(self, prefix: str, user: str, client, scope: tuple[str, list]) -> None:
        n = self.args.requests
        raw = self.raw
        conn = raw.connection
        orders = {
            "list": "modified DESC",
            "list_filter": "modified DESC",
            "list_filter_sort": "company_name DESC",
        }
        for key, query in LIST_VIEWS.items():
            path = f"/app/lead?{query}" if query else "/app/lead"
            status = "Open" if "f_status" in query else None
            sql, params = raw_list_sql(conn, scope, status, orders[key])
            base = None
            if not prefix:
                base = measure(lambda i, sql=sql, params=params: raw.rows(sql, params), n)
                self.record(f"raw_{key}_{user}", f"raw SQL: {key} page of {user}", base)
            else:
                base = self.results.get(f"raw_{key}_{user}")
            queries = queries_of(self.in_process[user], path)
            self.record(
                f"{prefix}{key}_{user}",
                f"{prefix}GET {path} ({user})",
                measure(lambda i, path=path: client.get(path), n),
                base,
                queries=queries,
            )
        names = self.lead_names(user)
        table = conn.ops.quote_name("tabLead")
        if not prefix:
            base = measure(
                lambda i: raw.rows(
                    f"SELECT * FROM {table} WHERE name = %s", [names[i % len(names)]]
                ),
                n,
            )
            self.record(f"raw_form_{user}", f"raw SQL: SELECT * by name ({user})", base)
        else:
            base = self.results.get(f"raw_form_{user}")
        queries = queries_of(self.in_process[user], f"/app/lead/{names[0]}")
        self.record(
            f"{prefix}form_{user}",
            f"{prefix}GET /app/lead/<name> ({user})",
            measure(lambda i: client.get(f"/app/lead/{names[i % len(names)]}"), n),
            base,
            queries=queries,
        )

    def run(self) -> dict:
        from lowcode.storage.factory import get_model

        total = get_model("Lead").objects.count()
        self.results["rows"] = total
        scopes = {
            SALES_MANAGER: scope_sql(SALES_MANAGER, department=True),
            SALES_USER: scope_sql(SALES_USER, department=False),
        }
        print(
            f"[bench_desk] site {self.results['site']} ({self.raw.connection.vendor}), "
            f"{total:,} Leads; {self.args.requests} timed requests per figure (after 20 warm-up); "
            f"{SALES_MANAGER}: Sales Manager (department), {SALES_USER}: Sales User (own)"
        )
        self.in_process = {user: DeskClient(user) for user in scopes}
        print("in-process (django.test.Client, session cookie, full middleware + templates):")
        for user, client in self.in_process.items():
            self.pages("", user, client, scopes[user])
        if self.args.http:
            print("real HTTP (kuaicrm start: gunicorn, keep-alive client, same sessions):")
            server = Server(self.results["site"])
            try:
                for user, client in self.in_process.items():
                    self.pages(
                        "http_", user, HttpDeskClient(server.port, client.cookie), scopes[user]
                    )
            finally:
                server.stop()
        self.results["assets"] = assets = asset_weight(self.in_process[SALES_USER])
        print("list page assets (gzip -9 each):")
        for url, size in assets["files"].items():
            print(
                f"  {url:<58} {size['bytes'] / 1024:7.1f} KB raw  {size['gzip'] / 1024:6.1f} KB gzip"
            )
        self.verdict()
        return self.results

    def verdict(self) -> None:
        r = self.results
        print("targets:")
        for key, row in r.items():
            if not isinstance(row, dict) or "p95" not in row or key.startswith("raw_"):
                continue
            target = TARGET_FORM_P95_MS if "form_" in key else TARGET_LIST_P95_MS
            met = "yes" if row["p95"] <= target else "NO"
            print(f"  {row['label']:<58} p95 {row['p95']:7.1f} ms (≤ {target:.0f}: {met})")
        kb = r["assets"]["gzip_total"] / 1024
        met = "yes" if kb <= TARGET_ASSETS_GZIP_KB else "NO"
        print(
            f"  list page JS + CSS, gzip{'':<40} {kb:7.1f} KB (≤ {TARGET_ASSETS_GZIP_KB:.0f}: {met})"
        )


def ensure_leads(count: int) -> None:
    """Top a small site up to ``count`` Leads of the two bench users (quick runs only)."""
    from lowcode import context
    from lowcode.documents.actions import do_insert_doc
    from lowcode.storage.factory import get_model

    have = get_model("Lead").objects.count()
    if have >= count:
        return
    from faker import Faker
    from generate_leads import ensure_organisation

    ensure_organisation(Faker("zh_CN"))
    print(f"[bench_desk] adding {count - have} Leads (do_insert_doc) for a quick run")
    for i in range(have, count):
        context.reset()
        owner = (SALES_USER, SALES_MANAGER, "sales07")[i % 3]
        do_insert_doc(
            owner,
            "Lead",
            {
                "lead_name": f"线索{i}",
                "company_name": f"公司{i % 97}",
                "status": ("Open", "Contacted")[i % 2],
            },
        )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per figure")
    parser.add_argument("--http", action="store_true", help="also measure over HTTP (gunicorn)")
    parser.add_argument("--leads", type=int, help="make sure the site has this many Leads")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    setup_django()
    if args.leads:
        ensure_leads(args.leads)
    started = time.perf_counter()
    results = Bench(args).run()
    print(f"[bench_desk] done in {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
        print(f"[bench_desk] figures written to {args.json}")
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
