"""The scheduler as real processes on a throw-away site: started by ``kuaicrm start``, two at
once, through a locked database and a Redis outage.

The site is SQLite, or a fresh database on the test run's MariaDB server when the tests run
on MariaDB (so two schedulers race on the database the bug was seen on).
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
KUAICRM = Path(sys.executable).with_name("kuaicrm")
WEEKLY = "weekly:kuaicrm.weekly_report.send_process_health"
WEEKLY_SUBJECT = "流程健康度周报（每周）"  # zh-CN, the site's default language
SALES_MANAGERS = ["chen.jing", "li.na", "wang.qiang"]  # the demo's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 120, what: str = "condition"):
    """Poll ``predicate`` (bounded) until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


class Site:
    """A site in a temporary sites folder, driven through the ``kuaicrm`` command."""

    def __init__(self, folder: Path, name: str = "auto"):
        self.folder, self.name = folder, name
        self.processes: list[subprocess.Popen] = []

    @property
    def config_path(self) -> Path:
        return self.folder / self.name / "site_config.json"

    def config(self) -> dict:
        return json.loads(self.config_path.read_text(encoding="utf-8"))

    def update_config(self, **values) -> None:
        config = {**self.config(), **values}
        for key in [k for k, v in config.items() if v is None]:
            del config[key]
        self.config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")

    def env(self) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            # the command must read its own site, not the test run's settings or database
            if key not in ("DJANGO_SETTINGS_MODULE", "KUAICRM_DB_NAME", "KUAICRM_SITE")
        }
        env.update(
            KUAICRM_SITES_DIR=str(self.folder),
            KUAICRM_SITE=self.name,
            KUAICRM_ADMIN_PASSWORD="Sched-admin-2026!",
            PYTHONUNBUFFERED="1",
        )
        return env

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
            [str(KUAICRM), *args],
            env=self.env(),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"kuaicrm {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def popen(self, *args: str, log: Path) -> subprocess.Popen:
        handle = log.open("ab")
        process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [str(KUAICRM), *args],
            env=self.env(),
            cwd=REPO,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's job is
        )
        handle.close()
        self.processes.append(process)
        return process

    def connect(self):
        """A DB-API connection of our own to the site's database."""
        config = self.config()
        if config.get("db_type", "sqlite") == "sqlite":
            return sqlite3.connect(self.folder / self.name / "db.sqlite3", timeout=30)
        import MySQLdb

        return MySQLdb.connect(
            host=config["db_host"],
            port=config["db_port"],
            user=config["db_user"],
            password=config["db_password"],
            database=config["db_name"],
            charset="utf8mb4",
            autocommit=True,
        )

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        connection = self.connect()
        try:
            cursor = connection.cursor()
            if not isinstance(connection, sqlite3.Connection):
                query = query.replace("?", "%s").replace('"', "`")
            cursor.execute(query, params)
            rows = list(cursor.fetchall())
            connection.commit()
            return rows
        finally:
            connection.close()

    def reset_scheduler(self) -> None:
        """Forget every run and heartbeat: every event is due again, as on a fresh site."""
        self.sql("DELETE FROM lowcode_scheduler_run")
        self.sql("DELETE FROM lowcode_scheduler_heartbeat")

    def weekly_reports(self) -> collections.Counter:
        rows = self.sql(
            'SELECT for_user FROM "tabNotification Log" WHERE subject = ?', (WEEKLY_SUBJECT,)
        )
        return collections.Counter(user for (user,) in rows)

    def heartbeats(self) -> list[tuple]:
        return self.sql(
            "SELECT process, last_tick, failures, last_error FROM lowcode_scheduler_heartbeat"
        )

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()


