"""The sandbox worker: ``python -m lowcode.scripts.worker <memory-bytes>``.

One per app process. It imports no Django, caps its own address space
(``RLIMIT_AS``) at start and each top-level run's CPU time (``ITIMER_VIRTUAL``:
when it fires the process reports and exits, so no script can catch it), and
speaks JSON lines over stdin/stdout. Every call of the curated API that touches
data is a request back to the parent (``{"type": "rpc"}``), which runs it inside
the current request's transaction with the script user's permissions. While it
waits for an answer the parent may start a nested run (a script's insert firing
another script); it is served on the same stack.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import signal
import sys
import traceback
from typing import Any

from lowcode.scripts.sandbox import (
    FILENAME,
    LimitedPrintCollector,
    SandboxError,
    compile_script,
    make_globals,
)

OUTPUT_LIMIT = 64 * 1024
RESULT_LIMIT = 2 * 1024 * 1024
_out = sys.stdout.buffer
_in = sys.stdin.buffer
_compiled: dict[str, Any] = {}


def send(message: dict) -> None:
    line = json.dumps(message, default=str, ensure_ascii=False).encode()
    if len(line) > RESULT_LIMIT:
        line = json.dumps(
            {"type": "done", "ok": False, "kind": "output", "message": "result too large"}
        ).encode()
    _out.write(line + b"\n")
    _out.flush()


def receive() -> dict:
    line = _in.readline()
    if not line:
        os._exit(0)  # the parent went away
    return json.loads(line)


class ScriptThrow(Exception):
    """``frappe.throw``: stop the script; the parent answers 417 with the message."""


class RemoteError(Exception):
    """An RPC failed in the parent (permission, validation, not found)."""

    def __init__(self, reply: dict):
        super().__init__(reply.get("message", ""))
        self.reply = reply


def call(method: str, *args: Any, **kwargs: Any) -> Any:
    """Ask the parent to run one curated API call; serve nested runs meanwhile."""
    send({"type": "rpc", "method": method, "args": list(args), "kwargs": kwargs})
    while True:
        message = receive()
        if message["type"] == "run":
            send(run(message, nested=True))
            continue
        if message.get("ok"):
            return message.get("value")
        raise RemoteError(message)


class Doc(dict):
    """A document as the script sees it: a dict whose keys are also attributes."""

    _guarded_writes = 1  # lets RestrictedPython's write guard allow ``doc.x = 1``

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def insert(self) -> Doc:
        self._replace(call("insert", dict(self)))
        return self

    def save(self) -> Doc:
        self._replace(call("save", dict(self)))
        return self

    def _replace(self, data: dict) -> None:
        self.clear()
        self.update(data)


class _DB:
    def get_value(self, doctype: str, filters: Any, fieldname: Any = "name") -> Any:
        return call("get_value", doctype, filters, fieldname)

    def exists(self, doctype: str, name: Any) -> bool:
        return bool(call("get_value", doctype, name, "name"))

    def count(self, doctype: str, filters: Any = None) -> int:
        return call("get_count", doctype, filters)


class _Utils:
    def __init__(self, now: str, today: str):
        self._now, self._today = now, today

    def now(self) -> str:
        return self._now

    def today(self) -> str:
        return self._today

    nowdate = today

    def getdate(self, value: Any = None) -> dt.date:
        if value is None:
            return dt.date.fromisoformat(self._today)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value)[:10])

    def add_days(self, value: Any, days: int) -> str:
        return (self.getdate(value) + dt.timedelta(days=int(days))).isoformat()


class _Session:
    def __init__(self, user: str):
        self.user = user


class Frappe:
    """The curated API a script sees as ``frappe``."""

    def __init__(self, message: dict):
        self.session = _Session(message.get("user", "Guest"))
        self.form_dict = dict(message.get("form_dict") or {})
        self.response: dict[str, Any] = {}
        self.messages: list[str] = []
        self.db = _DB()
        self.utils = _Utils(message.get("now", ""), message.get("today", ""))
        self.flags: dict[str, Any] = {}

    def get_doc(self, doctype: Any, name: str | None = None) -> Doc:
        if isinstance(doctype, dict):
            return Doc(doctype)
        return Doc(call("get_doc", doctype, name))

    def new_doc(self, doctype: str) -> Doc:
        return Doc({"doctype": doctype})

    def get_list(
        self,
        doctype: str,
        fields: Any = None,
        filters: Any = None,
        or_filters: Any = None,
        order_by: str | None = None,
        limit_start: int = 0,
        limit: int | None = None,
        limit_page_length: int = 20,
    ) -> list:
        return call(
            "get_list",
            doctype,
            fields=fields,
            filters=filters,
            or_filters=or_filters,
            order_by=order_by,
            limit_start=limit_start,
            limit=limit if limit is not None else limit_page_length,
        )

    get_all = get_list

    def throw(self, message: Any, *_args: Any, **_kwargs: Any) -> None:
        raise ScriptThrow(str(message))

    def msgprint(self, message: Any, *_args: Any, **_kwargs: Any) -> None:
        if len(self.messages) < 100:
            self.messages.append(str(message)[:2000])

    def enqueue(self, method: str, **kwargs: Any) -> None:
        call("enqueue", method, **kwargs)

    def sendmail(
        self, recipients: Any = None, subject: str = "", message: str = "", **kwargs: Any
    ) -> None:
        call("sendmail", recipients, subject, message, **kwargs)


def _line_of(exc: BaseException) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == FILENAME]
    return frames[-1].lineno if frames else None


def run(message: dict, nested: bool = False) -> dict:
    """Run one script and describe the outcome."""
    source = message["source"]
    try:
        code = _compiled.get(source) or compile_script(source)
    except SyntaxError as exc:
        return {"type": "done", "ok": False, "kind": "error", "message": str(exc)}
    if len(_compiled) > 500:
        _compiled.clear()
    _compiled[source] = code
    budget = [OUTPUT_LIMIT]
    frappe = Frappe(message)
    doc = Doc(message["doc"]) if message.get("doc") is not None else None
    report_filters = message.get("report_filters")
    extra: dict[str, Any] = {"frappe": frappe, "doc": doc}
    if report_filters is not None:
        extra.update(filters=dict(report_filters), data=None, result=None)
    script_globals = make_globals(extra, lambda _getattr_=None: LimitedPrintCollector(budget))
    if not nested:
        signal.setitimer(signal.ITIMER_VIRTUAL, float(message.get("cpu", 2.0)))
    try:
        exec(code, script_globals)  # noqa: S102 - restricted code object, guarded globals
        result = {
            "type": "done",
            "ok": True,
            "doc": dict(doc) if doc is not None else None,
            "messages": frappe.messages,
            "response": frappe.response.get("message"),
            "conditions": script_globals.get("conditions"),
        }
        if report_filters is not None:
            result.update(data=script_globals.get("data"), result=script_globals.get("result"))
        json.dumps(result, default=str)  # fail here (as the script's error), not in send
        return result
    except ScriptThrow as exc:
        return {"type": "done", "ok": False, "kind": "throw", "message": str(exc)}
    except RemoteError as exc:
        reply = exc.reply
        return {
            "type": "done",
            "ok": False,
            "kind": "remote",
            "exc_type": reply.get("exc_type"),
            "message": reply.get("message", ""),
        }
    except MemoryError:
        return {"type": "done", "ok": False, "kind": "memory", "message": "memory limit"}
    except (Exception, SandboxError) as exc:
        line = _line_of(exc)
        where = f"line {line}: " if line else ""
        text = f"{where}{type(exc).__name__}: {exc}"[:2000]
        return {"type": "done", "ok": False, "kind": "error", "message": text}
    finally:
        if not nested:
            signal.setitimer(signal.ITIMER_VIRTUAL, 0)


def _cpu_exceeded(_signum: int, _frame: Any) -> None:
    # Leave the interpreter at once: a script can catch any exception, not this.
    os.write(_out.fileno(), b'{"type": "limit", "kind": "cpu"}\n')
    os._exit(3)


def apply_limits(memory: int) -> None:
    """Cap memory, and leave no way to open files or sockets, write files or fork.

    These hold even if a script escaped the RestrictedPython layer: the kernel enforces
    them, and an unprivileged process cannot raise a hard limit again.
    """
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    # stdin, stdout, stderr and nothing more: open() and socket() fail with EMFILE.
    # (RLIMIT_NPROC does not bind root; run the app as an unprivileged user.)
    resource.setrlimit(resource.RLIMIT_NOFILE, (3, 3))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))


def main() -> None:
    memory = int(sys.argv[1]) if len(sys.argv) > 1 else 512 * 1024 * 1024
    apply_limits(memory)
    signal.signal(signal.SIGVTALRM, _cpu_exceeded)
    sys.stdout = sys.stderr  # nothing but protocol lines on the real stdout
    while True:
        message = receive()
        if message["type"] == "run":
            send(run(message))
        elif message["type"] == "ping":
            send({"type": "pong"})


if __name__ == "__main__":
    main()
