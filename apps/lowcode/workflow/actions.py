"""Workflow writes: transitions, approver actions, logs, timers, the state-field guard."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from lowcode.documents.actions import do_cancel_doc, do_insert_doc, do_save_doc, do_submit_doc
from lowcode.documents.factory import get_model
from lowcode.exceptions import FieldError, PermissionError, ValidationError
from lowcode.i18n import _
from lowcode.permissions.core import access_doc, get_roles
from lowcode.workflow import engine
from lowcode.workflow.engine import WorkflowDef

ADMINISTRATOR = "Administrator"
# Set while the engine itself writes the state field, so the guard lets it through.
_in_transition: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "workflow_in_transition", default=False
)


@contextlib.contextmanager
def _transition_write():
    token = _in_transition.set(True)
    try:
        yield
    finally:
        _in_transition.reset(token)


def _notify(recipients: list[str], subject: str, doc) -> None:
    try:
        from lowcode.notify.actions import do_notify
    except ImportError:  # the notify capability is optional
        return
    if recipients:
        do_notify(recipients, subject, reference_doctype=doc.doctype, reference_name=doc.name)


def do_log_workflow(
    doc,
    user: str,
    from_state: str,
    action: str,
    to_state: str,
    comment: str = "",
    reason: str = "",
    is_exception: bool = False,
) -> None:
    do_insert_doc(
        user,
        "Workflow Log",
        {
            "reference_doctype": doc.doctype,
            "reference_name": doc.name,
            "from_state": from_state,
            "action": action,
            "to_state": to_state,
            "user": user,
            "comment": comment,
            "reason": reason,
            "is_exception": int(is_exception),
            "timestamp": timezone.now(),
        },
        ignore_permissions=True,
    )


def _delegate_of(user: str, today: dt.date) -> str | None:
    return (
        get_model("Workflow Delegation")
        .objects.filter(user=user, enabled=True, from_date__lte=today, to_date__gte=today)
        .values_list("delegate", flat=True)
        .first()
    )


def do_create_approver_action(
    doc, state: str, group: str, approver: str, *, delegated_from: str = "", hours=(0.0, 0.0)
) -> str:
    """Create one open Workflow Action (to the approver's delegate when one is active)."""
    now = timezone.now()
    user = approver
    if not delegated_from:
        delegate = _delegate_of(approver, timezone.localdate())
        if delegate:
            user, delegated_from = delegate, approver
    remind, escalate = hours
    do_insert_doc(
        ADMINISTRATOR,
        "Workflow Action",
        {
            "reference_doctype": doc.doctype,
            "reference_name": doc.name,
            "workflow_state": state,
            "action_group": group,
            "user": user,
            "status": "Open",
            "delegated_from": delegated_from,
            "created": now,
            "remind_at": now + dt.timedelta(hours=remind) if remind else None,
            "escalate_at": now + dt.timedelta(hours=escalate) if escalate else None,
        },
        ignore_permissions=True,
    )
    return user


def do_enter_state(workflow: WorkflowDef, doc, state_name: str) -> list[str]:
    """Open one Workflow Action per approver of the state's routed transitions; notify them."""
    state = workflow.get_state(state_name)
    if state is None:
        return []
    approvers: list[str] = []
    for transition in workflow.outgoing(state_name):
        if transition.approver_type and engine.condition_holds(transition, doc, doc.owner):
            approvers += [
                a for a in engine.resolve_approvers(transition, doc) if a not in approvers
            ]
    group = uuid.uuid4().hex
    hours = (state.remind_after_hours, state.escalate_after_hours)
    recipients = [
        do_create_approver_action(doc, state_name, group, approver, hours=hours)
        for approver in approvers
    ]
    _notify(
        recipients,
        _(
            "{doctype} {name} awaits your approval ({state})",
            doctype=_(doc.doctype),
            name=doc.name,
            state=_(state_name),
        ),
        doc,
    )
    return recipients


def _move(user: str, workflow: WorkflowDef, doc, next_state_name: str):
    """Write the state field (and update_field), then submit or cancel per the state's doc_status."""
    state = workflow.get_state(next_state_name)
    data = {workflow.state_field: next_state_name}
    if state is not None and state.update_field:
        data[state.update_field] = state.update_value
    with _transition_write():
        doc = do_save_doc(user, doc.doctype, doc.name, data, ignore_permissions=True)
        target = state.doc_status if state is not None else doc.docstatus
        # The transition is the authority here: an approver allowed to take it (say a Finance
        # User completing a 会签) submits through it without holding DocPerm submit.
        if doc.docstatus == 0 and target == 1:
            doc = do_submit_doc(user, doc.doctype, doc.name, ignore_permissions=True)
        elif doc.docstatus == 1 and target == 2:
            doc = do_cancel_doc(user, doc.doctype, doc.name, ignore_permissions=True)
    return doc


def require_transition(user: str, doc, action: str, state: str | None = None):
    """The transition ``action`` the user may take on the document now, else PermissionError."""
    transition = next((t for t in engine.get_transitions(user, doc) if t.action == action), None)
    if transition is None:
        if state is None:
            workflow = engine.get_workflow(doc.doctype)
            state = engine.current_state(workflow, doc) if workflow else ""
        raise PermissionError(
            _(
                "You may not take the action {action} on {doctype} {name} in state {state}",
                action=_(action),
                doctype=_(doc.doctype),
                name=doc.name,
                state=_(state),
            )
        )
    return transition


@transaction.atomic
def do_apply_workflow(
    user: str, doctype: str, name: str, action: str, comment: str = "", reason: str = ""
):
    """Take ``action`` on a document as ``user``; return the (possibly unchanged) document."""
    workflow = engine.get_workflow(doctype)
    if workflow is None:
        raise ValidationError(_("{doctype} has no active workflow", doctype=_(doctype)))
    doc = access_doc(user, doctype, name, "read", for_update=True)
    state = engine.current_state(workflow, doc)
    transition = require_transition(user, doc, action, state)
    reason = (reason or "").strip()
    if transition.requires_reason and not reason:
        message = _("A reason is required for {action}", action=_(action))
        raise ValidationError(message, [FieldError("reason", "reqd", message)])
    Action = get_model("Workflow Action")
    pending = engine.open_actions(doc, state)
    groups = set(pending.values_list("action_group", flat=True))
    now = timezone.now()
    pending.filter(user=user).update(status="Completed", completed=now)
    if transition.approver_type and transition.approval_mode == "All":
        approvers = set(engine.resolve_approvers(transition, doc))
        done = {
            engine.principal(a)
            for a in Action.objects.filter(action_group__in=groups, status="Completed")
        }
        waiting = {engine.principal(a) for a in pending} & approvers - done
        if waiting:
            # 会签: this approval counts; the step completes when the last approver agrees.
            do_log_workflow(
                doc, user, state, action, state, comment, reason, transition.is_exception
            )
            return doc
    pending.update(status="Cancelled", completed=now)
    doc = _move(user, workflow, doc, transition.next_state)
    do_log_workflow(
        doc, user, state, action, transition.next_state, comment, reason, transition.is_exception
    )
    do_enter_state(workflow, doc, transition.next_state)
    if doc.owner != user:
        # The submitter learns of every decision taken by someone else (approved, returned).
        _notify(
            [doc.owner],
            _(
                "{doctype} {name}: {action} by {user}, now {state}",
                doctype=_(doctype),
                name=name,
                action=_(action),
                user=user,
                state=_(transition.next_state),
            ),
            doc,
        )
    return doc


# doc_events "*" handlers -------------------------------------------------------------


def set_initial_state(doc, event: str) -> None:
    """before_insert: every new document starts in the workflow's first state."""
    workflow = engine.get_workflow(doc.doctype)
    if workflow is None:
        return
    given = doc.get(workflow.state_field)
    if given and given != workflow.initial_state and not _in_transition.get():
        _refuse_state_edit(workflow)
    doc.set(workflow.state_field, workflow.initial_state)


def open_initial_actions(doc, event: str) -> None:
    """after_insert: route the first state's approvals."""
    workflow = engine.get_workflow(doc.doctype)
    if workflow is not None:
        do_enter_state(workflow, doc, workflow.initial_state)


def guard_state_field(doc, event: str) -> None:
    """validate: the state changes only through transitions; allow_edit limits who edits."""
    workflow = engine.get_workflow(doc.doctype)
    before = getattr(doc, "_doc_before_save", None)
    if workflow is None or doc.is_new or before is None or _in_transition.get():
        return
    state = before.get(workflow.state_field) or workflow.initial_state
    if (doc.get(workflow.state_field) or workflow.initial_state) != state:
        _refuse_state_edit(workflow)
    allowed = workflow.get_state(state)
    if allowed is not None and allowed.allow_edit:
        user = doc.acting_user or doc.modified_by
        if allowed.allow_edit not in get_roles(user) and user != ADMINISTRATOR:
            raise PermissionError(
                _(
                    "Only {role} may edit {doctype} {name} in state {state}",
                    role=_(allowed.allow_edit),
                    doctype=_(doc.doctype),
                    name=doc.name,
                    state=_(state),
                )
            )


def _refuse_state_edit(workflow: WorkflowDef) -> None:
    message = _("The workflow state changes only through workflow actions")
    raise ValidationError(message, [FieldError(workflow.state_field, "workflow", message)])


# Timers --------------------------------------------------------------------------------


def do_process_workflow_timers(now: dt.datetime | None = None) -> tuple[int, int]:
    """Remind approvers past remind_at and escalate those past escalate_at (each once)."""
    from lowcode.documents.factory import get_model as model

    now = now or timezone.now()
    Action = model("Workflow Action")
    reminded = escalated = 0
    for action in Action.objects.filter(status="Open", reminded=False, remind_at__lte=now):
        with transaction.atomic():
            if not Action.objects.filter(name=action.name, reminded=False).update(reminded=True):
                continue  # another scheduler run took it
            doc = get_model(action.reference_doctype).objects.get(name=action.reference_name)
            _notify(
                [action.user],
                _(
                    "Reminder: {doctype} {name} awaits your approval",
                    doctype=_(doc.doctype),
                    name=doc.name,
                ),
                doc,
            )
            do_log_workflow(
                doc,
                ADMINISTRATOR,
                action.workflow_state,
                "Reminder",
                action.workflow_state,
                action.user,
            )
            reminded += 1
    for action in Action.objects.filter(status="Open", escalated=False, escalate_at__lte=now):
        with transaction.atomic():
            if not Action.objects.filter(name=action.name, escalated=False).update(escalated=True):
                continue
            doc = get_model(action.reference_doctype).objects.get(name=action.reference_name)
            supervisor = engine.supervisor_of(engine.principal(action), 1)
            if not supervisor:
                continue
            do_create_approver_action(
                doc,
                action.workflow_state,
                action.action_group,
                supervisor,
                delegated_from=engine.principal(action),
            )
            _notify(
                [supervisor],
                _(
                    "Escalated: {doctype} {name} awaits approval by {user}",
                    doctype=_(doc.doctype),
                    name=doc.name,
                    user=action.user,
                ),
                doc,
            )
            do_log_workflow(
                doc,
                ADMINISTRATOR,
                action.workflow_state,
                "Escalation",
                action.workflow_state,
                supervisor,
            )
            escalated += 1
    return reminded, escalated
