"""Workflow writes: transitions, approver actions, logs, timers, the state-field guard."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import uuid

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lowcode.documents.actions import (
    changed_fields,
    do_cancel_doc,
    do_insert_doc,
    do_save_doc,
    do_submit_doc,
)
from lowcode.exceptions import (
    FieldError,
    PermissionError,
    ValidationError,
    WorkflowTransitionError,
)
from lowcode.i18n import _
from lowcode.permissions.core import access_doc, full_names
from lowcode.storage.factory import get_model
from lowcode.storage.validation import label_of
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
    risk_note: str = "",
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
            "risk_note": risk_note,
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
    doc,
    state: str,
    group: str,
    approver: str,
    *,
    delegated_from: str = "",
    hours=(0.0, 0.0),
    role: str = "",
) -> str:
    """Create one open Workflow Action (to the approver's delegate when one is active).

    ``role`` is the 会签 slot the action stands for when the transition's slots are per role.
    """
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
            "approver_role": role,
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
    slots: list[tuple[str, str]] = []  # (approver, role slot or "")
    for transition in workflow.outgoing(state_name):
        if transition.approver_type and engine.condition_holds(transition, doc, doc.owner):
            for approver, role in engine.resolve_slots(transition, doc):
                if role:
                    # A role slot replaces the plain action another transition (say a
                    # per-user Reject) opened for the same approver.
                    if (approver, "") in slots:
                        slots.remove((approver, ""))
                    if (approver, role) not in slots:
                        slots.append((approver, role))
                elif not any(a == approver for a, _r in slots):
                    slots.append((approver, ""))
    group = uuid.uuid4().hex
    hours = (state.remind_after_hours, state.escalate_after_hours)
    recipients = [
        do_create_approver_action(doc, state_name, group, approver, hours=hours, role=role)
        for approver, role in slots
    ]
    _notify(
        list(dict.fromkeys(recipients)),  # one message for one holding two role slots
        _(
            "{doctype} {name} awaits your approval ({state})",
            doctype=_(doc.doctype),
            name=doc.get_title(),
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
    user: str,
    doctype: str,
    name: str,
    action: str,
    comment: str = "",
    reason: str = "",
    risk_note: str = "",
):
    """Take ``action`` on a document as ``user``; return the (possibly unchanged) document."""
    workflow = engine.get_workflow(doctype)
    if workflow is None:
        raise ValidationError(_("{doctype} has no active workflow", doctype=_(doctype)))
    doc = access_doc(user, doctype, name, "read", for_update=True)
    state = engine.current_state(workflow, doc)
    transition = require_transition(user, doc, action, state)
    reason, risk_note = (reason or "").strip(), (risk_note or "").strip()
    missing = []
    if transition.requires_reason and not reason:
        missing.append(
            FieldError("reason", "reqd", _("A reason is required for {action}", action=_(action)))
        )
    if transition.requires_risk_note and not risk_note:
        missing.append(
            FieldError(
                "risk_note", "reqd", _("A risk note is required for {action}", action=_(action))
            )
        )
    if missing:
        raise ValidationError("; ".join(e.message for e in missing), missing)
    log = {"reason": reason, "is_exception": transition.is_exception, "risk_note": risk_note}
    pending = engine.open_actions(doc, state)
    now = timezone.now()
    if transition.approver_type and transition.approval_mode == "All":
        waiting = _countersign(user, transition, doc, pending, now)
        if waiting:
            # 会签: this approval counts; the step completes when the last slot agrees.
            do_log_workflow(doc, user, state, action, state, comment, **log)
            return doc
    else:
        pending.filter(user=user).update(status="Completed", completed=now)
    pending.update(status="Cancelled", completed=now)
    doc = _move(user, workflow, doc, transition.next_state)
    do_log_workflow(doc, user, state, action, transition.next_state, comment, **log)
    do_enter_state(workflow, doc, transition.next_state)
    if doc.owner != user:
        # The submitter learns of every decision taken by someone else (approved, returned),
        # with the reason when one was given.
        message = _(
            "{doctype} {name}: {action} by {user}, now {state}",
            doctype=_(doctype),
            name=doc.get_title(),
            action=_(action),
            user=full_names([user]).get(user, user),
            state=_(transition.next_state),
        )
        if reason:
            message = _("{message}. Reason: {reason}", message=message, reason=reason)
        _notify([doc.owner], message, doc)
    return doc


def _principal_q(principal: str) -> Q:
    return Q(delegated_from=principal) | (
        Q(user=principal) & (Q(delegated_from="") | Q(delegated_from__isnull=True))
    )


def _countersign(user: str, transition, doc, pending, now) -> set[str]:
    """Fill one 会签 slot with the user's decision; return the approvers still awaited.

    A user may hold several slots (their own and ones escalated or delegated to them): one
    decision fills one slot, their own first, so an escalation never completes other slots.
    """
    if transition.role_slots:
        return _countersign_role(user, transition, doc, pending, now)
    groups = set(pending.values_list("action_group", flat=True))  # this round's, not earlier ones
    mine = sorted(pending.filter(user=user), key=lambda a: (bool(a.delegated_from), a.created))
    if mine:
        slot = mine[0]
        get_model("Workflow Action").objects.filter(name=slot.name).update(
            status="Completed", completed=now
        )
        # The slot is decided: whoever else still holds it (the approver an escalation
        # bypassed, or the delegate) no longer needs to act.
        pending.filter(_principal_q(engine.principal(slot))).update(
            status="Cancelled", completed=now
        )
    done = {
        engine.principal(a)
        for a in get_model("Workflow Action").objects.filter(
            action_group__in=groups, status="Completed"
        )
    }
    approvers = set(engine.resolve_approvers(transition, doc))
    return {engine.principal(a) for a in pending} & approvers - done


def _countersign_role(user: str, transition, doc, pending, now) -> set[str]:
    """Fill the user's role slot (own before delegated, roles in listed order); return roles awaited.

    Any one holder fills a role's slot: the other holders' open actions for that role are
    cancelled, so they drop from their inboxes. A holder of several listed roles fills one of
    them only, unless nobody else holds the other.
    """
    groups = set(pending.values_list("action_group", flat=True))
    listed = engine.split_names(transition.approver or transition.allowed)
    order = {role: index for index, role in enumerate(listed)}
    mine = sorted(
        pending.filter(user=user, approver_role__in=listed),
        key=lambda a: (bool(a.delegated_from), order[a.approver_role], a.created),
    )
    if mine:
        slot = mine[0]
        get_model("Workflow Action").objects.filter(name=slot.name).update(
            status="Completed", completed=now
        )
        pending.filter(approver_role=slot.approver_role).update(status="Cancelled", completed=now)
        # Separation of duties: the point of a 会签 by roles is two people. One who holds
        # another listed role steps back from it whenever another holder can fill it.
        for other in pending.filter(user=user, approver_role__in=listed).exclude(
            approver_role=slot.approver_role
        ):
            others = pending.filter(approver_role=other.approver_role).exclude(_principal_q(user))
            if others.exists():
                get_model("Workflow Action").objects.filter(name=other.name).update(
                    status="Cancelled", completed=now
                )
    done = set(
        get_model("Workflow Action")
        .objects.filter(action_group__in=groups, status="Completed", approver_role__in=listed)
        .values_list("approver_role", flat=True)
    )
    approvers = set(engine.resolve_approvers(transition, doc))
    return {
        a.approver_role
        for a in pending.filter(approver_role__in=listed)
        if engine.principal(a) in approvers
    } - done


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
    # A new record's status is its first state's (a lead imported as 已联系 starts as 新建 and
    # says so); it reaches 已联系 by the transition, as every other record does.
    for fieldname, value in workflow.state_values(workflow.initial_state).items():
        doc.set(fieldname, value)


def open_initial_actions(doc, event: str) -> None:
    """after_insert: route the first state's approvals."""
    workflow = engine.get_workflow(doc.doctype)
    if workflow is not None:
        do_enter_state(workflow, doc, workflow.initial_state)


def guard_state_field(doc, event: str) -> None:
    """validate: approval integrity for every save that is not a transition.

    - the state field changes only through transitions;
    - a state's ``allow_edit`` names who may edit there and ``editable_fields`` what they may
      change; a state without ``allow_edit`` is read-only for everyone while its approval is open;
    - fields that route an approval never change while one is open, and a change after the
      first step sends the document back to the initial state (the approval restarts).
    Every write route (REST, frappe.client, desk, kanban, import, scripts) saves through
    do_save_doc, which runs this.
    """
    workflow = engine.get_workflow(doc.doctype)
    before = getattr(doc, "_doc_before_save", None)
    if workflow is None or doc.is_new or before is None or _in_transition.get():
        return
    state_name = before.get(workflow.state_field) or workflow.initial_state
    if (doc.get(workflow.state_field) or workflow.initial_state) != state_name:
        _refuse_state_edit(workflow)
    changed = changed_fields(doc, before) - {workflow.state_field}
    if not changed:
        return
    user = doc.acting_user or doc.modified_by
    limits = engine.edit_limits(user, doc)  # the state is unchanged, so these are its limits
    _check_state_allows_edit(doc, limits, changed)
    routing = sorted(changed & workflow.routing_fields)
    if routing and (limits.approval_open or doc.docstatus != 0):
        _refuse_fields(
            doc,
            routing,
            "workflow_routing",
            _("Fields that route the approval cannot change while it is open"),
            lambda label: _(
                "{label} decides who approves {doctype} {name}; it cannot change in state {state}",
                label=label,
                doctype=_(doc.doctype),
                name=doc.name,
                state=_(state_name),
            ),
        )
    if routing and state_name != workflow.initial_state and engine.approved_in_round(workflow, doc):
        _restart_approval(workflow, doc, state_name, routing)


def align_status_fields(doc, event: str) -> None:
    """validate: a field the current state writes (its Update Field) holds its Update Value.

    A transition writes it (and wins over a controller that set it otherwise); a save that
    leaves it alone puts a stale value back in step; an edit that sets it to something else
    is refused, naming the field, since the state says otherwise (Frappe's Workflow State
    ``update_field`` / ``update_value``, made a rule of every write path).
    """
    workflow = engine.get_workflow(doc.doctype)
    if workflow is None:
        return
    state_name = doc.get(workflow.state_field) or workflow.initial_state
    wanted = workflow.state_values(state_name)
    if not wanted:
        return
    before = getattr(doc, "_doc_before_save", None)
    edited = (
        changed_fields(doc, before)
        if before is not None and not doc.is_new and not _in_transition.get()
        else set()
    )
    refused = [
        f
        for f, value in wanted.items()
        if f in edited and str(doc.get(f) or "") != value and doc.meta.has_field(f)
    ]
    if refused:
        _refuse_fields(
            doc,
            refused,
            "workflow_status",
            _("The status follows the workflow state {state}", state=_(state_name)),
            lambda label: _(
                "{label} follows the workflow: in state {state} it is {value}",
                label=label,
                state=_(state_name),
                value=_status_label(doc, refused[0], wanted[refused[0]]),
            ),
        )
    for fieldname, value in wanted.items():
        if doc.meta.has_field(fieldname):
            doc.set(fieldname, value)


def _status_label(doc, fieldname: str, value: str) -> str:
    from lowcode.i18n import option_label

    return option_label(doc.meta.get_field(fieldname), value)


def do_align_status_fields() -> int:
    """after_migrate: rows whose status disagrees with their state take the state's value.

    Records saved before their workflow declared a state's Update Value (or written around
    it) may say 已联系 while standing in 新建. One UPDATE per state and field, no lifecycle:
    the state field is the record of what happened, the status only repeats it. Idempotent;
    returns the rows changed.
    """
    from django.db.models import CharField, F
    from django.db.models.fields.json import KeyTextTransform
    from django.db.models.functions import Cast

    from lowcode.meta import registry

    changed = 0
    for workflow in engine.active_workflows():
        if not registry.exists(workflow.document_type):
            continue
        meta = registry.get_meta(workflow.document_type)
        state_field = meta.get_field(workflow.state_field)
        if state_field is None:
            continue
        model = get_model(workflow.document_type)
        column = (
            Cast(KeyTextTransform(workflow.state_field, "_custom"), CharField())
            if state_field.is_custom
            else F(state_field.fieldname)
        )
        for row in workflow.states:
            for fieldname, value in workflow.state_values(row.state).items():
                field = meta.get_field(fieldname)
                if field is None or field.is_custom or not field.holds_value:
                    continue
                rows = model.objects.annotate(_state=column)
                if row.state == workflow.initial_state:
                    rows = rows.filter(Q(_state=row.state) | Q(_state__isnull=True) | Q(_state=""))
                else:
                    rows = rows.filter(_state=row.state)
                stale = rows.exclude(**{fieldname: value}).values_list("name", flat=True)
                changed += model.objects.filter(name__in=list(stale)).update(**{fieldname: value})
    return changed


def _check_state_allows_edit(doc, limits: engine.EditLimits, changed: set) -> None:
    if limits.frozen_by == "allow_edit":
        raise PermissionError(
            _(
                "Only {role} may edit {doctype} {name} in state {state}",
                role="、".join(_(r) for r in sorted(limits.edit_roles)),
                doctype=_(doc.doctype),
                name=doc.name,
                state=_(limits.state),
            )
        )
    if limits.frozen_by == "approval":
        raise PermissionError(
            _(
                "{doctype} {name} is read-only while its approval is open ({state})",
                doctype=_(doc.doctype),
                name=doc.name,
                state=_(limits.state),
            )
        )
    locked = sorted(changed & limits.locked)
    if locked:
        _refuse_fields(
            doc,
            locked,
            "workflow_readonly",
            _("Only some fields may change in state {state}", state=_(limits.state)),
            lambda label: _(
                "{label} cannot be changed in state {state}", label=label, state=_(limits.state)
            ),
        )


def _refuse_fields(doc, fieldnames: list[str], rule: str, summary: str, message) -> None:
    """417 naming each field (by its label, in the user's language) and the rule it breaks."""
    raise ValidationError(
        summary,
        [FieldError(f, rule, message(label_of(doc.meta.get_field(f)))) for f in fieldnames],
    )


def _restart_approval(workflow: WorkflowDef, doc, state_name: str, routing: list[str]) -> None:
    """A routing field changed after the first step: back to the initial state (see on_update)."""
    initial = workflow.get_state(workflow.initial_state)
    doc.set(workflow.state_field, workflow.initial_state)
    if initial is not None and initial.update_field:
        doc.set(initial.update_field, initial.update_value)
    doc._workflow_restart = (state_name, routing)


def finish_restart(doc, event: str) -> None:
    """on_update: close the old round's actions, log the restart, tell the submitter."""
    restart = getattr(doc, "_workflow_restart", None)
    workflow = engine.get_workflow(doc.doctype)
    if restart is None or workflow is None:
        return
    doc._workflow_restart = None
    from_state, routing = restart
    now = timezone.now()
    engine.open_actions(doc).update(status="Cancelled", completed=now)
    labels = "、".join(label_of(doc.meta.get_field(f)) for f in routing)
    reason = _("Changed: {fields}", fields=labels)
    user = doc.acting_user or doc.modified_by
    do_log_workflow(doc, user, from_state, "Restart Approval", workflow.initial_state, "", reason)
    do_enter_state(workflow, doc, workflow.initial_state)
    _notify(
        [doc.owner],
        _(
            "{doctype} {name} changed ({fields}): its approval starts again from {state}",
            doctype=_(doc.doctype),
            name=doc.get_title(),
            fields=labels,
            state=_(workflow.initial_state),
        ),
        doc,
    )


def guard_docstatus(doc, event: str) -> None:
    """before_submit / before_cancel: on a workflow DocType docstatus moves only by transitions."""
    workflow = engine.get_workflow(doc.doctype)
    if workflow is None or _in_transition.get():
        return
    target = 1 if event == "before_submit" else 2
    state = engine.current_state(workflow, doc)
    actions = sorted(
        {
            _(t.action)
            for t in workflow.outgoing(state)
            if (s := workflow.get_state(t.next_state)) is not None and s.doc_status == target
        }
    )
    verb = _("submitted") if target == 1 else _("cancelled")
    if actions:
        message = _(
            "{doctype} {name} follows a workflow: it is {verb} only by the action {actions}",
            doctype=_(doc.doctype),
            name=doc.name,
            verb=verb,
            actions="、".join(actions),
        )
    else:
        message = _(
            "{doctype} {name} follows a workflow: no action {verb} it from state {state}",
            doctype=_(doc.doctype),
            name=doc.name,
            verb=verb,
            state=_(state),
        )
    raise WorkflowTransitionError(message)


def _refuse_state_edit(workflow: WorkflowDef) -> None:
    message = _("The workflow state changes only through workflow actions")
    raise ValidationError(message, [FieldError(workflow.state_field, "workflow", message)])


# Timers --------------------------------------------------------------------------------


def do_process_workflow_timers(now: dt.datetime | None = None) -> tuple[int, int]:
    """Remind approvers past remind_at and escalate those past escalate_at (each once)."""
    from lowcode.storage.factory import get_model as model

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
                    name=doc.get_title(),
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
                role=action.approver_role or "",
            )
            _notify(
                [supervisor],
                _(
                    "Escalated: {doctype} {name} awaits approval by {user}",
                    doctype=_(doc.doctype),
                    name=doc.get_title(),
                    user=full_names([action.user]).get(action.user, action.user),
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
