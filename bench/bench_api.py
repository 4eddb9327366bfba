"""Time the REST API beside a raw-SQL baseline on the same data; print figures and ratios.

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/bench_api.py [--requests 300] [--creates 1000]
                                                          [--api-creates 300] [--http] [--json F]

Run ``bench/generate_leads.py`` first. Every API figure is measured in-process through
Django's test client (the whole middleware stack, token auth, no network); with ``--http`` the
same requests also go over real HTTP to ``kuaicrm start`` (gunicorn, 2 workers) on a free port.
The raw-SQL baseline runs the equivalent SELECT with bound parameters on the same connection
and ``json.dumps`` the rows, so the ratio is "what the engine costs above the database".
Nothing here asserts: the figures are reported against the targets in bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from generate_leads import MOBILE_PREFIXES, REPO_DIR, Pools, setup_django

LIST_FIELDS = ["name", "lead_name", "status", "owner", "modified"]
STATUS = "Open"
SALES_USER = "sales02"  # "own" scope (Sales User in 销售中心)
SALES_MANAGER = "sales06"  # "department" scope (Sales Manager of 华东销售一部)
TARGET_LIST_P95_MS = 50.0
TARGET_RATIO = 3.0
TARGET_CREATES_PER_S = 300.0


# ---------------------------------------------------------------- measuring
def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summarise(samples_ms: list[float]) -> dict:
    return {
        "n": len(samples_ms),
        "p50": round(percentile(samples_ms, 50), 3),
        "p95": round(percentile(samples_ms, 95), 3),
        "p99": round(percentile(samples_ms, 99), 3),
        "mean": round(statistics.fmean(samples_ms), 3),
    }


def measure(call: Callable[[int], object], count: int, warmup: int = 20) -> dict:
    """Call ``call(i)`` ``count`` times after a warm-up; return latency percentiles in ms."""
    for i in range(warmup):
        call(i)
    samples = []
    for i in range(count):
        started = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - started) * 1000)
    return summarise(samples)


# ---------------------------------------------------------------- raw SQL baseline
class RawSQL:
    """Hand-written SQL on Django's connection: the floor the engine is compared with."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.table = connection.ops.quote_name("tabLead")
        self.assignments = connection.ops.quote_name("lowcode_assignment")

    def _rows(self, sql: str, params: list) -> str:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            columns = [c[0] for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return json.dumps(rows, default=str, ensure_ascii=False)

    def list(self, status: str, owner: str) -> str:
        return self._rows(
            f"SELECT name, lead_name, status, owner, modified FROM {self.table} "
            "WHERE status = %s AND owner = %s ORDER BY modified DESC LIMIT 20",
            [status, owner],
        )

    def list_own_scope(self, status: str, user: str) -> str:
        """What the "own" scope means, written by hand: owned by or assigned to the user."""
        return self._rows(
            f"SELECT name, lead_name, status, owner, modified FROM {self.table} "
            f"WHERE status = %s AND (owner = %s OR name IN (SELECT docname FROM "
            f"{self.assignments} WHERE ref_doctype = 'Lead' AND user = %s)) "
            "ORDER BY modified DESC LIMIT 20",
            [status, user, user],
        )

    def get(self, name: str) -> str:
        return self._rows(f"SELECT * FROM {self.table} WHERE name = %s", [name])

    def count(self, status: str, owner: str) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM {self.table} WHERE status = %s AND owner = %s",
                [status, owner],
            )
            return cursor.fetchone()[0]

    def explain(self, sql: str, params: list) -> list:
        prefix = "EXPLAIN QUERY PLAN " if self.connection.vendor == "sqlite" else "EXPLAIN "
        with self.connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            return [tuple(row) for row in cursor.fetchall()]


# ---------------------------------------------------------------- API clients
def list_params(status: str, owner: str | None) -> dict:
    filters = {"status": status, **({"owner": owner} if owner else {})}
    return {
        "fields": json.dumps(LIST_FIELDS),
        "filters": json.dumps(filters, ensure_ascii=False),
        "order_by": "modified desc",
        "limit_page_length": "20",
    }


def count_params(status: str, owner: str | None) -> dict:
    filters = {"status": status, **({"owner": owner} if owner else {})}
    return {"doctype": "Lead", "filters": json.dumps(filters, ensure_ascii=False)}