def _mariadb_config() -> dict:
    """A new, empty database on the test run's MariaDB server (its user may create test_*)."""
    import MySQLdb

    db = settings.DATABASES["default"]
    # test_<db>…, as the test databases are named: the test user may create those
    base = db["NAME"] if db["NAME"].startswith("test_") else f"test_{db['NAME']}"
    database = f"{base}_sched_{uuid.uuid4().hex[:8]}"
    connection = MySQLdb.connect(
        host=db["HOST"], port=int(db["PORT"]), user=db["USER"], password=db["PASSWORD"]
    )
    try:
        connection.cursor().execute(
            f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    finally:
        connection.close()
    return {
        "db_name": database,
        "db_host": db["HOST"],
        "db_port": int(db["PORT"]),
        "db_user": db["USER"],
        "db_password": db["PASSWORD"],
    }


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """A migrated site with the demo (three Sales Managers), SQLite or MariaDB like the tests."""
    site = Site(tmp_path_factory.mktemp("sites"))
    mariadb = settings.DATABASES["default"]["ENGINE"].endswith("mysql")
    if mariadb:
        db = _mariadb_config()
        site.run(
            "new-site",
            site.name,
            "--db-type",
            "mariadb",
            *("--db-name", db["db_name"], "--db-host", db["db_host"]),
            *("--db-port", str(db["db_port"]), "--db-user", db["db_user"]),
            *("--db-password", db["db_password"]),
        )
    else:
        site.run("new-site", site.name)
    site.run("load-demo")
    yield site
    site.stop_all()
    if mariadb:
        site.sql(f"DROP DATABASE `{site.config()['db_name']}`")


@pytest.fixture
def fresh(demo_site):
    demo_site.reset_scheduler()
    yield demo_site
    demo_site.stop_all()


def test_start_runs_the_scheduler_and_its_jobs_and_ctrl_c_stops_both(fresh, tmp_path):
    site = fresh
    before = site.weekly_reports()

    # when: `make run`'s last step, on the embedded default (SQLite or MariaDB, jobs inline)
    port = free_port()
    server = site.popen("start", "--port", str(port), "--workers", "1", log=tmp_path / "start.log")

    # then: the scheduler ticked and its due events ran without any other command: every
    # Sales Manager got this week's report, once
    def reports_sent():
        return site.weekly_reports() - before == collections.Counter(SALES_MANAGERS)

    wait_for(reports_sent, what="the weekly report sent by the scheduler of `kuaicrm start`")
    # the tick's heartbeat is written once all its due events ran (the daily order-to-cash
    # runs came before the weekly report): wait for it rather than race it
    wait_for(site.heartbeats, what="the scheduler's heartbeat after its first tick")
    ((process, last_tick, failures, _),) = site.heartbeats()
    assert last_tick is not None and failures == 0
    scheduler_pid = int(process.rsplit(":", 1)[1])
    assert alive(scheduler_pid)

    # when: the scheduler dies, the start command starts another one
    os.kill(scheduler_pid, signal.SIGKILL)

    def restarted():
        pids = {int(p.rsplit(":", 1)[1]) for p, tick, *_ in site.heartbeats() if tick}
        return pids - {scheduler_pid}

    (new_pid,) = wait_for(restarted, what="a restarted scheduler's tick")

    # when: Ctrl-C, as the terminal sends it to the whole foreground job
    os.killpg(server.pid, signal.SIGINT)

    # then: the command and its scheduler both end
    assert server.wait(timeout=30) is not None
    wait_for(lambda: not alive(new_pid), timeout=20, what="the scheduler to stop")
    assert site.weekly_reports() - before == collections.Counter(SALES_MANAGERS)


def test_two_schedulers_enqueue_each_due_event_once(fresh, tmp_path):
    site = fresh
    before = site.weekly_reports()

    # when: two scheduler processes tick the same (fresh) periods at once
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    processes = [site.popen("scheduler", "--once", log=log) for log in logs]
    for process in processes:
        assert process.wait(timeout=300) == 0

    # then: every due event was enqueued exactly once, by one or the other
    lines = [line for log in logs for line in log.read_text().splitlines()]
    enqueued = collections.Counter(
        line.removeprefix("enqueued ") for line in lines if line.startswith("enqueued ")
    )
    assert WEEKLY in enqueued, "\n".join(lines)
    assert {key for key, count in enqueued.items() if count > 1} == set()
    assert sorted(enqueued) == sorted(
        event for (event,) in site.sql("SELECT event FROM lowcode_scheduler_run")
    )
    # and each Sales Manager got one weekly report, not two
    assert site.weekly_reports() - before == collections.Counter(SALES_MANAGERS)


def status(site: Site) -> str:
    return site.run("status").stdout


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("mysql"),
    reason="locks the SQLite file; the Redis outage test covers the MariaDB run",
)
def test_scheduler_survives_a_locked_database_and_ticks_again(fresh, tmp_path):
    site = fresh
    # statements give up on a lock after 0.5 s instead of 20 s, so the outage is quick
    site.update_config(sqlite_timeout=0.5)
    try:
        log = tmp_path / "scheduler.log"
        scheduler = site.popen("scheduler", "--interval", "1", "--max-backoff", "2", log=log)
        wait_for(lambda: site.heartbeats(), what="the first tick")

        # when: another connection holds the database's write lock for a while
        blocker = site.connect()
        blocker.isolation_level = None
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            wait_for(
                lambda: log.read_text().count("scheduler tick failed") >= 2,
                what="failed ticks while the database is locked",
            )
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        released = time.time()

        # then: the same process is alive, ticks again, and recorded the error it rode out
        def ticked_again():
            rows = site.sql(
                "SELECT last_tick, failures, last_error FROM lowcode_scheduler_heartbeat "
                "WHERE process LIKE ?",
                (f"%:{scheduler.pid}",),
            )
            return rows and rows[0][1] == 0 and "locked" in rows[0][2] and rows

        wait_for(ticked_again, what="a successful tick after the lock was released")
        assert scheduler.poll() is None
        report = status(site)
        assert "database is locked" in report
        assert f":{scheduler.pid}" in report
        assert "failed ticks in a row 0" in report
        assert time.time() - released < 60
    finally:
        site.update_config(sqlite_timeout=None)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server binary")
