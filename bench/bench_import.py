"""Time a Lead import (lowcode.dataio) on a generated CSV, with a duplicate rule, and its re-run.

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/bench_import.py [--rows 10000] [--no-rule]

Writes into the site's real database: a Duplicate Rule on the mobile number (Block, unless
``--no-rule``), then one Data Import of ``--rows`` generated Leads as Administrator, of
which 2% repeat an earlier mobile of the file and 1% repeat a row outright (both reported
``skipped_duplicate``). It times the preview (rolled back), the run, and a re-run of the
same file (every row skipped through the fingerprint table), printing rows/s for each.
Target (issue 5): ≥ 2,000 rows/s over 100k Leads with dedup. Nothing here asserts.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
sys.path[:0] = [str(REPO_DIR / "apps"), str(REPO_DIR)]

RULE = "Bench Import Mobile"
HEADERS = ["联系人姓名", "公司名称", "手机", "邮箱", "线索来源", "城市", "预计金额"]
SOURCES = ["展会", "网站", "Referral", "电话营销", ""]


def setup_django() -> str:
    os.environ.setdefault("KUAICRM_SITE", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lowcode.conf.settings")
    import django

    django.setup()
    return os.environ["KUAICRM_SITE"]


def ensure_rule(enabled: bool) -> None:
    from lowcode.documents.actions import do_insert_doc, do_save_doc
    from lowcode.storage.factory import get_model

    existing = get_model("Duplicate Rule").objects.filter(title=RULE).first()
    if existing is None:
        if enabled:
            do_insert_doc(
                "Administrator",
                "Duplicate Rule",
                {
                    "title": RULE,
                    "document_type": "Lead",
                    "action": "Block",
                    "fields": [{"fieldname": "mobile_no", "normaliser": "Phone"}],
                },
            )
    elif bool(existing.enabled) != enabled:
        do_save_doc("Administrator", "Duplicate Rule", existing.name, {"enabled": int(enabled)})


def generate(rows: int, seed: int) -> bytes:
    """A UTF-8 CSV of Leads with unique mobiles, plus some in-file duplicates."""
    rng = random.Random(seed)
    run = f"{seed % 100:02d}"
    lines: list[list] = [HEADERS]
    for i in range(rows):
        roll = rng.random()
        if i > 10 and roll < 0.01:
            lines.append(list(lines[rng.randrange(1, len(lines))]))  # the same row again
            continue
        mobile = f"13{run}{i:07d}"
        if i > 10 and roll < 0.03:
            mobile = lines[rng.randrange(1, len(lines))][2]  # an earlier row's mobile
        lines.append(
            [
                f"客户{i}",
                f"苏州精工{i % 5000}有限公司",
                mobile,
                f"lead{run}{i}@example.com",
                rng.choice(SOURCES),
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

    doc = do_insert_doc("Administrator", "Data Import", {"reference_doctype": "Lead"})
    do_upload_file(
        "Administrator",
        SimpleUploadedFile("bench-leads.csv", content),
        doctype="Data Import",
        docname=doc.name,
        fieldname="import_file",
    )
    return doc.name


def timed_run(name: str) -> dict:
    from lowcode import context
    from lowcode.dataio import importer
    from lowcode.storage.factory import get_model

    context.reset()
    started = time.perf_counter()
    importer.run_import(name, "Administrator")
    seconds = time.perf_counter() - started
    doc = get_model("Data Import").objects.get(name=name)
    rows = doc.processed_rows or 0
    return {
        "status": doc.status,
        "rows": rows,
        "created": doc.created_count,
        "skipped": doc.skipped_count,
        "failed": doc.failed_count,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if seconds else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--preview-rows", type=int, default=2_000)
    parser.add_argument("--no-rule", action="store_true")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    site = setup_django()

    from lowcode.dataio import importer
    from lowcode.storage.factory import get_model

    ensure_rule(not args.no_rule)
    content = generate(args.rows, args.seed)
    name = new_import(content)
    print(f"site {site}: {args.rows} rows, duplicate rule {'off' if args.no_rule else 'on'}")

    doc = get_model("Data Import").objects.get(name=name)
    started = time.perf_counter()
    preview = importer.preview_import("Administrator", doc, args.preview_rows)
    preview_s = time.perf_counter() - started
    figures: dict = {
        "preview": {
            "rows": preview["previewed"],
            "seconds": round(preview_s, 2),
            "rows_per_s": round(preview["previewed"] / preview_s),
        }
    }
    figures["run"] = timed_run(name)  # the job itself, as the worker runs it
    figures["re_run"] = timed_run(new_import(content))
    for label, data in figures.items():
        print(f"{label:8} {json.dumps(data, ensure_ascii=False)}")
    out = BENCH_DIR / "out" / f"{site}-import.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"rows": args.rows, **figures}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
