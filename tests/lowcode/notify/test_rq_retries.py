"""Webhook retries on RQ: rq's Retry re-runs a failed attempt; a real Redis server, a real worker."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model

REDIS = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def rq_queue(transactional_db, users, settings):
    """A throw-away redis-server subprocess as the site's queue; retries without waiting."""
    if REDIS is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import django_rq
        from redis import Redis

        connection = Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                connection.ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{port}/0"}}
        settings.LOWCODE_JOBS_INLINE = False
        # Zero back-off: rq re-enqueues at once, so a burst worker sees every retry.
        settings.LOWCODE_WEBHOOK_RETRY_INTERVALS = (0, 0, 0, 0)
        yield django_rq.get_queue("default")
    finally:
        process.terminate()
        process.wait(timeout=10)


def drain(queue) -> None:
    """Run a burst worker in this process (it shares the test database) until the queue is empty."""
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def make_webhook(url: str, max_attempts: int) -> str:
    data = {
        "webhook_doctype": "Test Order",
        "webhook_docevent": "after_insert",
        "request_url": url,
        "webhook_secret": "k",
        "max_attempts": max_attempts,
    }
    return do_insert_doc("Administrator", "Webhook", data).name


def attempts(webhook: str) -> list[tuple[int, str]]:
    rows = get_model("Webhook Request Log").objects.filter(webhook=webhook).order_by("attempt")
    return [(row.attempt, row.status) for row in rows]


@pytest.mark.redis
def test_rq_retries_after_500_then_succeeds(rq_queue, receiver):
    server = receiver(fail_first=2)
    webhook = make_webhook(server.url, max_attempts=4)

    do_insert_doc("rep", "Test Order", {"title": "RQ 重试"})
    assert server.requests == []  # queued, not sent by the saving process
    assert rq_queue.count == 1

    drain(rq_queue)

    assert len(server.requests) == 3
    assert attempts(webhook) == [(1, "Retrying"), (2, "Retrying"), (3, "Success")]


@pytest.mark.redis
def test_rq_gives_up_after_max_attempts(rq_queue, receiver):
    from rq.registry import FailedJobRegistry

    server = receiver(fail_first=100)
    webhook = make_webhook(server.url, max_attempts=3)

    do_insert_doc("rep", "Test Order", {"title": "RQ 放弃"})
    drain(rq_queue)

    assert len(server.requests) == 3
    assert attempts(webhook) == [(1, "Retrying"), (2, "Retrying"), (3, "Failed")]
    assert FailedJobRegistry(queue=rq_queue).count == 1
