"""Time Lead creation with the issue-3 rules, and workflow transitions, on the bench site.

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/bench_rules.py [--creates 1000] [--transitions 300]

Runs against the site's real database, which ``generate_leads.py`` filled (1M Leads by
default). It configures, through the actions:

- one Scoring Rule with 20 weighted criteria (source, company size, budget, industry, need
  notes, contact details, designation, a custom field, …);
- 5 Duplicate Rules (mobile and email Block; company name, company vs Customer and
  designation+city Warn), then indexes every existing Lead's keys (``rebuild_keys``, timed);
- one Load Balancing Assignment Rule over the ten users of two departments;

measuring ``do_insert_doc(Lead)`` per second first with the bench rules disabled, then
enabled (ratio; enabling re-indexes the existing Leads' duplicate keys, timed), and the latency of workflow transitions
(``do_apply_workflow``: a plain step, and an approval routed to the supervisor) against a raw
``UPDATE`` of one row by primary key. Rules are left disabled at the end (``--keep-rules`` keeps them),
so ``bench_api.py`` measures the plain engine. Targets (issue 3): ≥ 200 creates/s in one process with the rules.
Nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH_DIR.parent / "apps"), str(BENCH_DIR.parent), str(BENCH_DIR)]

from generate_leads import DEPARTMENTS, USERS_PER_DEPARTMENT, setup_django, usernames  # noqa: E402

SCORING = "Bench Lead Score"
ASSIGNMENT = "Bench Load Balancing"
DUPLICATES = {
    "Bench Mobile": ("Block", [("mobile_no", "Phone", "", "")]),
    "Bench Email": ("Block", [("email_id", "Email", "", "")]),
    "Bench Company": ("Warn", [("company_name", "Company Name", "", "")]),
    "Bench Company vs Customer": (
        "Warn",
        [("company_name", "Company Name", "Customer", "customer_name")],
    ),
    "Bench Designation City": ("Warn", [("designation", "Exact", "", "")]),
}
CRITERIA = [
    ("source", "=", "Referral", 25),
    ("source", "=", "Exhibition", 20),
    ("source", "in", "Website,Social Media", 10),
    ("source", "=", "Cold Call", 5),
    ("company_size", "in", "1000-4999,5000+", 25),
    ("company_size", "=", "200-999", 15),
    ("company_size", "=", "50-199", 5),
    ("budget_range", "=", "Over 2M", 30),
    ("budget_range", "=", "500k-2M", 20),
    ("budget_range", "=", "100k-500k", 10),
    ("industry", "in", "Manufacturing,Automotive,Energy", 10),
    ("industry", "=", "Electronics", 5),
    ("notes", "like", "需求", 15),
    ("notes", "is set", "", 5),
    ("mobile_no", "is set", "", 5),
    ("email_id", "is set", "", 5),
    ("designation", "like", "总", 10),
    ("expected_amount", ">=", "500000", 15),
    ("internal_rating", "=", "Hot", 10),
    ("need_clarity", "=", "Clear", 20),
]
SOURCES = ["Exhibition", "Website", "Referral", "Cold Call", "Advertisement", "Social Media"]
SIZES = ["1-49", "50-199", "200-999", "1000-4999", "5000+"]
BUDGETS = ["Under 100k", "100k-500k", "500k-2M", "Over 2M"]


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(pct / 100 * len(ordered)) - 1)]


def upsert(doctype: str, title: str, data: dict) -> str:
    """Insert the rule titled ``title`` or update it (rules are named by hash); return its name."""
    from lowcode.documents.actions import do_insert_doc, do_save_doc
    from lowcode.storage.factory import get_model

    name = get_model(doctype).objects.filter(title=title).values_list("name", flat=True).first()
    if name:
        return do_save_doc("Administrator", doctype, name, data).name
    return do_insert_doc("Administrator", doctype, {"title": title, **data}).name


def ensure_custom_field() -> None:
    """The custom field the scoring rule reads and every bench Lead fills; idempotent."""
    from lowcode.documents.actions import do_insert_doc
    from lowcode.storage.factory import get_model

    if not get_model("Custom Field").objects.filter(dt="Lead", fieldname="need_clarity").exists():
        do_insert_doc(
            "Administrator",
            "Custom Field",
            {
                "dt": "Lead",
                "fieldname": "need_clarity",
                "label": "Need Clarity",
                "fieldtype": "Select",
                "options": "\nClear\nVague\nUnknown",
            },
        )


def configure_rules() -> None:
    """Create (or refresh) the rules; idempotent."""
    ensure_custom_field()
    upsert(
        "Scoring Rule",
        SCORING,
        {
            "title": SCORING,
            "document_type": "Lead",
            "score_field": "score",
            "enabled": 1,
            "criteria": [
                {"fieldname": f, "operator": op, "value": v, "points": p}
                for f, op, v, p in CRITERIA
            ],
        },
    )
    for title, (action, fields) in DUPLICATES.items():
        upsert(
            "Duplicate Rule",
            title,
            {
                "title": title,
                "document_type": "Lead",
                "action": action,
                "enabled": 1,
                "fields": [
                    {"fieldname": f, "normaliser": n, "other_doctype": o, "other_fieldname": of}
                    for f, n, o, of in fields
                ],
            },
        )
    upsert(
        "Assignment Rule",
        ASSIGNMENT,
        {
            "title": ASSIGNMENT,
            "document_type": "Lead",
            "strategy": "Load Balancing",
            "status_field": "status",
            "open_values": "Open,Contacted,Nurturing",
            "enabled": 1,
            "users": [{"user": u} for u in usernames()[:10]],
        },
    )


def ensure_department_heads() -> None:
    """The first seat of each bench department heads it, so approvals find a supervisor."""
    from lowcode.documents.actions import do_save_doc
    from lowcode.storage.factory import get_model

    names = usernames()
    for index, (department, _parent, _region) in enumerate(DEPARTMENTS):
        head = names[index * USERS_PER_DEPARTMENT]
        if get_model("Department").objects.filter(name=department).exclude(head=head).exists():
            do_save_doc("Administrator", "Department", department, {"head": head})


def set_rules_enabled(enabled: bool) -> None:
    from lowcode.documents.actions import do_save_doc
    from lowcode.storage.factory import get_model

    for doctype, titles in (
        ("Scoring Rule", [SCORING]),
        ("Duplicate Rule", list(DUPLICATES)),
        ("Assignment Rule", [ASSIGNMENT]),
    ):
        for name in (
            get_model(doctype).objects.filter(title__in=titles).values_list("name", flat=True)
        ):
            do_save_doc("Administrator", doctype, name, {"enabled": int(enabled)})


def set_site_scoring_enabled(names: list[str], enabled: bool) -> None:
    """Switch the site's own Lead scoring rules (the CRM's default one): one may be enabled."""
    from lowcode.documents.actions import do_save_doc

    for name in names:
        do_save_doc("Administrator", "Scoring Rule", name, {"enabled": int(enabled)})


def index_existing_keys() -> dict:
    from lowcode.rules.duplicates import rebuild_keys
    from lowcode.storage.factory import get_model

    keys = get_model("Duplicate Key").objects.filter(reference_doctype="Lead")
    leads = get_model("Lead").objects.count()
    if keys.values("reference_name").distinct().count() >= leads * 0.99:
        return {"rebuild_keys_s": None, "keys": keys.count()}
    started = time.perf_counter()
    indexed = rebuild_keys("Lead")
    seconds = time.perf_counter() - started
    print(f"rebuild_keys: {indexed:,} Leads in {seconds:.0f} s ({indexed / seconds:,.0f}/s)")
    return {"rebuild_keys_s": round(seconds, 1), "keys": keys.count()}


def lead_data(rng: random.Random, run: str, i: int) -> dict:
    return {
        "lead_name": f"测试联系人{i}",
        "company_name": f"{rng.choice(['苏州', '杭州', ''])}{run}精密机械{i}有限公司",
        "source": rng.choice(SOURCES),
        "company_size": rng.choice(SIZES),
        "budget_range": rng.choice(BUDGETS),
        "industry": rng.choice(["Manufacturing", "Electronics", "Energy", "Logistics"]),
        "mobile_no": f"139{rng.randrange(10**8):08d}",
        "email_id": f"bench.{run}.{i}@example.cn",
        "designation": rng.choice(["采购总监", "总经理", "工程师", "采购专员"]),
        "notes": rng.choice(["需求明确,年内采购", "", "了解产品"]),
        "expected_amount": rng.choice([50000, 300000, 800000]),
        "need_clarity": rng.choice(["Clear", "Vague", ""]),
    }


def time_creates(count: int, rng: random.Random, run: str, owner: str) -> dict:
    from lowcode import context
    from lowcode.documents.actions import do_insert_doc
    from lowcode.exceptions import ValidationError

    blocked, first_refusal = 0, ""
    started = time.perf_counter()
    for i in range(count):
        context.reset()  # each create is its own request
        try:
            do_insert_doc(owner, "Lead", lead_data(rng, run, i))
        except ValidationError as exc:
            blocked += 1  # a random mobile that already exists among the 1M: the rule worked
            first_refusal = first_refusal or exc.message
    seconds = time.perf_counter() - started
    return {"docs_per_s": round(count / seconds, 1), "ms_per_doc": round(seconds * 1000 / count, 2), "blocked": blocked, "first_refusal": first_refusal[:200]}  # fmt: skip


def time_transitions(count: int, owner: str, manager: str, rng: random.Random, run: str) -> dict:
    """p50/p95 of a plain step (New → Qualified) and a routed approval (Supervisor Review → Pass)."""
    from django.db import connection
    from django.utils import timezone

    from kuaicrm.conversion import do_convert_lead
    from lowcode import context
    from lowcode.documents.actions import do_insert_doc
    from lowcode.exceptions import ValidationError
    from lowcode.storage.factory import get_model
    from lowcode.workflow.actions import do_apply_workflow

    Lead = get_model("Lead")
    plain, routed, raw = [], [], []
    path = ["Qualify", "Assign", "Plan Follow-up", "Make Contact", "Interested"]
    path += ["Convert to Opportunity", "Submit for Review"]
    actors = {"Assign": manager}
    for i in range(count):
        context.reset()
        name = ""
        while not name:  # a random mobile may already exist among the 1M: draw again
            try:
                name = do_insert_doc(owner, "Lead", lead_data(rng, run, i)).name
            except ValidationError:
                context.reset()
        for step, action in enumerate(path):
            context.reset()
            started = time.perf_counter()
            if action == "Convert to Opportunity":  # the Lead controller allows no bare step
                do_convert_lead(owner, name, amount=100000)
            else:
                do_apply_workflow(actors.get(action, owner), "Lead", name, action)
            if step == 0:
                plain.append((time.perf_counter() - started) * 1000)
        context.reset()
        started = time.perf_counter()
        do_apply_workflow(manager, "Lead", name, "Pass")
        routed.append((time.perf_counter() - started) * 1000)
        table = connection.ops.quote_name(Lead._meta.db_table)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET modified = %s WHERE name = %s", [timezone.now(), name]
            )
        raw.append((time.perf_counter() - started) * 1000)
    figures = {}
    for label, samples in (("plain", plain), ("routed", routed), ("raw_update", raw)):
        figures[label] = {"p50": round(statistics.median(samples), 2), "p95": round(percentile(samples, 95), 2)}  # fmt: skip
    figures["plain"]["ratio_p50"] = round(figures["plain"]["p50"] / figures["raw_update"]["p50"], 1)
    return figures


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--creates", type=int, default=1000)
    parser.add_argument("--transitions", type=int, default=200)
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--keep-rules", action="store_true", help="leave the bench rules enabled")
    args = parser.parse_args(argv)
    site = setup_django()
    from django.conf import settings

    # Mail is delivered by a worker on a real site; inline here, it would only print.
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from lowcode.permissions.core import user_department
    from lowcode.storage.factory import get_model
    from lowcode.workflow.engine import supervisor_of

    owner = usernames()[USERS_PER_DEPARTMENT + 1]  # a Sales User of 华东销售一部
    if not get_user_model().objects.filter(username=owner).exists():
        sys.exit("Run bench/generate_leads.py first: the bench users are missing")
    ensure_department_heads()
    manager = supervisor_of(owner) or usernames()[USERS_PER_DEPARTMENT]
    leads = get_model("Lead").objects.count()
    print(
        f"site {site}: {leads:,} Leads; creating as {owner} ({user_department(owner)}), supervisor {manager}"
    )
    run = f"{int(time.time()) % 100000}"
    rng = random.Random(int(run))  # new mobiles each run: earlier runs keep their Leads
    figures: dict = {"site": site, "leads": leads}
    # Baseline first, with the bench rules disabled (disabling re-indexes nothing).
    set_rules_enabled(False)
    ensure_custom_field()  # the baseline's Leads carry it too (a fresh site has none yet)
    time_creates(50, rng, run + "w", owner)  # warm caches
    figures["create_without_rules"] = time_creates(args.creates, rng, run + "b", owner)
    print(f"without rules: {figures['create_without_rules']}", flush=True)
    # A Lead has one enabled scoring rule: the site's own steps aside while the bench's runs.
    site_scoring = list(
        get_model("Scoring Rule")
        .objects.filter(document_type="Lead", enabled=1)
        .exclude(title=SCORING)
        .values_list("name", flat=True)
    )
    set_site_scoring_enabled(site_scoring, False)
    started = time.perf_counter()
    with transaction.atomic():  # as an import of rules would: one re-index of existing Leads
        configure_rules()
    figures["configure_rules_s"] = round(time.perf_counter() - started, 1)
    print(
        f"rules enabled, existing Leads' duplicate keys indexed: {figures['configure_rules_s']} s"
    )
    figures.update(index_existing_keys())
    time_creates(50, rng, run + "x", owner)
    figures["create_with_rules"] = time_creates(args.creates, rng, run + "a", owner)
    with_rules = figures["create_with_rules"]["docs_per_s"]
    figures["rules_cost_ratio"] = round(
        figures["create_without_rules"]["docs_per_s"] / with_rules, 2
    )
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    figures["workflow_transition_ms"] = time_transitions(
        args.transitions, owner, manager, rng, run + "t"
    )
    if not args.keep_rules:
        set_rules_enabled(False)
        set_site_scoring_enabled(site_scoring, True)
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