def test_scheduler_survives_a_redis_outage_without_losing_a_period(fresh, tmp_path):
    site = fresh
    port = free_port()
    # given: the site's Redis is down (nothing listens on its port)
    site.update_config(redis_url=f"redis://127.0.0.1:{port}/0")
    redis = None
    try:
        log = tmp_path / "scheduler.log"
        scheduler = site.popen("scheduler", "--interval", "1", "--max-backoff", "2", log=log)

        # then: the tick fails, is recorded, and gives its claims back (no period is lost)
        def failure_recorded():
            rows = site.heartbeats()
            return rows and rows[0][2] >= 1 and "Connection" in rows[0][3]

        wait_for(failure_recorded, what="the failed tick recorded")
        assert site.sql("SELECT event FROM lowcode_scheduler_run") == []
        report = status(site)
        assert "Redis unreachable" in report and "last error" in report

        # when: Redis comes up on that port
        redis = subprocess.Popen(  # noqa: S603 - fixed arguments
            [shutil.which("redis-server"), "--port", str(port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )

        # then: the same scheduler pushes every due event, once
        def pushed():
            rows = site.heartbeats()
            return rows and rows[0][1] is not None and rows[0][2] == 0

        wait_for(pushed, what="a successful tick once Redis is back")
        assert scheduler.poll() is None
        claimed = {event for (event,) in site.sql("SELECT event FROM lowcode_scheduler_run")}
        assert WEEKLY in claimed
        report = status(site)
        assert "long: " in report
        queued = int(report.split("long: ", 1)[1].split(" queued", 1)[0])
        # once each; "all" events come back every minute, and a minute may have turned since
        every_minute = {event for event in claimed if event.startswith(("all:", "cron:"))}
        assert len(claimed) <= queued <= len(claimed) + len(every_minute)
    finally:
        site.stop_all()
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)
        site.update_config(redis_url=None)
