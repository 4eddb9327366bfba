"""Read-only workflow library: definitions, who may act, approver resolution, colours.

A Workflow (Frappe's shape) names states and transitions of one DocType. Our
extensions: a transition may route to approvers (by role, named users, the
submitter's supervisor N levels up, or a Link-to-User field); such approvers get
one Workflow Action each when the document enters the state, and only they (or
their delegates) may take the transition. ``approval_mode`` All (会签) waits for
every approver, Any (或签) and Single complete on the first. A Role-routed 会签 with
``approver_slots`` "Role" waits for one approver per listed role instead (销售经理 and 财务,
not every finance clerk): any holder of a role fills its slot.

Conditions may read ``settings.<name>``: the administrator's Workflow Settings (thresholds
such as a quotation's maximum discount), read afresh at each evaluation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

from django.contrib.auth import get_user_model
from django.utils import timezone

from lowcode import context
from lowcode.expressions import ExpressionError, evaluate, fields_read, settings_read
from lowcode.hooks_loader import get_hooks
from lowcode.meta import registry
from lowcode.permissions.core import full_names, get_roles, has_permission, user_department
from lowcode.storage.factory import get_model
from lowcode.storage.validation import values_of

DEFAULT_STATE_FIELD = "workflow_state"
ROUTED_MODES = ("All", "Any")
SLOT_MODES = ("User", "Role")  # approver_slots: one 会签 slot per approver, or per listed role


@dataclasses.dataclass(frozen=True)
class State:
    state: str
    doc_status: int
    is_final: bool
    allow_edit: str
    update_field: str
    update_value: str
    style: str
    responsible_role: str
    collaborator_roles: str
    supervisor_role: str
    remind_after_hours: float
    escalate_after_hours: float
    editable_fields: tuple[str, ...] = ()

    @property
    def edit_roles(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.allow_edit.split(",") if r.strip())


@dataclasses.dataclass(frozen=True)
class Transition:
    state: str
    action: str
    next_state: str
    allowed: str
    condition: str
    allow_self_approval: bool
    approval_mode: str
    approver_type: str
    approver: str
    requires_reason: bool
    is_exception: bool = False
    sends_back: bool = False  # an approver's rejection (see is_rejection)
    approver_slots: str = "User"
    # Ready-made reasons offered as one-tap choices when the transition needs a reason.
    reason_templates: tuple[str, ...] = ()

    @property
    def role_slots(self) -> bool:
        """One slot per listed role, filled by any one of its holders (see approver_slots)."""
        return self.approver_type == "Role" and self.approver_slots == "Role"

    @property
    def requires_risk_note(self) -> bool:
        """The 绿色通道 is taken only with a risk note beside its reason."""
        return self.is_exception


@dataclasses.dataclass(frozen=True)
class WorkflowDef:
    name: str
    document_type: str
    state_field: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]

    def get_state(self, name: str) -> State | None:
        return next((s for s in self.states if s.state == name), None)

    @property
    def initial_state(self) -> str:
        return self.states[0].state if self.states else ""

    def outgoing(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if t.state == state]

    @functools.cached_property
    def status_fields(self) -> frozenset[str]:
        """Fields a state's Update Field writes (a Lead's ``status``): they follow the state.

        A document's status never disagrees with its state: entering a state writes its
        Update Value, and while the document stands there no other write may change it
        (``lowcode.workflow.actions.align_status_fields``).
        """
        return frozenset(
            s.update_field
            for s in self.states
            if s.update_field and s.update_field != self.state_field
        )

    def state_values(self, state: str) -> dict[str, str]:
        """{field: value} the state ``state`` writes (its Update Field and Update Value)."""
        row = self.get_state(state)
        if row is None or not row.update_field or row.update_field == self.state_field:
            return {}
        return {row.update_field: row.update_value}

    @functools.cached_property
    def routing_fields(self) -> frozenset[str]:
        """Fields that decide where an approval goes.

        Read by the condition of an approver's decision (legal's Approve goes on to finance when
        ``doc.amount >= 500000``) or naming the approver. Conditions of the submitter's own
        steps (a visit's ``has_issue`` choosing the next step) route no approval.
        """
        fields: set[str] = set()
        for t in self.transitions:
            if not t.approver_type:
                continue
            fields |= fields_read(t.condition)
            if t.approver_type == "Field" and t.approver:
                fields.add(t.approver)
        return frozenset(fields - {self.state_field})


def split_names(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.replace("\n", ",").split(",") if p.strip())


def is_rejection(states: tuple[State, ...], state: str, next_state: str, routed: bool) -> bool:
    """An approver's decision that sends the document back (to a Danger state or an earlier one).

    Such a decision always needs a reason, stored in the log and sent to the submitter, whatever
    the definition's ``requires_reason`` says: a return without a reason is not actionable.
    """
    order = {s.state: i for i, s in enumerate(states)}
    target = next((s for s in states if s.state == next_state), None)
    if not routed or target is None or state not in order:
        return False
    return target.style == "Danger" or order[next_state] < order[state]


def build_definition(workflow) -> WorkflowDef:
    """Turn a Workflow document (with its child rows) into a WorkflowDef."""
    states = tuple(
        State(
            state=row.state,
            doc_status=int(row.doc_status or 0),
            is_final=bool(row.is_final) or str(row.doc_status) == "2",
            allow_edit=row.allow_edit or "",
            update_field=row.update_field or "",
            update_value=row.update_value or "",
            style=row.style or "",
            responsible_role=row.responsible_role or "",
            collaborator_roles=row.collaborator_roles or "",
            supervisor_role=row.supervisor_role or "",
            remind_after_hours=float(row.remind_after_hours or 0),
            escalate_after_hours=float(row.escalate_after_hours or 0),
            editable_fields=split_names(row.editable_fields or ""),
        )
        for row in workflow.get_children("states")
    )
    transitions = tuple(
        Transition(
            state=row.state,
            action=row.action,
            next_state=row.next_state,
            allowed=row.allowed or "",
            condition=(row.condition or "").strip(),
            allow_self_approval=bool(row.allow_self_approval),
            approval_mode=row.approval_mode or "Single",
            approver_type=row.approver_type or "",
            approver=(row.approver or "").strip(),
            requires_reason=bool(row.requires_reason)
            or bool(row.is_exception)
            or is_rejection(states, row.state, row.next_state, bool(row.approver_type)),
            sends_back=is_rejection(states, row.state, row.next_state, bool(row.approver_type)),
            is_exception=bool(row.is_exception),
            approver_slots=row.approver_slots or "User",
            reason_templates=tuple(
                line.strip()
                for line in (getattr(row, "reason_templates", "") or "").splitlines()
                if line.strip()
            ),
        )
        for row in workflow.get_children("transitions")
    )
    return WorkflowDef(
        name=workflow.name,
        document_type=workflow.document_type,
        state_field=workflow.workflow_state_field or DEFAULT_STATE_FIELD,
        states=states,
        transitions=transitions,
    )


def get_workflow(doctype: str) -> WorkflowDef | None:
    """Return the active workflow of ``doctype`` (cached per process until configuration changes)."""

    def compute() -> WorkflowDef | None:
        workflow = (
            get_model("Workflow").objects.filter(document_type=doctype, is_active=True).first()
        )
        return build_definition(workflow) if workflow is not None else None

    if doctype in ("Workflow", "Workflow Action", "Workflow Log", "Workflow Delegation"):
        return None
    return registry.config_cached(("workflow", doctype), compute)


def active_workflows() -> list[WorkflowDef]:
    return [
        definition
        for doctype in get_model("Workflow")
        .objects.filter(is_active=True)
        .values_list("document_type", flat=True)
        if (definition := get_workflow(doctype)) is not None
    ]


def current_state(workflow: WorkflowDef, doc) -> str:
    return doc.get(workflow.state_field) or workflow.initial_state


def _active_users(usernames) -> list[str]:
    return list(
        get_user_model()
        .objects.filter(username__in=list(usernames), is_active=True)
        .order_by("username")
        .values_list("username", flat=True)
    )


def users_with_role(role: str) -> list[str]:
    return users_with_roles([role])


def users_with_roles(roles) -> list[str]:
    from lowcode.models import HasRole

    return _active_users(
        HasRole.objects.filter(role__in=list(roles)).values_list("user__username", flat=True)
    )


def supervisor_of(user: str, levels: int = 1) -> str | None:
    """Return the head ``levels`` up the user's department chain (heads equal to the user skipped)."""
    doctype = get_hooks("department_doctype")
    if not doctype:
        return None
    parent_field = get_hooks("department_parent_field") or "parent_department"
    head_field = get_hooks("department_head_field") or "head"
    tree = {
        name: (parent, head)
        for name, parent, head in get_model(doctype).objects.values_list(
            "name", parent_field, head_field
        )
    }
    department, seen, found = user_department(user), set(), 0
    while department and department in tree and department not in seen:
        seen.add(department)
        parent, head = tree[department]
        if head and head != user:
            found += 1
            if found >= levels:
                return head
        department = parent
    return None


def resolve_approvers(transition: Transition, doc) -> list[str]:
    """Return the users who must (All) or may (Any/Single) take a routed transition."""
    kind, value = transition.approver_type, transition.approver
    if kind == "Role":
        # Several roles (say "Sales Director, Operations VP"): one slot per user holding any
        # who may read the document. A department-scoped role (a Sales Manager) thus routes to
        # the managers over the submitter only; a slot for one who cannot open the document
        # would keep a 会签 waiting forever.
        roles = split_names(value or transition.allowed)
        if getattr(doc, "doctype", None) is None:
            return users_with_roles(roles)  # a definition check (no document)
        # Once per request and document: an approver's screen asks for every transition.
        return context.cached(
            ("role_approvers", doc.doctype, doc.name, roles),
            lambda: [u for u in users_with_roles(roles) if has_permission(u, doc, "read")],
        )
    if kind == "User":
        return _active_users(u.strip() for u in value.replace("\n", ",").split(",") if u.strip())
    if kind == "Supervisor":
        head = supervisor_of(doc.owner, int(value or 1))
        return [head] if head else []
    if kind == "Field":
        target = doc.get(value)
        return _active_users([target]) if target else []
    return []


def resolve_slots(transition: Transition, doc) -> list[tuple[str, str]]:
    """Return (approver, role) pairs to open actions for; role is "" unless slots are per role.

    With role slots a user holding two listed roles gets one action per role: each decision
    fills one slot, so one person never stands for both roles at once.
    """
    approvers = resolve_approvers(transition, doc)
    if not transition.role_slots:
        return [(user, "") for user in approvers]
    readable = set(approvers)
    return [
        (user, role)
        for role in split_names(transition.approver or transition.allowed)
        for user in users_with_role(role)
        if user in readable
    ]


def open_actions(doc, state: str | None = None):
    """Return the document's open Workflow Actions (in ``state`` when given)."""
    rows = get_model("Workflow Action").objects.filter(
        reference_doctype=doc.doctype, reference_name=doc.name, status="Open"
    )
    return rows.filter(workflow_state=state) if state is not None else rows


def principal(action) -> str:
    """The approver an action stands for (its delegator when delegated or escalated)."""
    return action.delegated_from or action.user


def workflow_settings(names=None) -> dict:
    """Return the Workflow Settings (``names`` only, when given) as {name: Decimal value}."""
    rows = get_model("Workflow Setting").objects.all()
    if names is not None:
        rows = rows.filter(setting_name__in=list(names))
    return dict(rows.values_list("setting_name", "value"))


def condition_holds(transition: Transition, doc, user: str) -> bool:
    if not transition.condition:
        return True
    wanted = settings_read(transition.condition)
    try:
        return evaluate(
            transition.condition,
            values_of(doc, doc.meta),
            {"name": user, "roles": sorted(get_roles(user))},
            workflow_settings(wanted) if wanted else None,
        )
    except ExpressionError:
        return False


def get_transitions(user: str, doc) -> list[Transition]:
    """Return the transitions ``user`` may take on ``doc`` now."""
    workflow = get_workflow(doc.doctype)
    if workflow is None:
        return []
    state = current_state(workflow, doc)
    roles = get_roles(user)
    mine = list(open_actions(doc, state).filter(user=user))
    on_behalf = {user} | {principal(a) for a in mine}
    permitted = []
    for transition in workflow.outgoing(state):
        if not transition.allow_self_approval and doc.owner == user and user != "Administrator":
            continue
        if transition.approver_type:
            if not mine or not on_behalf & set(resolve_approvers(transition, doc)):
                continue
        elif transition.allowed not in roles and not any(
            transition.allowed in get_roles(p) for p in on_behalf - {user}
        ):
            continue
        if not condition_holds(transition, doc, user):
            continue
        permitted.append(transition)
    return permitted


def is_overdue(action, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    deadline = action.escalate_at or action.remind_at
    return bool(deadline and deadline <= now)


def colour(workflow: WorkflowDef, doc, now: dt.datetime | None = None) -> str:
    """Seed 003's colours: green done, yellow in progress, red overdue."""
    state = workflow.get_state(current_state(workflow, doc))
    if state is not None and state.is_final:
        return "green"
    if any(is_overdue(a, now) for a in open_actions(doc)):
        return "red"
    return "yellow"


@dataclasses.dataclass(frozen=True)
class EditLimits:
    """What a state lets one user change; the desk greys out and the save guard refuses the same."""

    state: str = ""
    frozen_by: str = ""  # "allow_edit": not the state's editor; "approval": read-only while open
    locked: frozenset[str] = frozenset()  # outside the state's editable_fields
    routing: frozenset[str] = frozenset()  # fields that route the open approval
    approval_open: bool = False
    edit_roles: frozenset[str] = frozenset()


def edit_limits(user: str, doc) -> EditLimits:
    """What ``user`` may change on ``doc`` in its current workflow state."""
    workflow = get_workflow(doc.doctype)
    if workflow is None:
        return EditLimits()
    state_name = current_state(workflow, doc)
    state = workflow.get_state(state_name)
    approval_open = open_actions(doc, state_name).exists()
    limits = EditLimits(
        state=state_name,
        routing=workflow.routing_fields if approval_open else frozenset(),
        approval_open=approval_open,
        edit_roles=state.edit_roles if state is not None else frozenset(),
    )
    if state is None or user == "Administrator":
        return limits
    if state.allow_edit and not state.edit_roles & get_roles(user):
        return dataclasses.replace(limits, frozen_by="allow_edit")
    if not state.allow_edit and approval_open:
        return dataclasses.replace(limits, frozen_by="approval")
    if state.allow_edit and state.editable_fields:
        # Fields the system maintains (read-only ones: totals, fetched values) follow an edit.
        locked = {
            f.fieldname
            for f in doc.meta.fields
            if (f.holds_value or f.is_table)
            and not f.read_only
            and f.fieldname not in state.editable_fields
        }
        return dataclasses.replace(limits, locked=frozenset(locked))
    return limits


def approved_in_round(workflow: WorkflowDef, doc) -> bool:
    """Whether an approver has agreed to anything since the document last left its initial state."""
    logs = (
        get_model("Workflow Log")
        .objects.filter(reference_doctype=doc.doctype, reference_name=doc.name)
        .order_by("-timestamp", "-creation")
        .values_list("from_state", "action", "to_state")
    )
    for from_state, action, to_state in logs.iterator():
        taken = [t for t in workflow.outgoing(from_state or "") if t.action == action]
        if any(t.approver_type and not t.sends_back for t in taken):
            return True
        if to_state == workflow.initial_state:
            return False
    return False


def _current_group(doc, state: str) -> str | None:
    """The action group opened when the document last entered ``state``."""
    return (
        get_model("Workflow Action")
        .objects.filter(
            reference_doctype=doc.doctype, reference_name=doc.name, workflow_state=state
        )
        .order_by("-created", "-creation")
        .values_list("action_group", flat=True)
        .first()
    )


def approval_progress(doc) -> dict | None:
    """Progress of a 会签 (All) step: slots approved, slots in all, who is still awaited.

    One slot per approver named when the document entered the state; a slot handed on by
    delegation or escalation stays one slot, whoever holds it now. With role slots, one per
    role and ``waiting`` names the roles still awaited.
    """
    workflow = get_workflow(doc.doctype)
    if workflow is None:
        return None
    state = current_state(workflow, doc)
    countersign = next(
        (t for t in workflow.outgoing(state) if t.approver_type and t.approval_mode == "All"),
        None,
    )
    group = _current_group(doc, state) if countersign is not None else None
    if countersign is None or group is None:
        return None
    rows = list(get_model("Workflow Action").objects.filter(action_group=group))
    from lowcode.i18n import _

    completed = [a for a in rows if a.status == "Completed"]
    # Who said yes: the person who acted (a delegate or escalation target included).
    people = full_names({a.user for a in completed})
    if countersign.role_slots:
        # One slot per listed role that had a holder to ask; the awaited roles are named.
        held = {a.approver_role for a in rows if a.approver_role}
        listed = split_names(countersign.approver or countersign.allowed)
        slots = {r for r in listed if r in held}
        done = {a.approver_role for a in completed if a.approver_role}
        waiting = [r for r in listed if r in slots - done]
        waiting_names = [_(r) for r in waiting]
        approved_names = [
            f"{people.get(a.user, a.user)}（{_(a.approver_role)}）"
            for a in completed
            if a.approver_role in slots
        ]
        approved_names.sort()  # stable, whatever order the rows come in
    else:
        slots = {principal(a) for a in rows}
        done = {principal(a) for a in completed}
        waiting = sorted(slots - done)
        names = full_names(waiting)
        waiting_names = [names.get(u, u) for u in waiting]
        approved_names = [
            people.get(a.user, a.user)
            for a in sorted(completed, key=lambda a: (a.completed is None, a.completed, a.user))
        ]

    summary = (
        _(
            "Approved {done}/{total}, waiting for {names}",
            done=len(done & slots),
            total=len(slots),
            names="、".join(waiting_names),
        )
        if waiting
        else _("Approved {done}/{total}", done=len(done & slots), total=len(slots))
    )
    return {
        "approved": len(done & slots),
        "total": len(slots),
        "waiting": waiting,
        "waiting_names": waiting_names,
        "approved_names": approved_names,
        "summary": summary,
        # Who has approved and who is awaited, by name, for the form and the inbox.
        "who": _(
            "Approved by {approved}; waiting for {waiting}",
            approved="、".join(approved_names) or _("no one yet"),
            waiting="、".join(waiting_names) or _("no one"),
        ),
    }
