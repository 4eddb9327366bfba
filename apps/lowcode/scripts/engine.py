"""Run server scripts in this process's sandbox worker and serve their API calls.

The worker (``lowcode.scripts.worker``) is a child process started on first use and
restarted after it dies (CPU limit, memory, crash) or stops answering; the request that
hit the limit fails with a clear error and the next one is served normally. Calls a
script makes (``frappe.get_doc``, ``insert`` …) arrive here as RPCs and run in the
caller's transaction, each in a savepoint, with the script user's permissions.
"""

from __future__ import annotations

import atexit
import contextvars
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from lowcode import exceptions, system_settings
from lowcode.exceptions import FrappeError, ValidationError
from lowcode.i18n import _

MAX_DEPTH = 3
MAX_CALLS = 1000  # data calls per script run
LINE_LIMIT = 4 * 1024 * 1024
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("server_script_depth", default=0)


def enabled() -> bool:
    """Whether this site runs server scripts: System Settings' switch, unless site_config.json
    sets ``server_script_enabled`` (a host's hard override)."""
    return bool(system_settings.value("enable_server_scripts"))


def cpu_seconds() -> float:
    return float(system_settings.value("server_script_cpu_seconds") or 2.0)


def memory_bytes() -> int:
    return int(system_settings.value("server_script_memory_mb") or 256) * 1024 * 1024


class WorkerDied(Exception):
    """The worker exited or stopped answering; ``kind`` says why."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class Worker:
    """One sandbox subprocess, used by one thread at a time."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.proc: subprocess.Popen | None = None
        self.pid = 0
        self.memory = 0
        self.buffer = b""

    def ensure(self) -> subprocess.Popen:
        memory = memory_bytes()
        proc = self.proc
        if (
            proc is not None
            and proc.poll() is None
            and self.pid == os.getpid()
            and self.memory == memory
        ):
            return proc
        self.stop()
        apps_dir = str(Path(__file__).resolve().parents[2])
        # A bare environment: the worker needs nothing of ours but the code path.
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": apps_dir, "LANG": "C.UTF-8"}
        self.proc = proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "lowcode.scripts.worker", str(memory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=tempfile.gettempdir(),
        )
        self.pid, self.memory, self.buffer = os.getpid(), memory, b""
        return proc

    def stop(self) -> None:
        if self.proc is not None and self.pid == os.getpid():
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        self.proc = None

    def send(self, message: dict) -> None:
        stdin = self.proc.stdin if self.proc is not None else None
        if stdin is None:
            raise WorkerDied("crash")
        try:
            stdin.write(json.dumps(message, default=str).encode() + b"\n")
            stdin.flush()
        except (BrokenPipeError, OSError):
            self.stop()
            raise WorkerDied("crash") from None

    def receive(self, timeout: float) -> dict:
        """Read one line; kill the worker when it is silent for ``timeout`` seconds."""
        stdout = self.proc.stdout if self.proc is not None else None
        if stdout is None:
            raise WorkerDied("crash")
        fd = stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(remaining, 0))[0] if remaining > 0 else []
            if not ready:
                # A C-level loop (huge integer power) never reaches the CPU signal handler.
                self.stop()
                raise WorkerDied("cpu")
            chunk = os.read(fd, 65536)
            if not chunk or len(self.buffer) > LINE_LIMIT:
                self.stop()
                raise WorkerDied("crash" if not chunk else "output")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        message = json.loads(line)
        if message.get("type") == "limit":
            self.stop()
            raise WorkerDied(message.get("kind", "cpu"))
        return message


_worker = Worker()
atexit.register(_worker.stop)


def _limit_error(script_name: str, kind: str) -> ValidationError:
    if kind == "cpu":
        return ValidationError(
            _(
                "Server Script {name} exceeded its CPU time limit of {seconds} s",
                name=script_name,
                seconds=cpu_seconds(),
            )
        )
    if kind == "memory":
        return ValidationError(
            _("Server Script {name} exceeded its memory limit", name=script_name)
        )
    if kind == "calls":
        return ValidationError(
            _(
                "Server Script {name} made more than {count} calls",
                name=script_name,
                count=MAX_CALLS,
            )
        )
    if kind == "output":
        return ValidationError(
            _("Server Script {name} exceeded its output limit", name=script_name)
        )
    return ValidationError(_("Server Script {name} stopped unexpectedly", name=script_name))


def execute(
    script_name: str,
    source: str,
    *,
    user: str,
    doc: dict | None = None,
    form_dict: dict | None = None,
    report_filters: dict | None = None,
) -> dict:
    """Run one script in the worker and return its result (``doc``, ``response``, ``conditions``…).

    ``report_filters``: run as a Script Report, Frappe's way: the script reads ``filters`` and
    sets ``data = columns, result`` (or ``result``), answered as ``data`` / ``result``.

    Raise ValidationError with the script's message for ``frappe.throw``, errors and limits.
    """
    depth = _depth.get()
    if depth >= MAX_DEPTH:
        raise ValidationError(
            _(
                "Server Script {name} not run: scripts may trigger other scripts at most {depth} levels deep",
                name=script_name,
                depth=MAX_DEPTH,
            )
        )
    token = _depth.set(depth + 1)
    now = timezone.localtime()
    message = {
        "type": "run",
        "source": source,
        "user": user,
        "doc": doc,
        "form_dict": form_dict or {},
        "report_filters": report_filters,
        "now": now.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "today": now.date().isoformat(),
        "cpu": cpu_seconds(),
    }
    try:
        with _worker.lock:
            proc = _worker.ensure()
            try:
                _worker.send(message)
                calls = 0
                while True:
                    reply = _worker.receive(cpu_seconds() + 2.0)
                    if reply["type"] == "done":
                        break
                    calls += 1
                    if calls > MAX_CALLS:
                        # Parent-side work does not count as the worker's CPU time.
                        _worker.stop()
                        raise WorkerDied("calls")
                    answer = _dispatch(reply, user)
                    if _worker.proc is not proc:
                        # A nested run hit a limit and took the worker, and this run, with it.
                        if not answer.get("ok"):
                            raise ValidationError(str(answer.get("message", "")))
                        raise WorkerDied("crash")
                    _worker.send(answer)
            except WorkerDied as exc:
                raise _limit_error(script_name, exc.kind) from None
    finally:
        _depth.reset(token)
    if reply.get("ok"):
        return reply
    return _raise_failure(script_name, reply)


