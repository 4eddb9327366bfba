"""Load N realistic Leads into the current site quickly (benchmark data, not demo data).

Usage::

    KUAICRM_SITE=bench .venv/bin/python bench/generate_leads.py [--rows 1000000] [--batch 5000]
                                                               [--seed 2026] [--top-up]
                                                               [--method executemany|bulk_create]

The organisation (10 departments, 50 users) is made through the engine's actions, as an admin
would. The Leads themselves go in by batches of 5,000, one transaction each, with one
``executemany`` per batch on Django's connection (``--method bulk_create`` uses the ORM, about
half as fast): a generator may bypass the per-document lifecycle, but the rows look exactly
like ones the actions write (naming series names, a counter that later inserts continue after,
normalised mobile numbers, options from ``lead.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent

# The root 销售中心 is one of the ten; the others sit under it (so its manager sees everything).
DEPARTMENTS = [
    ("销售中心", None, "全国"),
    ("华东销售一部", "销售中心", "华东"),
    ("华东销售二部", "销售中心", "华东"),
    ("华南销售部", "销售中心", "华南"),
    ("华北销售部", "销售中心", "华北"),
    ("华中销售部", "销售中心", "华中"),
    ("西南销售部", "销售中心", "西南"),
    ("西北销售部", "销售中心", "西北"),
    ("东北销售部", "销售中心", "东北"),
    ("大客户部", "销售中心", "全国"),
]
USERS_PER_DEPARTMENT = 5
# Mainland mobile prefixes that phonenumbers accepts as valid (checked at start-up).
MOBILE_PREFIXES = [
    *(f"13{d}" for d in range(10)),
    "145", "147",
    *(f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)),
    "166", "171", "173", "175", "176", "177", "178",
    *(f"18{d}" for d in range(10)),
    "191", "198", "199",
]  # fmt: skip
# Rough shape of a real funnel: most leads are open or being worked.
STATUS_WEIGHTS = {
    "Open": 30, "Contacted": 20, "Qualified": 10, "Nurturing": 15,
    "Converted": 8, "Invalid": 9, "Closed": 8,
}  # fmt: skip
SOURCE_WEIGHTS = {
    "": 5, "Exhibition": 15, "Website": 25, "Referral": 15, "Cold Call": 15,
    "Advertisement": 10, "Social Media": 12, "Other": 3,
}  # fmt: skip
DAYS_OF_HISTORY = 730
TRADES = [
    "机械", "电子", "化工", "汽车零部件", "新能源", "建材", "物流", "食品", "医药", "精密制造",
    "环保", "自动化", "纺织", "光电", "新材料", "包装", "电气", "仪器仪表", "软件", "供应链",
]  # fmt: skip
COMPANY_SUFFIXES = [
    "有限公司", "股份有限公司", "集团有限公司", "科技有限公司", "实业有限公司", "制造有限公司",
    "贸易有限公司",
]  # fmt: skip


def setup_django(site: str | None = None) -> str:
    """Boot Django on the site named by ``site`` or $KUAICRM_SITE; return the site name."""
    if site:
        os.environ["KUAICRM_SITE"] = site
    os.environ.setdefault("KUAICRM_SITE", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lowcode.conf.settings")
    if not (REPO_DIR / "sites" / os.environ["KUAICRM_SITE"] / "site_config.json").exists():
        sys.exit(f"Site {os.environ['KUAICRM_SITE']!r} does not exist: run kuaicrm new-site first")
    import django

    django.setup()
    return os.environ["KUAICRM_SITE"]


def usernames() -> list[str]:
    count = len(DEPARTMENTS) * USERS_PER_DEPARTMENT
    return [f"sales{i:02d}" for i in range(1, count + 1)]


def ensure_organisation(faker) -> dict[str, str]:
    """Create the departments and users through the actions (idempotent); return user → region."""
    from lowcode import context
    from lowcode.documents.actions import do_insert_doc
    from lowcode.storage.factory import get_model
    from lowcode.users import do_create_user

    Department = get_model("Department")
    for name, parent, region in DEPARTMENTS:
        if not Department.objects.filter(name=name).exists():
            do_insert_doc(
                "Administrator",
                "Department",
                {"department_name": name, "parent_department": parent, "region": region},
            )
    regions = {}
    names = iter(usernames())
    for department, _parent, region in DEPARTMENTS:
        for seat in range(USERS_PER_DEPARTMENT):
            username = next(names)
            # The first seat of each department manages it; the rest sell with "own" scope.
            role = "Sales Manager" if seat == 0 else "Sales User"
            do_create_user(
                username,
                full_name=faker.name(),
                email=f"{username}@bench.kuaicrm.test",
                roles=[role],
                department=department,
            )
            regions[username] = region
    context.reset()
    return regions


def check_mobile_prefixes(rng: random.Random) -> None:
    import phonenumbers

    for prefix in MOBILE_PREFIXES:
        number = phonenumbers.parse(f"{prefix}{rng.randrange(10**8):08d}", "CN")
        assert phonenumbers.is_valid_number(number), f"mobile prefix {prefix} is not valid"


class Pools:
    """Values drawn from Faker once: Faker takes ~0.1 ms a call, far too slow per row."""

    def __init__(self, faker, rng: random.Random, size: int = 20_000) -> None:
        from lowcode.meta.registry import get_meta

        # Surnames keep Faker's frequencies (many 王, 李, 张); given names have one or two
        # characters, so a lead's name is drawn from tens of thousands of combinations.
        self.surnames = [faker.last_name() for _ in range(size)]
        self.given = list({faker.first_name() for _ in range(2_000)})
        # Faker's zh_CN company() knows only ~330 names: add a city and a trade for variety.
        cities = [faker.city_name() for _ in range(300)]
        prefixes = [faker.company_prefix() for _ in range(300)]
        self.companies = list(
            {
                f"{rng.choice(cities)}{rng.choice(prefixes)}{rng.choice(TRADES)}"
                f"{rng.choice(COMPANY_SUFFIXES)}"
                for _ in range(size)
            }
        )
        self.jobs = list({faker.job() for _ in range(500)})
        self.cities = list({faker.city_name() for _ in range(600)})
        self.mail_domains = [
            "qq.com",
            "163.com",
            "126.com",
            "sina.com",
            "aliyun.com",
            "foxmail.com",
        ]
        meta = get_meta("Lead")
        # Options come from lead.json, so a renamed option cannot leave stale rows behind.
        self.statuses = meta.get_field("status").select_options
        assert set(STATUS_WEIGHTS) == set(self.statuses), "lead.json statuses changed"
        self.status_weights = [STATUS_WEIGHTS[s] for s in self.statuses]
        self.sources = list(meta.get_field("source").select_options)
        self.source_weights = [SOURCE_WEIGHTS.get(s, 1) for s in self.sources]
        self.industries = meta.get_field("industry").select_options
        self.sizes = meta.get_field("company_size").select_options
        self.budgets = meta.get_field("budget_range").select_options
        self.ratings = meta.get_field("internal_rating").select_options
        self.rng = rng


def series_prefix() -> tuple[str, int, str]:
    """Return today's Lead series prefix, digit count and pattern (``LEAD-2026-``, 5, …)."""
    from django.utils import timezone

    from lowcode.meta.registry import get_meta

    pattern = get_meta("Lead").get_field("naming_series").default or "LEAD-.YYYY.-.#####"
    now = timezone.localtime()
    tokens = {"YYYY": f"{now:%Y}", "YY": f"{now:%y}", "MM": f"{now:%m}", "DD": f"{now:%d}"}
    prefix, digits = "", 5
    for part in pattern.split("."):
        if part.startswith("#"):
            digits = len(part)
        else:
            prefix += tokens.get(part, part)
    return prefix, digits, pattern


