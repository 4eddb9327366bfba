"""Which group robots hear what: notifications and workflow steps, by DocType.

A Robot Channel opts in with ``send_notifications`` (every ``do_notify``: reminders,
first-contact alerts, escalations, the weekly report) and ``send_workflow_events`` (every
Workflow Log written by a transition), optionally only for the DocTypes listed in
``document_types``. The routes are cached per process under the configuration generation,
so a notification reads no Robot Channel row; a channel's save bumps the generation.
"""

from __future__ import annotations

from dataclasses import dataclass

from lowcode.meta import registry
from lowcode.storage.factory import get_model

CACHE_KEY = "notify.robot_routes"
NOTIFICATIONS = "notifications"
WORKFLOW_EVENTS = "workflow_events"


@dataclass(frozen=True)
class Route:
    """One enabled channel and what it takes."""

    channel: str
    platform: str
    kinds: frozenset[str]
    doctypes: frozenset[str]  # empty: every DocType

    def takes(self, kind: str, doctype: str | None) -> bool:
        return kind in self.kinds and (not self.doctypes or (doctype or "") in self.doctypes)


def robot_routes() -> tuple[Route, ...]:
    """Return the enabled channels that opted into anything (cached per process)."""

    def load() -> tuple[Route, ...]:
        rows = get_model("Robot Channel").objects.filter(enabled=1)
        routes = []
        for row in rows.order_by("name"):
            kinds = frozenset(
                kind
                for kind, flag in (
                    (NOTIFICATIONS, row.send_notifications),
                    (WORKFLOW_EVENTS, row.send_workflow_events),
                )
                if flag
            )
            if kinds:
                doctypes = frozenset(
                    line.strip() for line in (row.document_types or "").splitlines() if line.strip()
                )
                routes.append(Route(row.name, row.platform, kinds, doctypes))
        return tuple(routes)

    return registry.config_cached((CACHE_KEY,), load)


def forget_robot_routes() -> None:
    """Drop the cached routes in every process after a Robot Channel changes."""
    registry.bump_generation()


def forward_workflow_log(doc, event: str) -> None:
    """Post a workflow step to the channels that take workflow events (doc_events handler)."""
    from lowcode.notify.actions import do_post_workflow_step

    do_post_workflow_step(doc)
