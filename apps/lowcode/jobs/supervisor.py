"""Run the web server beside its scheduler (and RQ worker) as one command's child processes.

``kuaicrm start`` serves and runs the scheduled automation without a second command:
gunicorn is the essential child (when it exits, everything stops with its exit code);
the scheduler and the worker are restarted with a capped back-off if they die. SIGINT
(Ctrl-C under ``make run``) and SIGTERM stop every child, gracefully first.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
STOP_TIMEOUT_SECONDS = 15.0
MAX_RESTART_DELAY_SECONDS = 60.0
# A child that ran this long before dying starts its back-off over.
HEALTHY_AFTER_SECONDS = 60.0


@dataclass
class Child:
    """One supervised command line."""

    name: str
    argv: list[str]
    essential: bool = False
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    next_start: float = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv)  # noqa: S603 - our own fixed argv
        self.started_at = time.monotonic()
        logger.warning("started %s (pid %s)", self.name, self.process.pid)


def restart_delay(restarts: int) -> float:
    """Seconds before the ``restarts``-th restart: 1, 2, 4 … up to a minute."""
    return float(min(MAX_RESTART_DELAY_SECONDS, 2 ** max(0, restarts - 1)))


def _stop_all(children: list[Child]) -> None:
    running = [c for c in children if c.process is not None and c.process.poll() is None]
    for child in running:
        child.process.terminate()  # type: ignore[union-attr]
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for child in running:
        try:
            child.process.wait(max(0.1, deadline - time.monotonic()))  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in time; killing it", child.name)
            child.process.kill()  # type: ignore[union-attr]
            child.process.wait()  # type: ignore[union-attr]


def supervise(children: list[Child]) -> int:
    """Run ``children`` until the essential one exits or a signal arrives; return the exit code."""
    stop = threading.Event()
    previous = {
        signum: signal.signal(signum, lambda *_: stop.set())
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    exit_code = 0
    try:
        for child in children:
            child.start()
        while not stop.is_set():
            now = time.monotonic()
            for child in children:
                if child.process is None:
                    if now >= child.next_start:
                        child.start()
                    continue
                code = child.process.poll()
                if code is None:
                    continue
                if child.essential:
                    exit_code = code
                    stop.set()
                    break
                if now - child.started_at >= HEALTHY_AFTER_SECONDS:
                    child.restarts = 0
                child.restarts += 1
                delay = restart_delay(child.restarts)
                logger.warning(
                    "%s exited with code %s; restarting in %.0f s", child.name, code, delay
                )
                child.process, child.next_start = None, now + delay
            stop.wait(POLL_SECONDS)
    finally:
        _stop_all(children)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return exit_code
