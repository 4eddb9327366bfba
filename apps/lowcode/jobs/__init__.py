"""Background jobs: RQ through django-rq, or inline when the site has no Redis.

``enqueue`` takes a dotted path (never a callable) so a job is always
something declared in code, and runs after the caller's transaction
commits, so the job sees what the caller wrote.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from lowcode import context


def run_job(path: str, kwargs: dict[str, Any]) -> Any:
    """Execute one job (what the RQ worker calls)."""
    from lowcode.hooks_loader import resolve
    from lowcode.meta import registry

    context.reset()
    registry.refresh()
    return resolve(path)(**kwargs)


def enqueue(path: str, *, queue: str = "default", unique: bool = False, **kwargs: Any) -> None:
    """Run ``path(**kwargs)`` in the background after the current transaction commits.

    ``unique``: the same job (path and arguments) queued again before the transaction
    commits runs once, e.g. one re-index of Leads after five duplicate rules are imported.
    """
    key = (path, queue, repr(sorted(kwargs.items())))
    if unique and _pending(key):
        return

    def submit() -> None:
        if settings.LOWCODE_JOBS_INLINE:
            run_job(path, kwargs)
            return
        import django_rq

        django_rq.get_queue(queue).enqueue(run_job, path, kwargs)

    submit.job_key = key  # type: ignore[attr-defined]
    transaction.on_commit(submit)


def _pending(key: tuple) -> bool:
    """Whether the open transaction already holds this job (a rolled-back one holds nothing)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    # Django keeps (savepoint ids, callback, robust) per pending on_commit callback.
    return any(getattr(entry[1], "job_key", None) == key for entry in connection.run_on_commit)