def reserve_numbers(prefix: str, count: int) -> int:
    """Advance the series counter by ``count`` at once; return the first reserved number."""
    from django.db import transaction
    from django.db.models import F

    from lowcode.models import NamingSeriesCounter

    with transaction.atomic():
        NamingSeriesCounter.objects.get_or_create(prefix=prefix, defaults={"current": 0})
        NamingSeriesCounter.objects.filter(prefix=prefix).update(current=F("current") + count)
        last = NamingSeriesCounter.objects.values_list("current", flat=True).get(prefix=prefix)
    return last - count + 1


def creation_times(rng: random.Random, count: int, now: dt.datetime) -> list[dt.datetime]:
    """Return ``count`` ascending times over the last two years (names rise with time)."""
    start = now - dt.timedelta(days=DAYS_OF_HISTORY)
    span = DAYS_OF_HISTORY * 86400.0
    offsets = sorted(rng.random() * span for _ in range(count))
    return [start + dt.timedelta(seconds=s) for s in offsets]


def make_row(
    pools: Pools,
    name: str,
    owner: str,
    region: str,
    created: dt.datetime,
    now: dt.datetime,
    series: str,
):
    rng = pools.rng
    # Last touched up to 45 days after creation, never in the future.
    window = min(45 * 86400.0, (now - created).total_seconds())
    modified = created + dt.timedelta(seconds=rng.random() * window)
    given = rng.choice(pools.given)
    if len(given) == 1 and rng.random() < 0.6:
        given += rng.choice(pools.given)  # 王伟 or 王伟强
    person = rng.choice(pools.surnames) + given
    mobile = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
    return {
        "name": name,
        "owner": owner,
        "creation": created,
        "modified": modified,
        "modified_by": owner,
        "docstatus": 0,
        "idx": 0,
        "_custom": {},
        "naming_series": series,
        "lead_name": person,
        "company_name": rng.choice(pools.companies),
        "status": rng.choices(pools.statuses, pools.status_weights)[0],
        "source": rng.choices(pools.sources, pools.source_weights)[0] or None,
        "mobile_no": mobile,
        "email_id": f"{mobile}@{rng.choice(pools.mail_domains)}" if rng.random() < 0.6 else None,
        "designation": rng.choice(pools.jobs),
        "industry": rng.choice(pools.industries) or None,
        "company_size": rng.choice(pools.sizes) or None,
        "budget_range": rng.choice(pools.budgets) or None,
        "territory": region,
        "city": rng.choice(pools.cities),
        "customer": None,
        "score": rng.randrange(0, 101),
        "expected_amount": Decimal(rng.randrange(10, 5000) * 1000),
        "first_contact_due": created + dt.timedelta(hours=24),
        "notes": None,
        "internal_rating": rng.choice(pools.ratings) or None,
    }


