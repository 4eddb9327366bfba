"""Outbound webhooks: match a document event, build the body, enqueue delivery after commit."""

from __future__ import annotations

import json
from typing import Any

from lowcode.expressions import ExpressionError, evaluate
from lowcode.jobs import enqueue
from lowcode.meta import registry
from lowcode.permissions.core import permitted_levels
from lowcode.query.reads import doc_to_dict
from lowcode.storage.factory import get_model

EVENTS = ("after_insert", "on_update", "on_submit", "on_cancel", "on_trash")
# Delivering a log entry's own creation would feed on itself.
SKIPPED_DOCTYPES = frozenset({"Webhook Request Log"})
ALL_LEVELS = frozenset(range(10))
CACHE_KEY = "notify.webhooks"


def webhook_events() -> frozenset[tuple[str, str]]:
    """Return the (DocType, event) pairs having an enabled webhook (cached per process).

    Every save of every DocType asks; without this cache each asked the database.
    """

    def load() -> frozenset[tuple[str, str]]:
        rows = get_model("Webhook").objects.filter(enabled=1)
        return frozenset(rows.values_list("webhook_doctype", "webhook_docevent"))

    return registry.config_cached((CACHE_KEY,), load)


def forget_webhook_events() -> None:
    """Drop the cached pairs in every process after a Webhook changes."""
    registry.bump_generation()


def requested_fields(structure: Any) -> list[str] | None:
    """Return the field list of ``request_structure`` (``{"data": [...]}``), or None for all."""
    if isinstance(structure, str) and structure.strip():
        try:
            structure = json.loads(structure)
        except ValueError:
            return None
    if isinstance(structure, dict) and isinstance(structure.get("data"), list):
        return [str(name) for name in structure["data"]]
    return None


def sent_values(webhook, doc) -> dict:
    """The document as the webhook may send it: permlevel 0, and higher levels its owner reads.

    An Integration Manager may configure webhooks (and read their logs) on any DocType; a
    field above permlevel 0 (a customer's annual revenue) leaves only if the webhook's owner
    could read it themselves.
    """
    levels = frozenset({0}) | permitted_levels(webhook.owner, doc.doctype, "read")
    return doc_to_dict(webhook.owner, doc, levels=levels & ALL_LEVELS)


def build_body(webhook, doc, event: str) -> str:
    """Serialise the document (all of it, or the fields listed in ``data``) as the JSON body."""
    full = sent_values(webhook, doc)
    fields = requested_fields(webhook.request_structure)
    data = full if fields is None else {name: full.get(name) for name in fields}
    payload = {"event": event, "doctype": doc.doctype, "name": doc.name, "data": data}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)


def condition_holds(webhook, doc) -> bool:
    """Evaluate the webhook's condition over the document; a broken one never fires."""
    if not (webhook.condition or "").strip():
        return True
    try:
        # The same values as the body: a condition on a hidden field must not probe it.
        return evaluate(webhook.condition, sent_values(webhook, doc))
    except ExpressionError:
        return False


def trigger_webhooks(doc, event: str) -> None:
    """Queue every enabled webhook for this DocType and event (doc_events "*" handler).

    The body is built now, from the document as saved; it is sent only after the
    transaction commits, so a rolled-back save sends nothing.
    """
    if event not in EVENTS or doc.doctype in SKIPPED_DOCTYPES:
        return
    if (doc.doctype, event) not in webhook_events():
        return
    webhooks = get_model("Webhook").objects.filter(
        webhook_doctype=doc.doctype, webhook_docevent=event, enabled=1
    )
    for webhook in webhooks:
        if not condition_holds(webhook, doc):
            continue
        enqueue(
            "lowcode.notify.delivery.deliver",
            target={"kind": "webhook", "name": webhook.name, "event": event},
            body=build_body(webhook, doc, event),
            reference={"doctype": doc.doctype, "name": doc.name},
        )
