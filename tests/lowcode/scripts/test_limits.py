"""CPU, memory and crash limits are enforced by the worker process; the server keeps serving."""

from __future__ import annotations

import os
import signal

import pytest

from lowcode.scripts import engine

pytestmark = pytest.mark.django_db


def _define(make_script, name: str, script: str) -> None:
    make_script(name, script_type="API", api_method=name, script=script)


def _next_request_is_served(api) -> None:
    response = api("rep").get("/api/method/answer")
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "pong 3"


@pytest.fixture
def answer(make_script):
    _define(make_script, "answer", "frappe.response['message'] = 'pong ' + str(1 + 2)")


def test_endless_loop_is_stopped_by_cpu_limit(scripts_on, make_script, api, answer):
    _define(make_script, "spin", "while True:\n    pass")
    response = api("rep").get("/api/method/spin")
    assert response.status_code == 417, response.content
    assert "CPU time limit" in response.json()["message"]
    _next_request_is_served(api)


def test_loop_that_catches_everything_is_still_stopped(scripts_on, make_script, api, answer):
    _define(
        make_script,
        "stubborn",
        "while True:\n    try:\n        while True:\n            pass\n"
        "    except BaseException:\n        pass",
    )
    response = api("rep").get("/api/method/stubborn")
    assert response.status_code == 417, response.content
    assert "CPU time limit" in response.json()["message"]
    _next_request_is_served(api)


def test_long_c_level_computation_is_stopped(scripts_on, make_script, api, answer):
    # One bytecode that runs for minutes never reaches a signal handler: the parent kills it.
    _define(make_script, "bigpow", "x = 7 ** (10 ** 9)")
    response = api("rep").get("/api/method/bigpow")
    assert response.status_code == 417, response.content
    assert "CPU time limit" in response.json()["message"]
    _next_request_is_served(api)


@pytest.mark.parametrize(
    "script", ["x = 'a' * (2 * 1024 ** 3)", "x = [0] * (10 ** 8)", "x = list(range(10 ** 9))"]
)
def test_huge_allocation_is_stopped_by_memory_limit(scripts_on, make_script, api, answer, script):
    _define(make_script, "hog", script)
    response = api("rep").get("/api/method/hog")
    assert response.status_code == 417, response.content
    assert "memory limit" in response.json()["message"]
    _next_request_is_served(api)


def test_killed_worker_is_restarted(scripts_on, api, answer):
    _next_request_is_served(api)
    assert engine._worker.proc is not None
    os.kill(engine._worker.proc.pid, signal.SIGKILL)
    engine._worker.proc.wait()
    _next_request_is_served(api)


def test_limit_message_is_in_chinese_by_default(scripts_on, make_script):
    from django.test import Client

    make_script(
        "spin-guest",
        script_type="API",
        api_method="spin-guest",
        allow_guest=1,
        script="while 1:\n    pass",
    )
    response = Client().get("/api/method/spin-guest")
    assert response.status_code == 417
    assert "超出 CPU 时间限制" in response.json()["message"]


def test_endless_data_calls_are_capped(scripts_on, make_script, api, answer):
    _define(make_script, "chatty", "while True:\n    frappe.db.get_value('Test Order', 'none')")
    response = api("rep").get("/api/method/chatty")
    assert response.status_code == 417, response.content
    assert "more than 1000 calls" in response.json()["message"]
    _next_request_is_served(api)


def test_worker_can_open_no_file_or_socket():
    # The kernel limits that hold even if a script escaped the interpreter-level sandbox.
    import subprocess
    import sys
    from pathlib import Path

    import lowcode

    probe = (
        "import socket\n"
        "from lowcode.scripts.worker import apply_limits\n"
        "apply_limits(256 * 1024 * 1024)\n"
        "failures = []\n"
        "for attempt in (lambda: open('/etc/hostname'), lambda: socket.socket()):\n"
        "    try:\n"
        "        attempt()\n"
        "    except OSError:\n"
        "        failures.append(1)\n"
        "print(len(failures))\n"
    )
    apps_dir = str(Path(lowcode.__file__).resolve().parents[1])
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": apps_dir},
        check=False,
    )
    assert result.stdout.strip() == "2", result.stderr


def test_silent_worker_is_killed_by_the_parents_deadline(scripts_on, api, answer):
    # A C call that never checks for signals looks like this to the parent: a worker that
    # does not answer. SIGSTOP makes a real one silent; the deadline (CPU limit + 2 s) ends it.
    import time

    _next_request_is_served(api)
    proc = engine._worker.proc
    assert proc is not None
    os.kill(proc.pid, signal.SIGSTOP)
    start = time.monotonic()
    response = api("rep").get("/api/method/answer")
    elapsed = time.monotonic() - start
    assert response.status_code == 417, response.content
    assert "CPU time limit" in response.json()["message"]
    assert 2.0 <= elapsed < 6.0
    assert proc.poll() is not None  # killed, not left stopped
    _next_request_is_served(api)
