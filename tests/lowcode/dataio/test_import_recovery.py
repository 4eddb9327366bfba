"""An import whose job is lost is resumed or failed, never left "Running" for good.

Real failures only: a process stopped mid-import (SystemExit, as gunicorn's timeout raises),
a real RQ worker killed with SIGKILL, the queue's Redis emptied as a restart without
persistence empties it, and a Redis URL on a closed port.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection
from django.utils import timezone

from lowcode.dataio import importer
from lowcode.storage.factory import get_model
from tests.engine_app.doctype.test_order import test_order
from tests.lowcode.dataio.conftest import METHOD, call, csv_bytes

REPO = Path(__file__).resolve().parents[3]
ROWS = 450  # Test Order takes the per-row path: batches of 200, so the gate is in batch 2
GATE_ROW = 250


def orders_file() -> bytes:
    titles = [f"恢复订单 {i:04d}" for i in range(1, ROWS + 1)]
    titles[GATE_ROW - 1] = test_order.IMPORT_GATE_TITLE
    return csv_bytes([["title", "priority"], *([title, i % 5] for i, title in enumerate(titles))])


def imported_titles() -> Counter:
    return Counter(get_model("Test Order").objects.values_list("title", flat=True))


def status_of(client, name: str) -> dict:
    response = client.get(METHOD + "get_import_status", {"data_import": name, "limit": 1})
    assert response.status_code == 200, response.content.decode()
    return response.json()["message"]


def assert_imported_once(client, name: str) -> None:
    """Every row of the file became exactly one document; the log has each row once."""
    titles = imported_titles()
    assert len(titles) == ROWS and set(titles.values()) == {1}
    status = status_of(client, name)
    assert (status["status"], status["processed"], status["created"]) == ("Success", ROWS, ROWS)
    log = get_model(importer.IMPORT_LOG).objects.filter(data_import=name)
    assert sorted(log.values_list("row_index", flat=True)) == list(range(2, ROWS + 2))


@pytest.fixture
def admin(api):
    return api("Administrator")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------- inline (no Redis)


def test_an_import_whose_process_stopped_is_failed_by_the_reconciler_and_retried(
    transactional_db, admin, make_import, django_capture_on_commit_callbacks
):
    # given: an import whose process stops in its second batch (gunicorn's timeout raises
    # SystemExit in the request running an inline import)
    name = make_import(admin, orders_file(), "orders.csv", reference_doctype="Test Order")
    test_order.STOP_PROCESS.append(True)
    try:
        with pytest.raises(SystemExit):
            call(admin, "start_import", data_import=name)
    finally:
        test_order.STOP_PROCESS.clear()
    doc = get_model(importer.DATA_IMPORT).objects.get(name=name)
    assert (doc.status, doc.processed_rows) == ("Running", importer.BATCH_SIZE)
    assert len(imported_titles()) == importer.BATCH_SIZE  # batch 2 rolled back whole

    # then: while its heartbeat is fresh nothing is decided, and a second start is refused
    assert importer.do_reconcile_import(name) is None
    again = admin.post(METHOD + "start_import", {"data_import": name})
    assert again.status_code == 417 and "正在运行" in again.json()["message"]

    # when: the heartbeat is older than the limit, the reconciler marks it failed
    later = timezone.now() + importer.HEARTBEAT_STALE + dt.timedelta(seconds=1)
    assert importer.do_reconcile_import(name, now=later) == "failed"
    status = status_of(admin, name)
    assert status["status"] == "Error" and status["can_retry"] is True
    assert f"第 {importer.BATCH_SIZE + 1} 行" in status["error_message"]
    assert "重试" in status["error_message"]

    # when: retried, it goes on after the committed batch and imports each row once
    assert call(admin, "retry_import", data_import=name)["status"] == "Running"
    assert_imported_once(admin, name)  # the inline run went on after the commit
    assert status_of(admin, name)["can_retry"] is False


def test_a_start_whose_queue_is_down_answers_503_and_leaves_the_import_not_running(
    transactional_db, admin, make_import, settings
):
    # given: RQ mode, its Redis on a port where nothing listens
    settings.LOWCODE_JOBS_INLINE = False
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.RQ_QUEUES = {name: {"URL": url} for name in ("default", "short", "long")}
    name = make_import(admin, orders_file(), "orders.csv", reference_doctype="Test Order")

    # when
    response = admin.post(METHOD + "start_import", {"data_import": name})

    # then: a clear JSON error, and the import is failed (retryable), not Running
    assert response.status_code == 503, response.content.decode()[:300]
    assert response["Retry-After"]
    body = response.json()
    assert body["exc_type"] == "ServiceUnavailableError"
    assert body["message"].startswith("无法将导入加入队列：任务队列不可用")
    doc = get_model(importer.DATA_IMPORT).objects.get(name=name)
    assert doc.status == "Error" and doc.error_message == body["message"]
    assert importer.can_resume(doc)
    assert imported_titles() == Counter()


# ---------------------------------------------------------------- a real RQ worker


@pytest.fixture
def own_queues(settings, worker_id):
    """RQ mode on a Redis database of this test process's own (xdist workers share Redis)."""
    if not settings.REDIS_URL:
        pytest.skip("the site has no redis_url")
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite test database cannot be shared with a worker process")
    import django_rq

    index = 0 if worker_id == "master" else int(worker_id.removeprefix("gw")) + 1
    parts = urlsplit(settings.REDIS_URL)
    url = urlunsplit(parts._replace(path=f"/{12 + index}"))
    settings.LOWCODE_JOBS_INLINE = False
    settings.RQ_QUEUES = {
        name: {"URL": url, "DEFAULT_TIMEOUT": 600} for name in ("default", "short", "long")
    }
    redis = django_rq.get_connection("long")
    redis.flushdb()
    yield url
    redis.flushdb()


