"""Validation of a workflow definition before it is activated (stable IDs, one test each).

workflow.E001  state unreachable from the initial state
workflow.E002  dead end: a non-final state without outgoing transitions
workflow.E003  transition no one can perform (unknown role, role without users,
               no named active user, approver field not a Link to User)
workflow.E004  transition condition does not parse
workflow.E005  transition names an unknown state
workflow.E006  state field clashes with a field that is not Select/Data
workflow.E007  documents are in a state the definition no longer has
workflow.E008  approver slots neither User nor Role, or Role on a transition not routed by role
workflow.E009  a state's Update Value is not an option of its Update Field (a Select)
workflow.W001  a state reached from one writing a status field writes none, so a record there
               shows the status of the state it came from (start-up only)

Active stored workflows are checked again by `kuaicrm check` and at start-up (run_checks).
Each error also says where it is (``state`` / ``transition`` index) and carries its values
(``params``), so an editor can show it, translated, next to the row it is about.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any, NamedTuple

from django.core.checks import Error, Warning

from lowcode.expressions import ExpressionError, compile_condition
from lowcode.meta import registry
from lowcode.storage.factory import get_model
from lowcode.workflow import engine
from lowcode.workflow.engine import Transition, WorkflowDef

STATE_FIELD_TYPES = ("Select", "Data")
_loading_fixtures: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "workflow_loading_fixtures", default=False
)


@contextlib.contextmanager
def loading_fixtures() -> Iterator[None]:
    """Check shipped definitions without requiring users to hold their roles yet."""
    token = _loading_fixtures.set(True)
    try:
        yield
    finally:
        _loading_fixtures.reset(token)


def is_loading_fixtures() -> bool:
    return _loading_fixtures.get()


class DefinitionError(Error):
    """A check error that knows its place: a state (by name) or a transition (by index)."""

    def __init__(
        self,
        msg: str,
        *,
        hint: str,
        obj: str,
        id: str,  # Django's CheckMessage keyword
        state: str = "",
        transition: int | None = None,
        params: dict[str, Any] | None = None,
    ):
        super().__init__(msg, hint=hint, obj=obj, id=id)
        self.state = state
        self.transition = transition
        self.params = params or {}


class Problem(NamedTuple):
    """Why no one can perform a transition: a kind ("unknown_role", …) and the value named."""

    kind: str
    value: str
    text: str


def _error(
    cid: str,
    msg: str,
    hint: str,
    workflow: WorkflowDef,
    *,
    state: str = "",
    transition: int | None = None,
    **params: Any,
) -> DefinitionError:
    return DefinitionError(
        msg,
        hint=hint,
        obj=f"Workflow {workflow.name}",
        id=cid,
        state=state,
        transition=transition,
        params=params,
    )


def validate_definition(workflow: WorkflowDef) -> list[Error]:
    """Every check of one definition, stranded documents included; reads only."""
    return check_workflow(workflow) + check_stranded_documents(workflow)


def check_workflow(workflow: WorkflowDef) -> list[Error]:
    """Report every problem of one definition at once."""
    errors: list[Error] = []
    names = {s.state for s in workflow.states}
    for index, t in enumerate(workflow.transitions):
        for named in (t.state, t.next_state):
            if named not in names:
                errors.append(
                    _error(
                        "workflow.E005",
                        f"Transition '{t.action}' of workflow '{workflow.name}' names unknown state '{named}'.",
                        "Add the state to the States table or fix the transition.",
                        workflow,
                        transition=index,
                        action=t.action,
                        named=named,
                    )
                )
    reachable, stack = set(), [workflow.initial_state] if workflow.states else []
    while stack:
        state = stack.pop()
        if state in reachable:
            continue
        reachable.add(state)
        stack += [t.next_state for t in workflow.outgoing(state)]
    for row in workflow.states:
        if row.state not in reachable:
            errors.append(
                _error(
                    "workflow.E001",
                    f"State '{row.state}' of workflow '{workflow.name}' is unreachable from '{workflow.initial_state}'.",
                    "Add a transition leading to it or remove the state.",
                    workflow,
                    state=row.state,
                    initial=workflow.initial_state,
                )
            )
        if not row.is_final and not workflow.outgoing(row.state):
            errors.append(
                _error(
                    "workflow.E002",
                    f"State '{row.state}' of workflow '{workflow.name}' is a dead end.",
                    "Add an outgoing transition, or mark it final (Is Final or Doc Status 2).",
                    workflow,
                    state=row.state,
                )
            )
    for index, t in enumerate(workflow.transitions):
        if t.condition:
            try:
                compile_condition(t.condition)
            except ExpressionError as exc:
                errors.append(
                    _error(
                        "workflow.E004",
                        f"Condition of transition '{t.action}' in workflow '{workflow.name}' does not parse: {exc}.",
                        "Write it like doc.amount >= 500000.",
                        workflow,
                        transition=index,
                        action=t.action,
                        error=str(exc),
                    )
                )
        problem = _performer_problem(t, workflow)
        if problem:
            errors.append(
                _error(
                    "workflow.E003",
                    f"Transition '{t.action}' from '{t.state}' in workflow '{workflow.name}' cannot be performed: {problem.text}.",
                    "Name a role held by active users, an active user, or a Link-to-User field.",
                    workflow,
                    transition=index,
                    action=t.action,
                    kind=problem.kind,
                    value=problem.value,
                )
            )
    errors += _check_approver_slots(workflow)
    errors += _check_state_field(workflow)
    errors += _check_status_values(workflow)
    return errors


def _check_status_values(workflow: WorkflowDef) -> list[Error]:
    """workflow.E009: a status a state writes must be one its Select field can hold."""
    if not registry.exists(workflow.document_type):
        return []
    meta = registry.get_meta(workflow.document_type)
    errors: list[Error] = []
    for row in workflow.states:
        for fieldname, value in workflow.state_values(row.state).items():
            field = meta.get_field(fieldname)
            if field is None or field.fieldtype != "Select" or not field.select_options:
                continue
            if value not in field.select_options:
                errors.append(
                    _error(
                        "workflow.E009",
                        f"State '{row.state}' of workflow '{workflow.name}' sets '{fieldname}' to "
                        f"'{value}', which is not one of its options.",
                        f"Choose one of: {', '.join(o for o in field.select_options if o)}.",
                        workflow,
                        state=row.state,
                        field=fieldname,
                        value=value,
                    )
                )
    return errors


def check_status_coverage(workflow: WorkflowDef) -> list[Warning]:
    """workflow.W001: a state that writes no value for a status field, reached from one that
    does, leaves the earlier value (a lead sent back to 跟进计划 still saying 已转化)."""
    warnings: list[Warning] = []
    for fieldname in sorted(workflow.status_fields):
        writes = {s.state for s in workflow.states if fieldname in workflow.state_values(s.state)}
        stale: set[str] = set()
        stack = [t.next_state for t in workflow.transitions if t.state in writes]
        while stack:
            state = stack.pop()
            if state in writes or state in stale:
                continue
            stale.add(state)
            stack += [t.next_state for t in workflow.outgoing(state)]
        silent = [s.state for s in workflow.states if s.state in stale]
        if silent:
            warnings.append(
                Warning(
                    f"Workflow '{workflow.name}' writes '{fieldname}' in some states but not in "
                    f"{', '.join(repr(s) for s in silent)}, reached from them: a record there "
                    "keeps the value an earlier state wrote.",
                    hint=f"Give each of those states an Update Value for '{fieldname}'.",
                    obj=f"Workflow {workflow.name}",
                    id="workflow.W001",
                )
            )
    return warnings


def _check_approver_slots(workflow: WorkflowDef) -> list[Error]:
    """workflow.E008: slots per role need roles to count (approver type Role)."""
    errors: list[Error] = []
    for index, t in enumerate(workflow.transitions):
        if t.approver_slots not in engine.SLOT_MODES:
            problem = f"approver slots '{t.approver_slots}' is neither User nor Role"
        elif t.approver_slots == "Role" and t.approver_type != "Role":
            problem = "approver slots Role needs approver type Role"
        else:
            continue
        errors.append(
            _error(
                "workflow.E008",
                f"Transition '{t.action}' from '{t.state}' in workflow '{workflow.name}': {problem}.",
                "Use User (a slot per approver) or Role (a slot per listed role, with approver type Role).",
                workflow,
                transition=index,
                action=t.action,
                value=t.approver_slots,
            )
        )
    return errors


def _role_problem(role: str) -> Problem | None:
    if role == "All":
        return None
    if not get_model("Role").objects.filter(name=role).exists():
        return Problem("unknown_role", role, f"unknown role '{role}'")
    if not _loading_fixtures.get() and not engine.users_with_role(role):
        return Problem("no_role_holder", role, f"no active user has role '{role}'")
    return None


def _performer_problem(t: Transition, workflow: WorkflowDef) -> Problem | None:
    if t.approver_type in ("", "Role"):
        roles = engine.split_names(t.approver or t.allowed) if t.approver_type else (t.allowed,)
        for role in roles:
            problem = _role_problem(role)
            if problem:
                return problem
    if t.approver_type == "User" and not engine.resolve_approvers(t, _Blank()):
        return Problem("no_user", t.approver, f"no active user among '{t.approver}'")
    if t.approver_type == "Field":
        meta = (
            registry.get_meta(workflow.document_type)
            if registry.exists(workflow.document_type)
            else None
        )
        field = meta.get_field(t.approver) if meta else None
        if field is None or field.fieldtype != "Link" or field.options != "User":
            return Problem(
                "bad_field", t.approver, f"approver field '{t.approver}' is not a Link to User"
            )
    if t.approver_type == "Supervisor" and not t.approver.isdigit():
        return Problem(
            "bad_levels", t.approver, f"supervisor levels '{t.approver}' is not a number"
        )
    return None


class _Blank:
    """Stands in for a document where resolution needs none (named users)."""

    owner = ""

    def get(self, _fieldname: str):
        return None


def _check_state_field(workflow: WorkflowDef) -> list[Error]:
    if not registry.exists(workflow.document_type):
        return [
            _error(
                "workflow.E006",
                f"Workflow '{workflow.name}' names unknown DocType '{workflow.document_type}'.",
                "Fix Document Type.",
                workflow,
                doctype=workflow.document_type,
            )
        ]
    field = registry.get_meta(workflow.document_type).get_field(workflow.state_field)
    clashes = [s.state for s in workflow.states if s.update_field == workflow.state_field]
    if (field is not None and field.fieldtype not in STATE_FIELD_TYPES) or clashes:
        return [
            _error(
                "workflow.E006",
                f"State field '{workflow.state_field}' of workflow '{workflow.name}' is not a Select/Data field of its own.",
                "Name a Select or Data field (or a new name) that no state's Update Field writes.",
                workflow,
                field=workflow.state_field,
            )
        ]
    return []


def check_stranded_documents(workflow: WorkflowDef) -> list[Error]:
    """workflow.E007: documents sit in a state the (edited) definition no longer has."""
    from django.db.models import CharField, Count, F
    from django.db.models.fields.json import KeyTextTransform
    from django.db.models.functions import Cast

    if not registry.exists(workflow.document_type):
        return []
    field = registry.get_meta(workflow.document_type).get_field(workflow.state_field)
    if field is None or field.fieldtype not in STATE_FIELD_TYPES:
        return []  # added on activation (nothing has a state yet), or E006 already says it
    # A custom state field lives in the JSON column: compare its text, not JSON values.
    column: Any = (
        Cast(KeyTextTransform(workflow.state_field, "_custom"), CharField())
        if field.is_custom
        else F(field.fieldname)
    )
    known = [s.state for s in workflow.states]
    stranded = (
        get_model(workflow.document_type)
        .objects.annotate(state=column)
        .exclude(state__in=known)
        .exclude(state__isnull=True)
        .exclude(state="")
        .values("state")
        .annotate(n=Count("name"))
        .order_by("state")
    )
    return [
        _error(
            "workflow.E007",
            f"{row['n']} {workflow.document_type} document(s) are in state '{row['state']}', "
            f"which workflow '{workflow.name}' no longer has.",
            "Keep the state (it may lead on to another), or move those documents first.",
            workflow,
            count=row["n"],
            doctype=workflow.document_type,
            named=row["state"],
        )
        for row in stranded
    ]


def run_checks(app_configs=None, databases=None, **kwargs) -> list[Error | Warning]:
    """`kuaicrm check` and start-up: every active stored workflow, as it is now.

    Stored definitions can go stale after activation (a role deleted, a field removed). The
    "someone holds the role" rule is left to activation: a new site has no users yet.
    """
    if not databases:
        return []
    from django.db import DatabaseError

    from lowcode.workflow.engine import build_definition

    try:
        workflows = list(get_model("Workflow").objects.filter(is_active=True).order_by("name"))
    except DatabaseError:
        return []  # not migrated yet: nothing stored to check
    errors: list[Error | Warning] = []
    with loading_fixtures():
        for stored in workflows:
            definition = build_definition(stored)
            errors += validate_definition(definition)
            errors += check_status_coverage(definition)
    return errors
