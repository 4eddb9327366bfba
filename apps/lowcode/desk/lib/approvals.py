"""What an approver needs to decide from a list: the amount, who submitted, the step, how long
it has waited, and the decisions they may take now (read-only; the write is
``lowcode.workflow.actions.do_apply_workflow``, reached through ``views.home.decide``).

Rows come from ``lowcode.workflow.api.inbox`` (already filtered by ``permitted_queryset``);
figures are read only at the permlevels the user may read, and the decisions offered are
``engine.get_transitions``: the same rule the action applies, so a button shown is a decision
the server accepts (a submitter never sees Approve on their own document when the workflow
forbids self-approval).
"""

from __future__ import annotations

import datetime as dt
import zlib

from django.utils import timezone

from lowcode.desk.lib import nav
from lowcode.desk.lib.form import approval_figures
from lowcode.exceptions import FrappeError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.permissions.core import access_doc, full_names, permitted_levels
from lowcode.storage.factory import get_model
from lowcode.workflow import engine

# Rows given figures and buttons (the rest link to the form). Each asks the engine for the
# user's decisions and a 会签's progress (about nine queries a row, measured by
# tests/kuaicrm/test_approvals_from_the_list.py), so only the first rows are detailed: more
# than a phone shows at once, and a bounded cost however long the inbox grows.
DETAILED = 20
EXTRA_FIGURES = 2


def decisions(user: str, doc) -> list[dict]:
    """The approver's decisions on ``doc`` now (routed transitions only: not a withdrawal)."""
    return [
        {
            "action": t.action,
            "requires_reason": t.requires_reason,
            "requires_risk_note": t.requires_risk_note,
            "sends_back": t.sends_back or t.is_exception,
            "reason_templates": list(t.reason_templates),
        }
        for t in engine.get_transitions(user, doc)
        if t.approver_type
    ]


def waited(since: dt.datetime | None, now: dt.datetime) -> str:
    """How long a decision has waited, in the unit a person reads at a glance."""
    if since is None:
        return ""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return _("Waiting {n} min", n=minutes)
    if minutes < 48 * 60:
        return _("Waiting {n} h", n=minutes // 60)
    return _("Waiting {n} days", n=minutes // (24 * 60))


def detail_rows(user: str, items: list[dict], *, act: bool = True) -> list[dict]:
    """Add amount, figures, submitter, step, waiting time and (``act``) decisions to inbox items."""
    now = timezone.now()
    shown = items[:DETAILED]
    by_doctype: dict[str, list[str]] = {}
    for item in shown:
        by_doctype.setdefault(item["doctype"], []).append(item["name"])
    docs = {
        (doctype, doc.name): doc
        for doctype, names in by_doctype.items()
        # Names from the permitted inbox: this only loads the documents it already allowed.
        for doc in get_model(doctype).objects.filter(name__in=names)
    }
    since = {
        (row["reference_doctype"], row["reference_name"]): row["created"]
        for row in get_model("Workflow Action")
        .objects.filter(user=user, status="Open", reference_doctype__in=list(by_doctype))
        .order_by("-created")
        .values("reference_doctype", "reference_name", "created")
    }
    submitters = full_names({item["owner"] for item in shown})
    for item in items:
        item.setdefault("slug", nav.slug(item["doctype"]))
        # A stable id for the row a decision updates in place.
        crc = zlib.crc32(f"{item['doctype']}/{item['name']}".encode())
        item["key"] = f"ap-{crc:x}"
    for item in shown:
        doc = docs.get((item["doctype"], item["name"]))
        workflow = engine.get_workflow(item["doctype"])
        if doc is None or workflow is None:
            continue
        meta = registry.get_meta(item["doctype"])
        figures = approval_figures(
            workflow,
            item["workflow_state"],
            meta,
            doc,
            permitted_levels(user, item["doctype"], "read", doc),
        )
        amount = next((f for f in figures if _is_money(meta, f["fieldname"])), None)
        item["amount"] = amount
        item["figures"] = [f for f in figures if f is not amount][:EXTRA_FIGURES]
        item["submitter"] = submitters.get(item["owner"], item["owner"])
        item["step"] = _(item["workflow_state"])
        progress = engine.approval_progress(doc)
        if progress:
            item["progress"] = _(
                "Countersign {done}/{total}", done=progress["approved"], total=progress["total"]
            )
            item["progress_who"] = progress["who"]
        opened = since.get((item["doctype"], item["name"]))
        item["waiting"] = waited(opened, now) if opened else ""
        item["decisions"] = decisions(user, doc) if act else []
    return items


def _is_money(meta, fieldname: str) -> bool:
    field = meta.get_field(fieldname)
    return field is not None and field.fieldtype == "Currency"


NOTIFICATIONS_WITH_DECISIONS = 20


def notification_decisions(user: str, items: list[dict]) -> list[dict]:
    """Give each notification about a document awaiting the user's decision its buttons.

    The newest ``NOTIFICATIONS_WITH_DECISIONS`` documents are asked (each through
    ``access_doc``: a notification never reveals a document the user may no longer read).
    """
    asked: dict[tuple[str, str], list[dict]] = {}
    for item in items:
        key = (item.get("document_type") or "", item.get("document_name") or "")
        if not all(key):
            continue
        if key not in asked:
            if len(asked) >= NOTIFICATIONS_WITH_DECISIONS:
                continue
            asked[key] = _decisions_on(user, *key)
        item["decisions"] = asked[key]
        item["key"] = f"nt-{item['name']}"
    return items


def _decisions_on(user: str, doctype: str, name: str) -> list[dict]:
    if engine.get_workflow(doctype) is None:
        return []
    try:
        doc = access_doc(user, doctype, name, "read")
    except FrappeError:  # gone, or no longer readable: the notification stays a plain line
        return []
    return decisions(user, doc)
