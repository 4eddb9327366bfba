"""Background jobs (inline and a real RQ worker) and the scheduler."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from lowcode.documents.actions import do_insert_doc
from lowcode.jobs import enqueue
from lowcode.jobs.scheduler import cron_matches, tick
from lowcode.storage.factory import get_model
from tests.engine_app.doctype.test_order import test_order

REPO = Path(__file__).resolve().parents[3]
HERE = "tests.lowcode.jobs.test_jobs"
RAN: list[dict] = []


def record(**kwargs) -> None:
    """A job: remember that it ran and with what."""
    RAN.append(kwargs)


def make_department(name: str, parent: str | None = None) -> None:
    """A job with an observable effect in the database."""
    do_insert_doc(
        "Administrator", "Department", {"department_name": name, "parent_department": parent}
    )


def department_exists(name: str) -> bool:
    return get_model("Department").objects.filter(name=name).exists()


@pytest.fixture
def inline(settings):
    settings.LOWCODE_JOBS_INLINE = True
    RAN.clear()
    yield
    RAN.clear()


# ---------------------------------------------------------------- inline mode


def test_inline_job_runs_after_commit_and_sees_the_callers_writes(transactional_db, site, inline):
    # when: a transaction writes a parent and enqueues a job that needs it
    with transaction.atomic():
        do_insert_doc("Administrator", "Department", {"department_name": "作业父部门"})
        enqueue(f"{HERE}.make_department", name="作业子部门", parent="作业父部门")
        enqueue(f"{HERE}.record", step=1)
        # then: nothing has run before the commit
        assert RAN == []
        assert not department_exists("作业子部门")

    # then: after the commit both ran, in order, and the link to the parent validated
    assert RAN == [{"step": 1}]
    child = get_model("Department").objects.get(name="作业子部门")
    assert child.parent_department == "作业父部门"


def test_inline_job_does_not_run_on_rollback(transactional_db, site, inline):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(f"{HERE}.make_department", name="回滚部门")
        enqueue(f"{HERE}.record", step="rolled back")
        raise RuntimeError("caller failed")

    assert RAN == []
    assert not department_exists("回滚部门")


def test_inline_job_of_a_rolled_back_savepoint_is_dropped(transactional_db, site, inline):
    with transaction.atomic():
        enqueue(f"{HERE}.record", step="outer")
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue(f"{HERE}.record", step="inner")
            raise RuntimeError("inner failed")

    assert RAN == [{"step": "outer"}]


def test_inline_job_outside_a_transaction_runs_at_once(transactional_db, site, inline):
    enqueue(f"{HERE}.record", step="autocommit")

    assert RAN == [{"step": "autocommit"}]


# ---------------------------------------------------------------- RQ mode


@pytest.fixture
def rq_mode(settings):
    """RQ mode on the site's Redis, for a worker that must see this test's database."""
    if not settings.REDIS_URL:
        pytest.skip("the site has no redis_url")
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite test database cannot be shared with a worker process")
    settings.LOWCODE_JOBS_INLINE = False
    import django_rq

    queue = django_rq.get_queue("default")
    return queue


def run_worker() -> subprocess.CompletedProcess:
    """Run ``kuaicrm worker --burst`` on the test database until the queues are empty."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        name = str(Path(name).resolve())
    env = {
        **os.environ,
        "KUAICRM_DB_NAME": name,
        # the test settings, so the worker knows the test app's models and this module
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    kuaicrm = Path(sys.executable).with_name("kuaicrm")
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [str(kuaicrm), "worker", "--burst"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.redis
def test_rq_worker_runs_committed_jobs_only(transactional_db, site, rq_mode):
    queue = rq_mode
    queued_before = queue.count

    # given: one committed enqueue and one rolled back
    with transaction.atomic():
        enqueue(f"{HERE}.make_department", name="RQ 作业部门")
        assert queue.count == queued_before  # not pushed before the commit
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(f"{HERE}.make_department", name="RQ 回滚部门")
        raise RuntimeError("caller failed")
    assert queue.count == queued_before + 1
    assert not department_exists("RQ 作业部门")  # nothing runs in this process

    # when: a real worker process drains the queues
    done = run_worker()
    assert done.returncode == 0, done.stdout + done.stderr

    # then: its write is visible here (bounded poll: the job committed in another process)
    deadline = time.monotonic() + 30
    while not department_exists("RQ 作业部门") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert department_exists("RQ 作业部门"), done.stdout + done.stderr
    assert get_model("Department").objects.get(name="RQ 作业部门").owner == "Administrator"
    assert not department_exists("RQ 回滚部门")


# ---------------------------------------------------------------- scheduler


def at(hour: int, minute: int, second: int = 0) -> dt.datetime:
    """A moment in the site's time zone on a fixed Monday."""
    return timezone.make_aware(dt.datetime(2026, 3, 2, hour, minute, second))


@pytest.fixture
def scheduler(db, inline, django_capture_on_commit_callbacks):
    """``run(moment)`` ticks as the scheduler would and returns what the test app's jobs did."""
    test_order.SCHEDULED.clear()

    def run(moment: dt.datetime) -> list[str]:
        test_order.SCHEDULED.clear()
        # tick enqueues on commit; the test's transaction never commits, so run them here
        with django_capture_on_commit_callbacks(execute=True):
            keys = tick(moment)
        assert all(
            key.split(":")[0] in ("all", "hourly", "daily", "weekly", "monthly", "cron")
            for key in keys
        )
        return list(test_order.SCHEDULED)

    yield run
    test_order.SCHEDULED.clear()


def test_hourly_event_runs_once_per_hour(scheduler):
    assert scheduler(at(10, 7)) == ["hourly"]
    assert scheduler(at(10, 8)) == []
    assert scheduler(at(10, 59)) == []
    assert "hourly" in scheduler(at(11, 0))
    assert "hourly" not in scheduler(at(11, 1))


def test_cron_every_quarter_fires_on_the_quarter_only(scheduler):
    # both fire at 10:00; their order within one tick follows the apps' hooks and is no contract
    assert sorted(scheduler(at(10, 0))) == ["hourly", "quarter"]
    assert scheduler(at(10, 7)) == []
    assert scheduler(at(10, 15)) == ["quarter"]
    # the same minute again (a second scheduler, or a retry) does not repeat it
    assert scheduler(at(10, 15, 40)) == []
    assert scheduler(at(10, 30)) == ["quarter"]


def test_last_runs_survive_a_restart(scheduler):
    """Last-run times live in the database, so a new process neither skips nor repeats."""
    from lowcode.models import SchedulerRun

    scheduler(at(9, 20))
    last = SchedulerRun.objects.get(event=f"hourly:{test_order.__name__}.scheduled_hourly")
    assert last.last_run == at(9, 20)

    assert scheduler(at(9, 40)) == []
    assert scheduler(at(10, 5)) == ["hourly"]


def test_tick_returns_the_fired_event_keys(scheduler):
    keys = tick(at(14, 45))

    assert f"hourly:{test_order.__name__}.scheduled_hourly" in keys
    assert f"cron:*/15 * * * *:{test_order.__name__}.scheduled_quarter" in keys
    assert tick(at(14, 45)) == []


@pytest.mark.parametrize(
    ("expression", "moment", "expected"),
    [
        ("*/15 * * * *", (2026, 3, 2, 10, 0), True),
        ("*/15 * * * *", (2026, 3, 2, 10, 15), True),
        ("*/15 * * * *", (2026, 3, 2, 10, 45), True),
        ("*/15 * * * *", (2026, 3, 2, 10, 7), False),
        ("0,30 * * * *", (2026, 3, 2, 10, 30), True),
        ("0,30 * * * *", (2026, 3, 2, 10, 31), False),
        ("0-30/10 * * * *", (2026, 3, 2, 10, 20), True),
        ("0-30/10 * * * *", (2026, 3, 2, 10, 25), False),
        ("0-30/10 * * * *", (2026, 3, 2, 10, 40), False),
        ("5/20 * * * *", (2026, 3, 2, 10, 45), True),  # start/step runs to the end of the range
        ("5/20 * * * *", (2026, 3, 2, 10, 15), False),
        ("0 9 * * 1-5", (2026, 3, 2, 9, 0), True),  # Monday
        ("0 9 * * 1-5", (2026, 3, 7, 9, 0), False),  # Saturday
        ("0 9 * * 1-5", (2026, 3, 2, 9, 1), False),
        ("0 0 * * 0", (2026, 3, 1, 0, 0), True),  # Sunday is 0 ...
        ("0 0 * * 7", (2026, 3, 1, 0, 0), True),  # ... and 7, as in cron
        ("0 0 * * 7", (2026, 3, 2, 0, 0), False),
        ("30 8 1 * *", (2026, 4, 1, 8, 30), True),
        ("30 8 1 * *", (2026, 4, 2, 8, 30), False),
        ("0 0 1 1 *", (2026, 1, 1, 0, 0), True),
        ("0 0 1 1 *", (2026, 2, 1, 0, 0), False),
    ],
)
def test_cron_matches(expression, moment, expected):
    assert cron_matches(expression, dt.datetime(*moment)) is expected


def test_cron_expression_needs_five_fields():
    with pytest.raises(ValueError):
        cron_matches("*/15 * * *", dt.datetime(2026, 3, 2, 10, 0))


@pytest.mark.django_db
def test_a_unique_job_queued_twice_in_one_transaction_runs_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        enqueue(f"{HERE}.record", unique=True, doctype="Lead")
        enqueue(f"{HERE}.record", unique=True, doctype="Lead")
        enqueue(f"{HERE}.record", unique=True, doctype="Customer")  # other arguments
        enqueue(f"{HERE}.record", doctype="Lead")  # not unique: always queued
    assert len(callbacks) == 3


@pytest.mark.django_db
def test_a_unique_job_of_a_rolled_back_savepoint_is_queued_again(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue(f"{HERE}.record", unique=True, doctype="Lead")
            raise RuntimeError("the save failed")
        enqueue(f"{HERE}.record", unique=True, doctype="Lead")
    assert len(callbacks) == 1


def test_two_schedulers_that_both_see_an_event_due_claim_it_once(scheduler):
    """The read is a hint; the conditional UPDATE (or first INSERT) decides who enqueues."""
    from lowcode.jobs.scheduler import do_claim_event, due_events

    # given: both schedulers read the due events of the same minute before either claims
    first, second = due_events(at(10, 0)), due_events(at(10, 0, 30))
    assert [e.key for e in first] == [e.key for e in second] != []

    # then: each event is won by exactly one of them, first runs (INSERT) and later ones alike
    assert [do_claim_event(e, at(10, 0)) for e in first] == [True] * len(first)
    assert [do_claim_event(e, at(10, 0, 30)) for e in second] == [False] * len(second)
    later = due_events(at(11, 0))
    assert [do_claim_event(e, at(11, 0)) for e in later] == [True] * len(later)
    assert [do_claim_event(e, at(11, 0, 5)) for e in later] == [False] * len(later)


def test_back_off_doubles_from_the_base_and_is_capped():
    from lowcode.jobs.scheduler import backoff

    assert [backoff(n, interval=60) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert backoff(30, interval=60) == 300.0
    assert backoff(3, interval=1, cap=2) == 2.0
