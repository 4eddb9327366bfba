"""Time a 100k-Lead import with KuaiCRM's default duplicate rules on the 1M-Lead bench site.

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/bench_lead_import.py [--rows 100000] [--per-row]

Installs the default duplicate rules (``kuaicrm.defaults_dedup``; mobile/email Block against
Leads and Customers, company Warn), then imports ``--rows`` generated Leads as Administrator
with "Merge Into Existing": ~5% repeat an existing Lead's mobile (merged), ~3% a Customer's
phone (skipped), ~2% an earlier row of the file, ~1% are bad (no name, a bad email or an
unknown source). Prints rows/s overall and per phase (read and prepare, duplicate lookups,
validation in memory, the batch writes, the bookkeeping), the re-run of the same file, and a
raw-SQL baseline: a bare ``executemany`` INSERT of the same rows' columns into ``tabLead``
(no validation, no dedup, no keys), rolled back. ``--per-row`` times the per-row path
(``bulk_insert = False``) instead. Target (issue 5): ≥ 2,000 rows/s. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path[:0] = [str(REPO_DIR / "apps"), str(REPO_DIR)]

HEADERS = ["联系人姓名", "公司名称", "手机", "邮箱", "线索来源", "城市", "预计金额"]
SOURCES = ["展会", "网站", "Referral", "电话营销", ""]


def setup_django() -> str:
    os.environ.setdefault("KUAICRM_SITE", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lowcode.conf.settings")
    import django

    django.setup()
    return os.environ["KUAICRM_SITE"]


def existing_contacts(count: int) -> tuple[list[str], list[str]]:
    """Mobiles of existing Leads and phones of existing Customers to repeat."""
    from lowcode.storage.factory import get_model

    leads = list(
        get_model("Lead")
        .objects.exclude(mobile_no__isnull=True)
        .exclude(mobile_no="")
        .order_by("?")
        .values_list("mobile_no", flat=True)[:count]
    )
    customers = list(
        get_model("Customer")
        .objects.exclude(phone__isnull=True)
        .exclude(phone="")
        .values_list("phone", flat=True)[:count]
    )
    return leads, customers


def generate(rows: int, seed: int, leads: list[str], customers: list[str]) -> bytes:
    rng = random.Random(seed)
    run = f"{seed % 100:02d}"
    lines: list[list] = [HEADERS]
    for i in range(rows):
        roll = rng.random()
        mobile = f"199{seed % 10}{i:07d}"
        name, email, source = f"客户{i}", f"imp{run}{i}@example.com", rng.choice(SOURCES)
        if i > 10 and roll < 0.02:
            lines.append(list(lines[rng.randrange(1, len(lines))]))  # an earlier row again
            continue
        if roll < 0.07 and leads:
            mobile = rng.choice(leads)  # an existing lead: merged
        elif roll < 0.10 and customers:
            mobile = rng.choice(customers)  # a customer's phone: skipped
        elif roll < 0.11:
            bad = rng.randrange(3)
            name = "" if bad == 0 else name
            email = "not-an-email" if bad == 1 else email
            source = "未知来源" if bad == 2 else source
        lines.append(
            [
                name,
                f"{rng.choice(['苏州', '杭州', '上海'])}精工{i}有限公司",
                mobile,
                email,
                source,
                rng.choice(["苏州", "上海", "杭州"]),
                f"{rng.randrange(1, 900) * 1000:,}",
            ]
        )
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue().encode("utf-8")


def new_import(content: bytes) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lowcode.documents.actions import do_insert_doc
    from lowcode.files import do_upload_file

    doc = do_insert_doc(
        "Administrator",
        "Data Import",
        {"reference_doctype": "Lead", "dedup_mode": "Merge Into Existing"},
    )
    do_upload_file(
        "Administrator",
        SimpleUploadedFile("bench-leads.csv", content),
        doctype="Data Import",
        docname=doc.name,
        fieldname="import_file",
    )
    return doc.name


PHASES = {
    "prepare (read, fingerprints)": ("importer.py", "prepare"),
    "lookups (fingerprints, duplicate keys)": ("importer.py", "_stored_fingerprints"),
    "duplicate seeks": ("importer.py", "_stored_duplicates"),
    "validate in memory (bulk add)": ("bulk.py", "add"),
    "batch write (INSERTs, after_insert hooks)": ("bulk.py", "write"),
    "merges (do_save_doc)": ("importer.py", "_merge"),
    "per-row inserts": ("actions.py", "do_insert_doc"),
    "bookkeeping (fingerprints, log)": ("importer.py", "flush_fingerprints"),
}


def timed_run(name: str, profile: bool) -> dict:
    from lowcode import context
    from lowcode.dataio import importer
    from lowcode.storage.factory import get_model

    context.reset()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    importer.run_import(name, "Administrator")
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    doc = get_model("Data Import").objects.get(name=name)
    rows = doc.processed_rows or 0
    figures: dict = {
        "status": doc.status,
        "rows": rows,
        "created": doc.created_count,
        "merged": doc.merged_count,
        "skipped": doc.skipped_count,
        "failed": doc.failed_count,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if seconds else None,
    }
    if profiler:
        stats = pstats.Stats(profiler)
        phases = {}
        for label, (filename, function) in PHASES.items():
            total = sum(
                value[3]  # cumulative time
                for (file, _line, func), value in stats.stats.items()  # type: ignore[attr-defined]
                if file.endswith(filename) and func == function
            )
            if total:
                phases[label] = {
                    "seconds": round(total, 2),
                    "rows_per_s": round(rows / total) if total else None,
                }
        figures["phases (profiled run, cumulative)"] = phases
    return figures


def raw_baseline(content: bytes) -> dict:
    """A bare executemany of the same rows' columns into tabLead, rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from lowcode.storage.factory import get_model

    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))[1:]
    model = get_model("Lead")
    table = connection.ops.quote_name(model._meta.db_table)
    now = timezone.now()
    fields = model._meta.concrete_fields
    columns = [f.column for f in fields]
    defaults = [f.get_db_prep_save(f.get_default(), connection) for f in fields]
    params = []
    for i, r in enumerate(rows):
        given = {
            "name": f"RAW-{i:07d}",
            "owner": "Administrator",
            "modified_by": "Administrator",
            "creation": now,
            "modified": now,
            "naming_series": "RAW-",
            "lead_name": r[0],
            "company_name": r[1],
            "mobile_no": r[2],
            "email_id": r[3],
            "status": "Open",
            "city": r[5],
        }
        params.append([given.get(c, d) for c, d in zip(columns, defaults, strict=True)])
    columns = [connection.ops.quote_name(c) for c in columns]
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for start in range(0, len(params), 5000):
                cursor.executemany(sql, params[start : start + 5000])
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "rows": len(params),
        "seconds": round(seconds, 2),
        "rows_per_s": round(len(params) / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--per-row", action="store_true", help="time the per-row path")
    parser.add_argument("--profile", action="store_true", help="per-phase times (slower run)")
    args = parser.parse_args()
    site = setup_django()

    from django.db import connection

    from kuaicrm.defaults_dedup import install_duplicate_rules
    from lowcode.storage.factory import get_model

    started = time.perf_counter()
    installed = install_duplicate_rules()  # on a new site this re-indexes every Lead (once)
    print(f"duplicate rules installed: {installed} ({time.perf_counter() - started:.1f} s)")
    if args.per_row:
        get_model("Lead").bulk_insert = False
    leads, customers = existing_contacts(5000)
    content = generate(args.rows, args.seed, leads, customers)
    total_leads = get_model("Lead").objects.count()
    print(
        f"site {site} ({connection.vendor}, {total_leads:,} Leads): {args.rows:,} rows, "
        f"{'per-row' if args.per_row else 'bulk'} path"
    )
    figures: dict = {"rows": args.rows, "path": "per-row" if args.per_row else "bulk"}
    figures["run"] = timed_run(new_import(content), args.profile)
    figures["re_run"] = timed_run(new_import(content), False)
    figures["raw_sql_baseline"] = raw_baseline(content)
    ratio = figures["raw_sql_baseline"]["rows_per_s"] / max(figures["run"]["rows_per_s"], 1)
    figures["raw_over_import"] = round(ratio, 1)
    for label, data in figures.items():
        print(f"{label:18} {json.dumps(data, ensure_ascii=False)}")
    out = BENCH_DIR / "out" / f"{site}-lead-import{'-per-row' if args.per_row else ''}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