class RowWriter:
    """Write one batch of row dicts with a single ``executemany`` (or ``bulk_create``).

    Values go through each model field's ``get_db_prep_save``, the conversion ``bulk_create``
    applies, but the INSERT is compiled once instead of once per value: ``bulk_create`` spent
    about three quarters of its time compiling, which kept 1M rows on MariaDB near 8 minutes.
    """

    def __init__(self, model, method: str) -> None:
        from django.db import connection, models

        self.model, self.method, self.connection = model, method, connection
        fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in fields]
        # Strings and integers need no conversion; datetimes, decimals and JSON do.
        plain = (models.CharField, models.TextField, models.IntegerField)
        self.preps = [
            None
            if isinstance(f, plain)
            else functools.partial(f.get_db_prep_save, connection=connection)
            for f in fields
        ]
        # Columns the generator does not fill (fields added to the DocType since) take the
        # model's default, so the generator keeps working as Lead grows.
        self.defaults = {f.attname: f.get_default() for f in fields}
        quote = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )

    def write(self, rows: list[dict]) -> None:
        if self.method == "bulk_create":
            self.model.objects.bulk_create([self.model(**row) for row in rows])
            return
        values = [
            tuple(
                value if prep is None else prep(value)
                for attname, prep in zip(self.attnames, self.preps, strict=True)
                for value in (row.get(attname, self.defaults[attname]),)
            )
            for row in rows
        ]
        with self.connection.cursor() as cursor:
            cursor.executemany(self.sql, values)