class InProcessClient:
    """Django's test client with token auth: the full middleware stack, no sockets."""

    def __init__(self, user: str) -> None:
        from django.test import Client

        from lowcode.users import do_generate_api_key

        key, secret = do_generate_api_key(user)
        self.user, self.header = user, f"token {key}:{secret}"
        self.client = Client()

    def get(self, path: str, params: dict | None = None) -> dict:
        response = self.client.get(path, params or {}, HTTP_AUTHORIZATION=self.header)
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return response.json()

    def post(self, path: str, body: dict) -> dict:
        response = self.client.post(
            path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=self.header
        )
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return response.json()


class HttpClient:
    """A keep-alive HTTP/1.1 connection to a running server."""

    def __init__(self, port: int, header: str) -> None:
        self.port, self.header = port, header
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def _call(self, method: str, path: str, body: bytes | None = None) -> dict:
        headers = {"Authorization": self.header, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # gunicorn drops idle keep-alive connections after 2 s (between two figures).
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        payload = response.read()
        assert response.status == 200, (response.status, payload[:300])
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return json.loads(payload)

    def get(self, path: str, params: dict | None = None) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return self._call("GET", f"{path}{query}")

    def post(self, path: str, body: dict) -> dict:
        return self._call("POST", path, json.dumps(body, ensure_ascii=False).encode())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``kuaicrm start`` (gunicorn) on a free port, stopped by its own process group."""

    def __init__(self, site: str) -> None:
        self.port = free_port()
        env = {**os.environ, "KUAICRM_SITE": site}
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own CLI
            [str(REPO_DIR / ".venv" / "bin" / "kuaicrm"), "start", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                probe.request("GET", "/api/method/ping")
                if probe.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("kuaicrm start did not answer within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


# ---------------------------------------------------------------- the benchmark
def lead_payload(pools: Pools, rng: random.Random) -> dict:
    mobile = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
    return {
        "lead_name": rng.choice(pools.surnames) + rng.choice(pools.given),
        "company_name": rng.choice(pools.companies),
        "mobile_no": f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}",
        "email_id": f"{mobile}@QQ.com",
        "source": "Website",
        "industry": rng.choice(pools.industries) or None,
        "city": "苏州",
        "territory": "华东",
        "expected_amount": rng.randrange(10, 5000) * 1000,
    }


def sample_names(owner: str, count: int, rng: random.Random) -> list[str]:
    from lowcode.storage.factory import get_model

    names = list(get_model("Lead").objects.filter(owner=owner).values_list("name", flat=True))
    return rng.sample(names, min(count, len(names)))


class Bench:
    def __init__(self, args) -> None:
        from faker import Faker

        self.args = args
        # New mobiles each run: a re-run on the same site must not repeat the last run's Leads.
        self.rng = random.Random(time.time_ns())
        faker = Faker("zh_CN")
        faker.seed_instance(7)
        self.pools = Pools(faker, self.rng, size=2_000)
        self.raw = RawSQL()
        self.results: dict = {
            "site": os.environ["KUAICRM_SITE"],
            "vendor": self.raw.connection.vendor,
        }
        self.names = sample_names(SALES_USER, max(args.requests, 50), self.rng)

    def record(self, key: str, label: str, stats: dict, baseline: str | None = None) -> None:
        self.results[key] = {"label": label, **stats}
        if baseline:
            base = self.results[baseline]
            self.results[key]["ratio_p50"] = round(stats["p50"] / base["p50"], 1)
            self.results[key]["ratio_p95"] = round(stats["p95"] / base["p95"], 1)
            self.results[key]["baseline"] = baseline
        ratio = (
            f"  ×{self.results[key]['ratio_p50']:>5} / ×{self.results[key]['ratio_p95']:<5}"
            f" of {baseline}"
            if baseline
            else ""
        )
        print(
            f"  {label:<52} p50 {stats['p50']:8.2f}  p95 {stats['p95']:8.2f}  "
            f"p99 {stats['p99']:8.2f} ms{ratio}",
            flush=True,
        )

    # -------------------------------------------------------- reads
    def reads(self, prefix: str, admin, sales, manager) -> None:
        n = self.args.requests
        owner_filter = list_params(STATUS, SALES_USER)
        self.record(
            f"{prefix}list_admin",
            f"{prefix}GET /api/resource/Lead (Administrator)",
            measure(lambda i: admin.get("/api/resource/Lead", owner_filter), n),
            "raw_list",
        )
        self.record(
            f"{prefix}list_sales",
            f"{prefix}GET /api/resource/Lead (Sales User, own)",
            measure(lambda i: sales.get("/api/resource/Lead", owner_filter), n),
            "raw_list",
        )
        self.record(
            f"{prefix}list_sales_status_only",
            f"{prefix}  same, status filter only (scope does the rest)",
            measure(lambda i: sales.get("/api/resource/Lead", list_params(STATUS, None)), n),
            "raw_list",
        )
        self.record(
            f"{prefix}list_manager_status_only",
            f"{prefix}  Sales Manager (department), status only",
            measure(lambda i: manager.get("/api/resource/Lead", list_params(STATUS, None)), n),
        )
        names = self.names
        self.record(
            f"{prefix}get_admin",
            f"{prefix}GET /api/resource/Lead/<name> (Administrator)",
            measure(lambda i: admin.get(f"/api/resource/Lead/{names[i % len(names)]}"), n),
            "raw_get",
        )
        self.record(
            f"{prefix}get_sales",
            f"{prefix}GET /api/resource/Lead/<name> (Sales User)",
            measure(lambda i: sales.get(f"/api/resource/Lead/{names[i % len(names)]}"), n),
            "raw_get",
        )
        count = count_params(STATUS, SALES_USER)
        path = "/api/method/frappe.client.get_count"
        self.record(
            f"{prefix}count_admin",
            f"{prefix}frappe.client.get_count (Administrator)",
            measure(lambda i: admin.get(path, count), n),
            "raw_count",
        )
        self.record(
            f"{prefix}count_sales",
            f"{prefix}frappe.client.get_count (Sales User)",
            measure(lambda i: sales.get(path, count), n),
            "raw_count",
        )

    def baselines(self) -> None:
        n, raw, names = self.args.requests, self.raw, self.names
        print("raw SQL baseline (cursor.execute with parameters + json.dumps):")
        self.record(
            "raw_list",
            "raw SQL list (status, owner, 20 rows)",
            measure(lambda i: raw.list(STATUS, SALES_USER), n),
        )
        self.record(
            "raw_list_own_scope",
            "raw SQL list (status, owner OR assigned)",
            measure(lambda i: raw.list_own_scope(STATUS, SALES_USER), n),
        )
        self.record(
            "raw_get", "raw SQL get by name", measure(lambda i: raw.get(names[i % len(names)]), n)
        )
        self.record(
            "raw_count",
            "raw SQL count (status, owner)",
            measure(lambda i: raw.count(STATUS, SALES_USER), n),
        )
        self.results["matching_rows"] = raw.count(STATUS, SALES_USER)

    def library(self) -> None:
        """The query layer alone (permissions + builder + ORM), without HTTP or middleware."""
        from lowcode import context
        from lowcode.meta import registry
        from lowcode.query import reads

        def call(user: str, owner: str | None):
            context.reset()
            registry.refresh()
            filters = {"status": STATUS, **({"owner": owner} if owner else {})}
            rows = reads.get_list(user, "Lead", LIST_FIELDS, filters, None, "modified desc", 0, 20)
            return json.dumps(rows, ensure_ascii=False)

        n = self.args.requests
        print("query layer only (reads.get_list + json.dumps, per-request caches reset):")
        self.record(
            "lib_list_admin",
            "reads.get_list (Administrator)",
            measure(lambda i: call("Administrator", SALES_USER), n),
            "raw_list",
        )
        self.record(
            "lib_list_sales",
            "reads.get_list (Sales User, own)",
            measure(lambda i: call(SALES_USER, SALES_USER), n),
            "raw_list",
        )

    # -------------------------------------------------------- writes
    def fresh_payloads(self, count: int) -> list[dict]:
        """New Leads whose mobiles no stored Lead has (the duplicate rules would refuse them)."""
        from lowcode.storage.factory import get_model

        payloads: list[dict] = []
        while len(payloads) < count:
            batch = [lead_payload(self.pools, self.rng) for _ in range(count - len(payloads))]
            taken = set(
                get_model("Lead")
                .objects.filter(mobile_no__in=[p["mobile_no"] for p in batch])
                .values_list("mobile_no", flat=True)
            )
            mobiles = {p["mobile_no"] for p in payloads}
            for payload in batch:
                if payload["mobile_no"] not in taken | mobiles:
                    payloads.append(payload)
                    mobiles.add(payload["mobile_no"])
        return payloads

    def creates(self, prefix: str, client=None) -> None:
        """Documents per second, one transaction each (validation, naming, version, hooks)."""
        from lowcode import context
        from lowcode.documents.actions import do_insert_doc

        count = self.args.api_creates if client else self.args.creates
        if not count:
            return
        payloads = self.fresh_payloads(count)
        started = time.perf_counter()
        for data in payloads:
            if client:
                client.post("/api/resource/Lead", data)
            else:
                context.reset()
                do_insert_doc(SALES_USER, "Lead", data)
        elapsed = time.perf_counter() - started
        label = "POST /api/resource/Lead" if client else "do_insert_doc(Lead)"
        rate = count / elapsed
        self.results[f"{prefix}create{'_api' if client else ''}"] = {
            "label": f"{prefix}{label}",
            "n": count,
            "seconds": round(elapsed, 2),
            "per_s": round(rate, 1),
        }
        print(
            f"  {prefix + label:<52} {count} creates in {elapsed:.1f} s = {rate:,.0f} docs/s "
            f"({1000 / rate:.1f} ms each)",
            flush=True,
        )

    def explain(self) -> None:
        raw = self.raw
        plans = {
            "list": raw.explain(
                f"SELECT name, lead_name, status, owner, modified FROM {raw.table} "
                "WHERE status = %s AND owner = %s ORDER BY modified DESC LIMIT 20",
                [STATUS, SALES_USER],
            ),
            "list_own_scope": raw.explain(
                f"SELECT name, lead_name, status, owner, modified FROM {raw.table} WHERE "
                f"status = %s AND (owner = %s OR name IN (SELECT docname FROM {raw.assignments} "
                "WHERE ref_doctype = 'Lead' AND user = %s)) ORDER BY modified DESC LIMIT 20",
                [STATUS, SALES_USER, SALES_USER],
            ),
        }
        self.results["plans"] = plans
        for key, rows in plans.items():
            print(f"  plan {key}:")
            for row in rows:
                print(f"    {row}")

    def run(self) -> dict:
        from django.db import connection

        from lowcode.storage.factory import get_model

        total = get_model("Lead").objects.count()
        self.results["rows"] = total
        print(
            f"[bench] site {self.results['site']} ({connection.vendor}), {total:,} Leads; "
            f"{self.args.requests} timed requests per figure (after 20 warm-up), "
            f"filters status={STATUS} owner={SALES_USER}"
        )
        self.baselines()
        print(f"  ({self.results['matching_rows']:,} rows match status+owner)")
        self.explain()
        self.library()
        print("in-process API (django.test.Client, token auth, full middleware):")
        clients = [InProcessClient(u) for u in ("Administrator", SALES_USER, SALES_MANAGER)]
        self.reads("", *clients)
        self.creates("")
        self.creates("", clients[1])
        if self.args.http:
            print("real HTTP (kuaicrm start: gunicorn 2 workers × 4 threads, keep-alive client):")
            server = Server(self.results["site"])
            try:
                http_clients = [HttpClient(server.port, c.header) for c in clients]
                self.reads("http_", *http_clients)
                self.creates("http_", http_clients[1])
            finally:
                server.stop()
        self.verdict()
        return self.results

    def verdict(self) -> None:
        r = self.results
        print("targets:")
        for key in ("list_admin", "list_sales", "http_list_admin", "http_list_sales"):
            if key in r:
                row = r[key]
                print(
                    f"  {row['label']:<52} p95 {row['p95']:.1f} ms "
                    f"(≤ {TARGET_LIST_P95_MS:.0f}: {'yes' if row['p95'] <= TARGET_LIST_P95_MS else 'NO'})"
                    f"; ×{row['ratio_p95']} raw SQL p95 "
                    f"(≤ {TARGET_RATIO:.0f}: {'yes' if row['ratio_p95'] <= TARGET_RATIO else 'NO'})"
                )
        for key in ("create", "create_api", "http_create_api"):
            if key in r:
                row = r[key]
                met = "yes" if row["per_s"] >= TARGET_CREATES_PER_S else "NO"
                print(
                    f"  {row['label']:<52} {row['per_s']:.0f} docs/s "
                    f"(≥ {TARGET_CREATES_PER_S:.0f}: {met})"
                )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site", help="site name (default $KUAICRM_SITE or bench)")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per figure")
    parser.add_argument("--creates", type=int, default=1000, help="do_insert_doc calls")
    parser.add_argument("--api-creates", type=int, default=300, help="POSTs per client kind")
    parser.add_argument("--http", action="store_true", help="also measure over HTTP (gunicorn)")
    parser.add_argument("--json", type=Path, help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    setup_django(args.site)
    results = Bench(args).run()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=str))
        print(f"[bench] figures written to {args.json}")
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
