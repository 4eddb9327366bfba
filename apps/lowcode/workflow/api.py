"""Inbox API: parse, check permission (through ``access_doc``), call an action, render."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from lowcode.exceptions import DataError, PermissionError
from lowcode.i18n import _
from lowcode.permissions.core import access_doc, permitted_queryset
from lowcode.query.serialize import to_json
from lowcode.storage.factory import get_model
from lowcode.workflow import engine
from lowcode.workflow.actions import do_apply_workflow

BOXES = ("pending", "submitted", "handled")


def _transition_dict(t: engine.Transition) -> dict:
    return {
        "action": t.action,
        "next_state": t.next_state,
        "requires_reason": t.requires_reason,
        "requires_risk_note": t.requires_risk_note,
        "is_exception": t.is_exception,
        "approval_mode": t.approval_mode,
        "reason_templates": list(t.reason_templates),
    }


def get_transitions(request, user, doctype: str, name: str, **_ignored) -> list[dict]:
    """Return the actions the user may take on a document now."""
    doc = access_doc(user, doctype, name, "read")
    return [_transition_dict(t) for t in engine.get_transitions(user, doc)]


def apply_action(
    request,
    user,
    doctype: str,
    name: str,
    action: str,
    comment: str = "",
    reason: str = "",
    risk_note: str = "",
    **_ignored,
) -> dict:
    """Take a workflow action; return the new state and the next possible actions."""
    doc = do_apply_workflow(
        user, doctype, name, action, comment or "", reason or "", risk_note or ""
    )
    workflow = engine.get_workflow(doctype)
    return {
        "name": doc.name,
        "workflow_state": engine.current_state(workflow, doc) if workflow else "",
        "docstatus": doc.docstatus,
        "transitions": [_transition_dict(t) for t in engine.get_transitions(user, doc)],
        "progress": engine.approval_progress(doc),
    }


apply_action.writes = True  # type: ignore[attr-defined]


def get_log(request, user, doctype: str, name: str, **_ignored) -> list[dict]:
    """Return the approval log of a document the user may read, oldest first."""
    access_doc(user, doctype, name, "read")
    rows = (
        get_model("Workflow Log")
        .objects.filter(reference_doctype=doctype, reference_name=name)
        .order_by("timestamp", "creation")
    )
    return [
        {
            "from_state": r.from_state,
            "action": r.action,
            "to_state": r.to_state,
            "user": r.user,
            "comment": r.comment or "",
            "reason": r.reason or "",
            "risk_note": r.risk_note or "",
            "is_exception": bool(r.is_exception),
            "timestamp": to_json(r.timestamp),
        }
        for r in rows
    ]


def get_progress(request, user, doctype: str, name: str, **_ignored) -> dict | None:
    """Return a 会签 step's progress ("会签 1/2 已同意，等待 冯涛"), or None outside one."""
    return engine.approval_progress(access_doc(user, doctype, name, "read"))


def _item(workflow: engine.WorkflowDef, doc, overdue: set, now) -> dict:
    state = engine.current_state(workflow, doc)
    definition = workflow.get_state(state)
    if definition is not None and definition.is_final:
        colour = "green"
    elif doc.name in overdue:
        colour = "red"
    else:
        colour = "yellow"
    return {
        "doctype": doc.doctype,
        "name": doc.name,
        "title": doc.get_title(),
        "workflow_state": state,
        "owner": doc.owner,
        "responsible": definition.responsible_role if definition else "",
        "collaborators": definition.collaborator_roles if definition else "",
        "supervisor": definition.supervisor_role if definition else "",
        "colour": colour,
    }


def inbox(request, user, box: str = "pending", **_ignored) -> list[dict]:
    """List the user's work: pending approvals, documents submitted, documents handled."""
    if box not in BOXES:
        raise DataError(_("Unknown inbox {box}", box=box))
    now = timezone.now()
    Action, Log = get_model("Workflow Action"), get_model("Workflow Log")
    items: list[dict] = []
    for workflow in engine.active_workflows():
        doctype = workflow.document_type
        try:
            readable = permitted_queryset(user, doctype, "read")
        except PermissionError:
            continue  # a DocType the user may not read holds no work of theirs
        if box == "pending":
            names = Action.objects.filter(reference_doctype=doctype, user=user, status="Open")
            docs = readable.filter(name__in=names.values("reference_name"))
        elif box == "submitted":
            docs = readable.filter(owner=user)
        else:
            handled = Log.objects.filter(reference_doctype=doctype, user=user)
            docs = readable.filter(name__in=handled.values("reference_name"))
        found = list(docs.order_by("-modified")[:200])
        overdue = set(
            Action.objects.filter(
                Q(escalate_at__lte=now) | Q(escalate_at__isnull=True, remind_at__lte=now),
                reference_doctype=doctype,
                reference_name__in=[d.name for d in found],
                status="Open",
            ).values_list("reference_name", flat=True)
        )
        items += [_item(workflow, doc, overdue, now) for doc in found]
    return items
