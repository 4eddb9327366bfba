"""Load N Opportunities (default 300,000) with stage history and items into the bench site.

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/generate_opportunities.py [--rows 300000]
                                               [--customers 20000] [--batch 5000] [--seed 2026]
                                               [--top-up]

Run on the site ``generate_leads.py`` made (its 10 departments and 50 users own the deals).
The stages, 20 products and the organisation are made through the actions
(``install_defaults``, ``do_insert_doc``); customers, opportunities and their child rows go
in by batches, one transaction and one ``executemany`` per table per batch (``RowWriter`` of
generate_leads.py). Rows look like the controller's: every deal walks the default stages from
初步接触 with a funnel's attrition, some are won, some lost with a reason; each move is a
stage-history row with its dwell hours; ``furthest_stage_order``, status, probability,
weighted amount, forecast category and ``closed_on`` follow the stage; ~30% carry 1–3
product rows. Creation times span the last two years.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal

from generate_leads import (
    DEPARTMENTS,
    USERS_PER_DEPARTMENT,
    RowWriter,
    ensure_organisation,
    reserve_numbers,
    tune_connection,
)

DAYS_OF_HISTORY = 730
# Furthest stage reached (order 1..5, 5 = 成交): a funnel losing about a third per step.
FURTHEST_WEIGHTS = {1: 38, 2: 24, 3: 16, 4: 11, 5: 11}
# Mean hours spent in each open stage before the next move.
MEAN_DWELL_HOURS = {1: 60, 2: 140, 3: 220, 4: 300}
LOST_REASON_WEIGHTS = {
    "Price": 30, "Competitor": 25, "No Budget": 15, "No Decision": 12, "Product Fit": 8,
    "Timing": 7, "Other": 3,
}  # fmt: skip
SOURCE_WEIGHTS = {
    "": 5, "Exhibition": 15, "Website": 25, "Referral": 20, "Cold Call": 12,
    "Advertisement": 10, "Social Media": 10, "Other": 3,
}  # fmt: skip
PRODUCTS: list[tuple[str, float]] = [
    (f"{family}{model}", rate)
    for family, rate in (("工业网关", 8_000), ("PLC 控制器", 15_000), ("伺服电机", 6_500),
                         ("变频器", 4_200), ("视觉检测系统", 120_000))
    for model in ("-A", "-B", "-Pro", "-Max")
]  # fmt: skip
ITEM_SHARE = 0.3


def setup_django(site: str | None = None) -> str:
    """Boot Django on ``site`` or $KUAICRM_SITE (default ``bench``) in $KUAICRM_SITES_DIR."""
    if site:
        os.environ["KUAICRM_SITE"] = site
    os.environ.setdefault("KUAICRM_SITE", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lowcode.conf.settings")
    from lowcode.conf.site import site_path

    if not (site_path() / "site_config.json").exists():
        sys.exit(f"Site {os.environ['KUAICRM_SITE']!r} does not exist: run kuaicrm new-site first")
    import django

    django.setup()
    return os.environ["KUAICRM_SITE"]


def series(doctype: str) -> tuple[str, int, str]:
    """Return today's series prefix, digit count and pattern of ``doctype``'s naming_series."""
    from django.utils import timezone

    from lowcode.meta.registry import get_meta

    field = get_meta(doctype).get_field("naming_series")
    pattern = (field.default if field else None) or f"{doctype[:4].upper()}-.#####"
    now = timezone.localtime()
    tokens = {"YYYY": f"{now:%Y}", "YY": f"{now:%y}", "MM": f"{now:%m}", "DD": f"{now:%d}"}
    prefix, digits = "", 5
    for part in pattern.split("."):
        if part.startswith("#"):
            digits = len(part)
        else:
            prefix += tokens.get(part, part)
    return prefix, digits, pattern


class Names:
    """Consecutive naming-series names reserved at once (later inserts continue after them)."""

    def __init__(self, doctype: str, count: int) -> None:
        self.prefix, digits, self.pattern = series(doctype)
        self.first = reserve_numbers(self.prefix, count) if count else 1
        self.width = max(digits, len(str(self.first + count - 1)))

    def __getitem__(self, index: int) -> str:
        return f"{self.prefix}{self.first + index:0{self.width}d}"


def defaults(model) -> dict:
    """Every column's default, so a row dict needs only the values that differ."""
    row = {}
    for field in model._meta.concrete_fields:
        row[field.attname] = field.get_default() if field.has_default() else None
    return row