def worker(url: str, gate: Path | None = None, burst: bool = False) -> subprocess.Popen:
    """A real ``kuaicrm worker`` process on the test database, files and queues."""
    from django.conf import settings

    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        name = str(Path(name).resolve())
    env = {
        **os.environ,
        "KUAICRM_DB_NAME": name,
        "KUAICRM_TEST_RQ_URL": url,
        "KUAICRM_TEST_FILES_PATH": str(settings.FILES_PATH),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    if gate is not None:
        env[test_order.GATE_ENV] = str(gate)
    kuaicrm = Path(sys.executable).with_name("kuaicrm")
    return subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
        [str(kuaicrm), "worker", *(["--burst"] if burst else [])],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the work horse dies with it
    )


def kill_tree(process: subprocess.Popen) -> None:
    """SIGKILL a worker and every process under it (RQ's work horse leaves its group)."""
    family, found = {process.pid}, True
    while found:  # children, grandchildren ... from /proc (Linux)
        found = False
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                pid, rest = stat.read_text().split(" ", 1)
            except OSError:
                continue  # ended meanwhile
            parent = int(rest.rsplit(")", 1)[1].split()[1])
            if parent in family and int(pid) not in family:
                family.add(int(pid))
                found = True
    for pid in family:
        with contextlib.suppress(ProcessLookupError):  # ended meanwhile
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)


def drain(url: str) -> None:
    done = worker(url, burst=True)
    output, _ = done.communicate(timeout=180)
    assert done.returncode == 0, output


def wait_for(predicate, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.redis
def test_an_import_whose_worker_is_killed_resumes_from_its_last_committed_batch(
    transactional_db, admin, make_import, own_queues, tmp_path
):
    # given: a worker that will block in batch 2 at the gate this test holds shut
    gate = tmp_path / "gate"
    gate.write_text("")
    holder = gate.open()
    fcntl.flock(holder, fcntl.LOCK_EX)
    name = make_import(admin, orders_file(), "orders.csv", reference_doctype="Test Order")
    running = worker(own_queues, gate)
    try:
        call(admin, "start_import", data_import=name)
        model = get_model(importer.DATA_IMPORT)

        def first_batch_committed() -> bool:
            doc = model.objects.get(name=name)
            assert doc.status == "Running", doc.error_message
            return (doc.processed_rows or 0) >= importer.BATCH_SIZE

        wait_for(first_batch_committed, "the first batch to commit")
        # when: the worker and its processes are killed mid-import (a crash, kill -9)
        kill_tree(running)
    finally:
        kill_tree(running)
        holder.close()  # opens the gate for the resumed run
        output = running.stdout.read() if running.stdout else ""
        print(output)  # the worker's log, shown when this test fails
    doc = model.objects.get(name=name)
    assert (doc.status, doc.processed_rows) == ("Running", importer.BATCH_SIZE)

    # then: polling the status finds the dead worker at once and queues the rest again
    status = status_of(admin, name)
    assert status["status"] == "Running"
    assert model.objects.get(name=name).resume_count == 1
    drain(own_queues)
    assert_imported_once(admin, name)


@pytest.mark.redis
def test_an_import_whose_queued_job_vanished_with_redis_is_queued_again(
    transactional_db, admin, make_import, own_queues
):
    import django_rq

    # given: an import queued while no worker runs
    name = make_import(admin, orders_file(), "orders.csv", reference_doctype="Test Order")
    call(admin, "start_import", data_import=name)
    redis = django_rq.get_connection("long")
    assert django_rq.get_queue("long").count == 1

    # when: Redis restarts without persistence (its data is gone)
    redis.flushdb()

    # then: just queued, a missing job may still be on its way; after the grace period the
    # scheduler's reconciliation queues it again, and a worker finishes it
    assert importer.do_reconcile_imports() == []
    later = timezone.now() + importer.QUEUE_GRACE + dt.timedelta(seconds=1)
    assert importer.do_reconcile_imports(now=later) == [name]
    assert django_rq.get_queue("long").count == 1
    drain(own_queues)
    assert_imported_once(admin, name)