def tune_connection() -> None:
    """Give SQLite a big page cache for the load; MariaDB's defaults are kept."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB: indexes stay in memory
            cursor.execute("PRAGMA temp_store = MEMORY")


def generate(rows: int, batch: int, seed: int, top_up: bool, method: str = "executemany") -> dict:
    """Insert ``rows`` Leads (or, with ``top_up``, only as many as the table lacks)."""
    from django.db import connection, transaction
    from django.utils import timezone
    from faker import Faker

    from lowcode.storage.factory import get_model

    Lead = get_model("Lead")
    rng = random.Random(seed)
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    existing = Lead.objects.count()
    wanted = max(rows - existing, 0) if top_up else rows
    print(
        f"[generate] site {os.environ['KUAICRM_SITE']} ({connection.vendor}): "
        f"{existing:,} Leads present, inserting {wanted:,}"
    )
    check_mobile_prefixes(rng)
    started = time.perf_counter()
    regions = ensure_organisation(faker)
    pools = Pools(faker, rng)
    print(
        f"[generate] organisation + name pools ready in {time.perf_counter() - started:.1f} s "
        f"({len(pools.surnames):,} surnames, {len(pools.given):,} given names, "
        f"{len(pools.companies):,} companies)"
    )
    if not wanted:
        return {"rows": 0, "seconds": 0.0, "rows_per_s": 0.0, "total": existing}
    owners = list(regions)
    # Uneven but not extreme: the busiest rep has about three times the quietest one's leads.
    owner_weights = [rng.uniform(0.5, 1.5) for _ in owners]
    prefix, digits, series = series_prefix()
    first = reserve_numbers(prefix, wanted)
    width = max(digits, len(str(first + wanted - 1)))
    now = timezone.now()
    times = creation_times(rng, wanted, now)
    tune_connection()
    writer = RowWriter(Lead, method)

    started, cpu_started = time.perf_counter(), time.process_time()
    done, report_every = 0, max(batch, (wanted // 20) // batch * batch)
    while done < wanted:
        size = min(batch, wanted - done)
        chosen = rng.choices(owners, owner_weights, k=size)
        rows = [
            make_row(
                pools,
                f"{prefix}{first + done + i:0{width}d}",
                owner,
                regions[owner],
                times[done + i],
                now,
                series,
            )
            for i, owner in enumerate(chosen)
        ]
        with transaction.atomic():
            writer.write(rows)
        done += size
        if done % report_every == 0 or done == wanted:
            elapsed = time.perf_counter() - started
            print(
                f"[generate] {done:>10,} rows  {elapsed:7.1f} s  {done / elapsed:9,.0f} rows/s",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    # This process's CPU time: on a shared machine it shows what the load cost without waits.
    cpu = time.process_time() - cpu_started
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute('ANALYZE "tabLead"')  # fresh statistics for the query planner
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE TABLE `tabLead`")
            cursor.fetchall()
    result = {
        "rows": wanted,
        "seconds": round(elapsed, 1),
        "rows_per_s": round(wanted / elapsed),
        "method": method,
        "generator_cpu_s": round(cpu, 1),
        "total": existing + wanted,
        "names": f"{prefix}{first:0{width}d} … {prefix}{first + wanted - 1:0{width}d}",
    }
    print(
        f"[generate] inserted {wanted:,} Leads in {elapsed:.1f} s = {wanted / elapsed:,.0f} "
        f"rows/s (generator CPU {cpu:.0f} s); names {result['names']}; "
        f"table now {result['total']:,} rows"
    )
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site", help="site name (default $KUAICRM_SITE or bench)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--top-up",
        action="store_true",
        help="insert only as many rows as the table lacks to reach --rows",
    )
    parser.add_argument(
        "--method",
        choices=["executemany", "bulk_create"],
        default="executemany",
        help="executemany on Django's connection (fast) or the ORM's bulk_create",
    )
    args = parser.parse_args(argv)
    setup_django(args.site)
    return generate(args.rows, args.batch, args.seed, args.top_up, args.method)


if __name__ == "__main__":
    main()