def _raise_failure(script_name: str, reply: dict) -> dict:
    kind = reply.get("kind")
    text = str(reply.get("message", ""))
    if kind == "throw":
        raise ValidationError(text)
    if kind == "remote":
        cls = getattr(exceptions, str(reply.get("exc_type")), None)
        if isinstance(cls, type) and issubclass(cls, FrappeError):
            raise cls(text)
        raise ValidationError(text)
    if kind in ("memory", "output"):
        raise _limit_error(script_name, kind)
    raise ValidationError(_("Server Script {name} failed: {error}", name=script_name, error=text))


def _dispatch(request: dict, user: str) -> dict:
    """Run one RPC in a savepoint; answer its value or the engine error it raised."""
    from lowcode.meta.registry import DoesNotExist

    method = RPC_METHODS.get(str(request.get("method")))
    try:
        if method is None:
            raise exceptions.PermissionError(_("This call is not available to server scripts"))
        with transaction.atomic():
            value = method(user, *request.get("args", []), **request.get("kwargs", {}))
        return {"type": "result", "ok": True, "value": value}
    except FrappeError as exc:
        return {
            "type": "result",
            "ok": False,
            "exc_type": exc.exc_type,
            "message": exc.message,
        }
    except DoesNotExist as exc:
        return {
            "type": "result",
            "ok": False,
            "exc_type": "DoesNotExistError",
            "message": _("DocType {doctype} not found", doctype=str(exc)),
        }
    except TypeError as exc:
        return {"type": "result", "ok": False, "exc_type": "DataError", "message": str(exc)}


# The curated API, parent side: every entry checks permissions as ``user``.


def _rpc_get_doc(user: str, doctype: str, name: str) -> dict:
    from lowcode.query import reads

    return reads.get_doc(user, doctype, name)


def _rpc_get_list(user: str, doctype: str, **kwargs: Any) -> list:
    from lowcode.query import reads

    return reads.get_list(user, doctype, **kwargs)


def _rpc_get_count(user: str, doctype: str, filters: Any = None) -> int:
    from lowcode.query import reads

    return reads.get_count(user, doctype, filters)


def _rpc_get_value(user: str, doctype: str, filters: Any, fieldname: Any = "name") -> Any:
    from lowcode.query import reads

    fields = [fieldname] if isinstance(fieldname, str) else fieldname
    row = reads.get_value(user, doctype, fields, filters)
    if row is None or not isinstance(fieldname, str):
        return row
    return row.get(fieldname)


def _split(data: Any) -> tuple[str, dict]:
    if not isinstance(data, dict) or not isinstance(data.get("doctype"), str):
        raise exceptions.DataError(_("A document needs its doctype"))
    payload = {k: v for k, v in data.items() if k != "doctype"}
    return data["doctype"], payload


def _rpc_insert(user: str, data: dict) -> dict:
    from lowcode.documents.actions import do_insert_doc
    from lowcode.query import reads

    doctype, payload = _split(data)
    doc = do_insert_doc(user, doctype, payload)
    return reads.doc_to_dict(user, doc)


def _rpc_save(user: str, data: dict) -> dict:
    from lowcode.documents.actions import do_save_doc
    from lowcode.query import reads

    doctype, payload = _split(data)
    name = payload.pop("name", None)
    if not isinstance(name, str):
        raise exceptions.DataError(_("A document needs its name to be saved"))
    for key in ("owner", "creation", "modified_by", "docstatus", "idx"):
        payload.pop(key, None)
    doc = do_save_doc(user, doctype, name, payload)
    return reads.doc_to_dict(user, doc)


def _rpc_enqueue(user: str, method: str, **kwargs: Any) -> None:
    from lowcode import jobs
    from lowcode.hooks_loader import get_hooks

    if method not in (get_hooks("server_script_enqueue_methods") or []):
        raise exceptions.PermissionError(
            _("{method} may not be enqueued by server scripts", method=method)
        )
    jobs.enqueue(method, **kwargs)


def _rpc_sendmail(
    user: str,
    recipients: Any,
    subject: str,
    message: str = "",
    reference_doctype: str | None = None,
    reference_name: str | None = None,
    **_options: Any,
) -> None:
    """Notify users (in-app and by email) through the notification layer."""
    try:
        from lowcode.notify.actions import do_notify  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise exceptions.ValidationError(_("Sending mail is not available")) from None
    if isinstance(recipients, str):
        recipients = [r.strip() for r in recipients.split(",") if r.strip()]
    do_notify(
        [str(r) for r in recipients or []],
        str(subject),
        str(message),
        reference_doctype=reference_doctype,
        reference_name=reference_name,
    )


RPC_METHODS: dict[str, Callable[..., Any]] = {
    "get_doc": _rpc_get_doc,
    "get_list": _rpc_get_list,
    "get_count": _rpc_get_count,
    "get_value": _rpc_get_value,
    "insert": _rpc_insert,
    "save": _rpc_save,
    "enqueue": _rpc_enqueue,
    "sendmail": _rpc_sendmail,
}
