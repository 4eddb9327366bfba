"""Run every benchmark on one site (what ``make bench`` runs).

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/run_all.py [--rows 1000000] [--skip-generate]
                                                        [--no-http] [--requests 300]

Creates the site (SQLite) when it does not exist, else migrates it; tops the Lead table up to
``--rows`` with ``generate_leads.py`` (a no-op when it already holds that many); then runs
``bench_api.py`` in-process and over HTTP, ``bench_rules.py`` (scoring, duplicate and
assignment rules; workflow transitions), ``bench_scripts.py`` (server-script overhead) and
``bench_desk.py`` (the desk's list and form pages, asset weight), ``bench_memory.py`` (a web
worker's RSS before and after N requests), ``generate_opportunities.py``
(300k opportunities), ``bench_funnel.py`` (the Sales Funnel report beside raw SQL),
``bench_receivables.py`` (Receivables Aging over 50k contracts and 200k receipts beside raw
SQL) and ``bench_commission.py`` (50 people's monthly commission statements), ``phone_bytes.py`` (each
main page's cold bytes on a phone, on its own demo site ``bench-phone``). Figures are printed and written to
``bench/out/<site>.json``. For MariaDB create the site first (see bench/README.md) and run with
``KUAICRM_SITE=<that site>``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
BIN_DIR = Path(sys.executable).parent


def run(argv: list[str], site: str) -> None:
    print(f"$ {' '.join(argv)}", flush=True)
    env = {**os.environ, "KUAICRM_SITE": site}
    subprocess.run(argv, cwd=REPO_DIR, env=env, check=True)  # noqa: S603 - fixed argv


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site", default=os.environ.get("KUAICRM_SITE") or "bench")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn figures")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--creates", type=int, default=1000)
    parser.add_argument("--api-creates", type=int, default=300)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    kuaicrm = str(BIN_DIR / "kuaicrm")
    if (REPO_DIR / "sites" / args.site / "site_config.json").exists():
        run([kuaicrm, "migrate"], args.site)
    else:
        run([kuaicrm, "new-site", args.site], args.site)
    if not args.skip_generate:
        run(
            [
                sys.executable,
                str(BENCH_DIR / "generate_leads.py"),
                "--rows",
                str(args.rows),
                "--top-up",
            ],
            args.site,
        )
    bench = [
        sys.executable, str(BENCH_DIR / "bench_api.py"),
        "--requests", str(args.requests),
        "--creates", str(args.creates),
        "--api-creates", str(args.api_creates),
        "--json", str(BENCH_DIR / "out" / f"{args.site}.json"),
    ]  # fmt: skip
    if not args.no_http:
        bench.append("--http")
    run(bench, args.site)
    # Issue 3: rules and workflow on the same 1M Leads, then the server-script overhead.
    out = BENCH_DIR / "out"
    run([sys.executable, str(BENCH_DIR / "bench_rules.py"), "--json", str(out / f"{args.site}-rules.json")], args.site)  # fmt: skip
    run([sys.executable, str(BENCH_DIR / "bench_scripts.py")], args.site)
    # Issue 11: what the approval-integrity guard adds to a save of a workflow document.
    run([sys.executable, str(BENCH_DIR / "bench_approval_guard.py")], args.site)
    # Issue 4: the desk's list and form pages, and the list page's JS + CSS weight.
    desk = [sys.executable, str(BENCH_DIR / "bench_desk.py"), "--requests", str(min(args.requests, 200)), "--json", str(out / f"{args.site}-desk.json")]  # fmt: skip
    if not args.no_http:
        desk.append("--http")
    run(desk, args.site)
    # A web worker's memory under load: RSS before and after N requests through the WSGI app.
    run([sys.executable, str(BENCH_DIR / "bench_memory.py"), "--requests", str(max(args.requests, 1000)), "--json", str(out / f"{args.site}-memory.json")], args.site)  # fmt: skip
    # Issue 5: 300k opportunities with stage history, then the Sales Funnel report beside raw SQL.
    if not args.skip_generate:
        run([sys.executable, str(BENCH_DIR / "generate_opportunities.py"), "--rows", "300000", "--top-up"], args.site)  # fmt: skip
    run([sys.executable, str(BENCH_DIR / "bench_funnel.py"), "--json", str(out / f"{args.site}-funnel.json")], args.site)  # fmt: skip
    # Issue 12: Receivables Aging over 50k contracts / 200k receipts (loaded once) beside raw
    # SQL, then 50 people's monthly commission statements in one action (rolled back per run).
    run([sys.executable, str(BENCH_DIR / "bench_receivables.py"), "--json", str(out / f"{args.site}-receivables.json")], args.site)  # fmt: skip
    run([sys.executable, str(BENCH_DIR / "bench_commission.py"), "--json", str(out / f"{args.site}-commission.json")], args.site)  # fmt: skip
    # Issue 17: each main page's bytes on the wire for a phone's cold visit (real Chromium), on
    # a small demo site of its own (the pages' weight does not depend on the row count).
    run([sys.executable, str(BENCH_DIR / "phone_bytes.py"), "--json", str(out / "phone-bytes.json")], args.site)  # fmt: skip
    print(f"[run_all] done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