def ensure_products() -> list[tuple[str, float]]:
    from lowcode.documents.actions import do_insert_doc
    from lowcode.storage.factory import get_model

    Product = get_model("Product")
    for name, rate in PRODUCTS:
        if not Product.objects.filter(name=name).exists():
            do_insert_doc(
                "Administrator",
                "Product",
                {"product_name": name, "standard_rate": rate, "product_group": None},
            )
    return PRODUCTS


def load_stages() -> list[dict]:
    from kuaicrm.setup import install_defaults
    from lowcode.storage.factory import get_model

    install_defaults()
    return list(
        get_model("Opportunity Stage")
        .objects.filter(enabled=1)
        .order_by("stage_order")
        .values("name", "stage_order", "probability", "stage_type", "forecast_category")
    )


def users_and_departments() -> dict[str, str]:
    names = [f"sales{i:02d}" for i in range(1, len(DEPARTMENTS) * USERS_PER_DEPARTMENT + 1)]
    return {user: DEPARTMENTS[index // USERS_PER_DEPARTMENT][0] for index, user in enumerate(names)}


class Maker:
    """Draws one opportunity with its history and items (pure Python, no queries)."""

    def __init__(
        self, rng: random.Random, stages: list[dict], now: dt.datetime, child_base: dict,
        item_base: dict,
    ) -> None:  # fmt: skip
        self.rng, self.now = rng, now
        self.child_base, self.item_base = child_base, item_base
        self.open = {s["stage_order"]: s for s in stages if s["stage_type"] == "Open"}
        self.won = next(s for s in stages if s["stage_type"] == "Won")
        self.lost = next(s for s in stages if s["stage_type"] == "Lost")
        self.furthest = list(FURTHEST_WEIGHTS)
        self.furthest_weights = list(FURTHEST_WEIGHTS.values())
        self.sources = list(SOURCE_WEIGHTS)
        self.source_weights = list(SOURCE_WEIGHTS.values())
        self.reasons = list(LOST_REASON_WEIGHTS)
        self.reason_weights = list(LOST_REASON_WEIGHTS.values())
        self.tag = f"{rng.getrandbits(24):06x}"
        self.child_count = 0

    def child_name(self) -> str:
        self.child_count += 1
        return f"{self.tag}{self.child_count:09x}"

    def make(self, base: dict, name: str, owner: str, department: str, customer: str,
             created: dt.datetime, series: str, products) -> tuple[dict, list[dict], list[dict]]:  # fmt: skip
        rng = self.rng
        furthest = rng.choices(self.furthest, self.furthest_weights)[0]
        age_days = (self.now - created).days
        won = furthest == 5
        # Older deals that stopped early were mostly lost; recent ones are still being worked.
        lost = not won and rng.random() < (
            0.7 if age_days > 120 else 0.25 if age_days > 30 else 0.05
        )
        path = [self.open[o] for o in range(1, min(furthest, 4) + 1)]
        if won:
            path.append(self.won)
        elif lost:
            path.append(self.lost)
        # Stays in each stage before the next move, scaled to end before now.
        dwell = [rng.expovariate(1 / MEAN_DWELL_HOURS[s["stage_order"]]) for s in path[:-1]]
        room = (self.now - created).total_seconds() / 3600 * 0.95
        if sum(dwell) > room:
            scale = room / sum(dwell)
            dwell = [d * scale for d in dwell]
        final = path[-1]
        amount = Decimal(int(rng.lognormvariate(11.5, 1.0)) // 1000 * 1000 + 5000)
        probability = Decimal(final["probability"] or 0)
        moments, at = [created], created
        for hours in dwell:
            at = at + dt.timedelta(hours=hours)
            moments.append(at)
        history = []
        for idx, (stage, moment) in enumerate(zip(path, moments, strict=True)):
            history.append(
                {
                    **self.child_base,
                    "name": self.child_name(),
                    "owner": owner, "creation": moment, "modified": moment, "modified_by": owner,
                    "parent": name, "parentfield": "stage_history", "parenttype": "Opportunity",
                    "idx": idx + 1,
                    "from_stage": path[idx - 1]["name"] if idx else None,
                    "to_stage": stage["name"],
                    "changed_on": moment, "changed_by": owner,
                    "dwell_hours": Decimal(f"{dwell[idx - 1]:.2f}") if idx else Decimal(0),
                    "amount": amount,
                    "reason": "丢单" if stage is self.lost else None,
                }
            )  # fmt: skip
        items = []
        if rng.random() < ITEM_SHARE:
            for idx in range(rng.randint(1, 3)):
                product, rate = rng.choice(products)
                qty = rng.randint(1, 20)
                items.append(
                    {
                        **self.item_base,
                        "name": self.child_name(),
                        "owner": owner, "creation": created, "modified": created,
                        "modified_by": owner, "parent": name, "parentfield": "items",
                        "parenttype": "Opportunity", "idx": idx + 1,
                        "product": product, "qty": float(qty), "rate": Decimal(rate),
                        "amount": Decimal(rate * qty),
                    }
                )  # fmt: skip
        last_move = moments[-1]
        status = final["stage_type"]
        row = {
            **base,
            "name": name, "owner": owner, "creation": created,
            "modified": max(last_move, created), "modified_by": owner,
            "naming_series": series,
            "opportunity_name": f"{customer} 项目 {name[-6:]}",
            "customer": customer,
            "source": rng.choices(self.sources, self.source_weights)[0] or None,
            "sales_owner": owner, "department": department,
            "amount": amount,
            "expected_close_date": (created + dt.timedelta(days=rng.randint(30, 180))).date(),
            "stage": final["name"], "status": status,
            "stage_probability": probability, "probability": probability,
            "probability_override": 0,
            "weighted_amount": (amount * probability / 100).quantize(Decimal("0.01")),
            "forecast_category": final["forecast_category"],
            "lost_reason": rng.choices(self.reasons, self.reason_weights)[0] if lost else None,
            "closed_on": last_move.date() if status != "Open" else None,
            "followup_count": rng.randint(0, 12),
            "last_interaction_on": last_move,
            "stage_changed_on": last_move,
            "furthest_stage_order": min(furthest, 4) if not won else self.won["stage_order"],
        }  # fmt: skip
        return row, history, items


def generate(rows: int, customers: int, batch: int, seed: int, top_up: bool) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone
    from faker import Faker

    from lowcode.storage.factory import get_model

    Opportunity = get_model("Opportunity")
    Customer = get_model("Customer")
    Change, Item = get_model("Opportunity Stage Change"), get_model("Opportunity Item")
    rng = random.Random(seed)
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    existing = Opportunity.objects.count()
    wanted = max(rows - existing, 0) if top_up else rows
    print(
        f"[generate] site {os.environ['KUAICRM_SITE']} ({connection.vendor}): "
        f"{existing:,} Opportunities present, inserting {wanted:,}"
    )
    ensure_organisation(faker)
    departments = users_and_departments()
    owners = list(departments)
    stages = load_stages()
    products = ensure_products()
    if not wanted:
        return {"rows": 0, "total": existing}
    now = timezone.now()
    tune_connection()

    # Customers: one table of companies the deals belong to (owned by the same reps).
    started = time.perf_counter()
    have = Customer.objects.count()
    new_customers = max(customers - have, 0)
    customer_names = Names("Customer", new_customers)
    base = defaults(Customer)
    writer = RowWriter(Customer, "executemany")
    companies = [faker.company() for _ in range(2_000)]
    customer_owner: dict[str, str] = {}
    for start in range(0, new_customers, batch):
        chunk = []
        for i in range(start, min(start + batch, new_customers)):
            owner = rng.choice(owners)
            created = now - dt.timedelta(days=rng.uniform(0, DAYS_OF_HISTORY + 30))
            name = customer_names[i]
            chunk.append(
                {**base, "name": name, "owner": owner, "creation": created, "modified": created,
                 "modified_by": owner, "naming_series": customer_names.pattern,
                 "customer_name": f"{rng.choice(companies)}{i}", "status": "Active"}
            )  # fmt: skip
            customer_owner[name] = owner
        with transaction.atomic():
            writer.write(chunk)
    by_owner: dict[str, list[str]] = {}
    for name, owner in Customer.objects.values_list("name", "owner").iterator():
        by_owner.setdefault(owner, []).append(name)
    print(f"[generate] {new_customers:,} customers in {time.perf_counter() - started:.1f} s")

    names = Names("Opportunity", wanted)
    maker = Maker(rng, stages, now, defaults(Change), defaults(Item))
    base = defaults(Opportunity)
    writers = [RowWriter(model, "executemany") for model in (Opportunity, Change, Item)]
    start_time = now - dt.timedelta(days=DAYS_OF_HISTORY)
    offsets = sorted(rng.random() * DAYS_OF_HISTORY * 86400.0 for _ in range(wanted))
    owner_weights = [rng.uniform(0.5, 1.5) for _ in owners]
    started, cpu_started = time.perf_counter(), time.process_time()
    done = history_rows = item_rows = 0
    report_every = max(batch, (wanted // 10) // batch * batch)
    while done < wanted:
        size = min(batch, wanted - done)
        opportunities, history, items = [], [], []
        for i, owner in enumerate(rng.choices(owners, owner_weights, k=size)):
            created = start_time + dt.timedelta(seconds=offsets[done + i])
            own = by_owner.get(owner) or [next(iter(customer_owner), "")]
            row, moves, lines = maker.make(
                base, names[done + i], owner, departments[owner], rng.choice(own), created,
                names.pattern, products,
            )  # fmt: skip
            opportunities.append(row)
            history += moves
            items += lines
        with transaction.atomic():
            for writer, chunk in zip(writers, (opportunities, history, items), strict=True):
                if chunk:
                    writer.write(chunk)
        done += size
        history_rows += len(history)
        item_rows += len(items)
        if done % report_every == 0 or done == wanted:
            elapsed = time.perf_counter() - started
            print(
                f"[generate] {done:>9,} opportunities ({history_rows:,} history, "
                f"{item_rows:,} items)  {elapsed:6.1f} s  {done / elapsed:7,.0f} /s",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    with connection.cursor() as cursor:
        for table in ("tabOpportunity", "tabOpportunity Stage Change", "tabOpportunity Item"):
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "sqlite":
                cursor.execute(f"ANALYZE {quoted}")
            else:
                cursor.execute(f"ANALYZE TABLE {quoted}")
                cursor.fetchall()
    result = {
        "rows": wanted,
        "history_rows": history_rows,
        "item_rows": item_rows,
        "seconds": round(elapsed, 1),
        "rows_per_s": round(wanted / elapsed),
        "generator_cpu_s": round(cpu, 1),
        "total": existing + wanted,
    }
    print(f"[generate] done: {result}")
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site", help="site name (default $KUAICRM_SITE or bench)")
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--top-up", action="store_true", help="only add what --rows lacks")
    args = parser.parse_args(argv)
    setup_django(args.site)
    return generate(args.rows, args.customers, args.batch, args.seed, args.top_up)


if __name__ == "__main__":
    main()
