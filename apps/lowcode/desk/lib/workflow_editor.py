"""The workflow editor's read-only work: a posted definition checked in memory, errors placed.

A draft is the posted Workflow built as an unsaved document (``apply_input`` and the
standard validation, nothing written), so "validate without saving" runs the very checks
a save runs (``workflow.checks.validate_definition``). Check errors say which state or
transition they are about; here they are translated and attached to those rows.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from lowcode.documents.actions import apply_input, validate_doc
from lowcode.exceptions import FieldError, FrappeError
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc
from lowcode.storage.factory import get_model
from lowcode.workflow.checks import DefinitionError, validate_definition
from lowcode.workflow.engine import WorkflowDef, build_definition

WORKFLOW = "Workflow"
STATE_FIELDS = (
    "state",
    "doc_status",
    "is_final",
    "allow_edit",
    "editable_fields",
    "update_field",
    "update_value",
    "style",
    "responsible_role",
    "remind_after_hours",
    "escalate_after_hours",
)
TRANSITION_FIELDS = (
    "state",
    "action",
    "next_state",
    "allowed",
    "approver_type",
    "approver",
    "approval_mode",
    "approver_slots",
    "condition",
    "requires_reason",
    "reason_templates",
    "is_exception",
    "allow_self_approval",
)


@dataclasses.dataclass
class Issue:
    """One problem as the editor lists it: the check ID (or field rule), text, where."""

    code: str
    message: str
    anchor: str = ""


@dataclasses.dataclass
class Issues:
    """Every problem of a draft, by place: header fields, state rows, transition rows."""

    fields: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    states: dict[int, list[str]] = dataclasses.field(default_factory=dict)
    transitions: dict[int, list[str]] = dataclasses.field(default_factory=dict)
    summary: list[Issue] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.summary)


def draft(user: str, name: str | None, data: dict[str, Any]) -> tuple[Any, list[FieldError]]:
    """Build the posted workflow in memory; return it and its field errors (nothing written)."""
    meta = get_meta(WORKFLOW)
    if name is None:
        doc = get_model(WORKFLOW)()
        doc.owner, doc.docstatus = user, 0
    else:
        doc = access_doc(user, WORKFLOW, name, "write")
    data = {k: v for k, v in data.items() if k != "modified"}
    errors = apply_input(doc, meta, data, user, is_new=name is None, check_levels=True)
    if name is None:
        doc.name = doc.get("workflow_name") or ""
    try:
        validate_doc(doc, meta, user, errors)
    except FrappeError as exc:
        return doc, exc.errors
    return doc, []


def check_draft(user: str, name: str | None, data: dict[str, Any]) -> tuple[WorkflowDef, Issues]:
    """Run a save's checks on posted data without saving: field rules, one active, E001–E008."""
    doc, field_errors = draft(user, name, data)
    definition = build_definition(doc)
    check_errors = validate_definition(definition)
    if doc.is_active:
        try:
            doc.check_single_active()
        except FrappeError as exc:
            field_errors = [*field_errors, *exc.errors]
    return definition, place(definition, field_errors, check_errors)


def place(definition: WorkflowDef, field_errors: list[FieldError], check_errors: list) -> Issues:
    """Attach each error to the row or field it is about."""
    issues = Issues()
    for error in field_errors:
        if error.rule.startswith("workflow."):
            continue  # the controller's copy of a check error: the checks below place it
        if error.table in ("states", "transitions") and error.row:
            rows = issues.states if error.table == "states" else issues.transitions
            rows.setdefault(error.row - 1, []).append(error.message)
            anchor = f"wf-{error.table[:-1]}-{error.row - 1}"
        else:
            issues.fields.setdefault(error.fieldname, []).append(error.message)
            anchor = f"field-{error.fieldname}"
        issues.summary.append(Issue(error.rule, error.message, anchor))
    for error in check_errors:
        message = describe(error)
        anchor = ""
        if isinstance(error, DefinitionError) and error.transition is not None:
            issues.transitions.setdefault(error.transition, []).append(message)
            anchor = f"wf-transition-{error.transition}"
        elif isinstance(error, DefinitionError) and error.state:
            for index, state in enumerate(definition.states):
                if state.state == error.state:
                    issues.states.setdefault(index, []).append(message)
                    anchor = anchor or f"wf-state-{index}"
        issues.summary.append(Issue(error.id or "", message, anchor))
    return issues


def _role(value: str) -> str:
    return _(value) if value else ""


def describe(error) -> str:
    """A check error in the user's language (English checks carry their values in params)."""
    params = getattr(error, "params", {}) or {}
    code = error.id
    if code == "workflow.E001":
        return _(
            "State {state} cannot be reached from the first state {initial}: add a transition into it or remove it",
            state=_(error.state),
            initial=_(params.get("initial", "")),
        )
    if code == "workflow.E002":
        return _(
            "State {state} is a dead end: add a transition out of it or mark it final",
            state=_(error.state),
        )
    if code == "workflow.E003":
        return _performer_text(params)
    if code == "workflow.E004":
        return _(
            "The condition of {action} does not parse: {error}",
            action=_(params.get("action", "")),
            error=params.get("error", ""),
        )
    if code == "workflow.E005":
        return _(
            "{action} names state {state}, which is not in the States table",
            action=_(params.get("action", "")),
            state=params.get("named", ""),
        )
    if code == "workflow.E006" and "doctype" in params:
        return _("DocType {doctype} not found", doctype=params["doctype"])
    if code == "workflow.E006":
        return _(
            "State field {field} must be a Select or Data field that no state's Update Field writes",
            field=params.get("field", ""),
        )
    if code == "workflow.E007":
        return _(
            "{count} documents are in state {state}, which this workflow no longer has: keep the state or move them first",
            count=params.get("count", 0),
            state=_(params.get("named", "")),
        )
    if code == "workflow.E008":
        return _(
            "Approver Slots of {action} must be One per approver, or One per role with Approver Type Role",
            action=_(params.get("action", "")),
        )
    return str(error.msg)


def _performer_text(params: dict) -> str:
    action, value, kind = _(params.get("action", "")), params.get("value", ""), params.get("kind")
    if kind == "unknown_role":
        return _(
            "No one can perform {action}: role {role} does not exist", action=action, role=value
        )
    if kind == "no_role_holder":
        return _(
            "No one can perform {action}: no active user has role {role}",
            action=action,
            role=_role(value),
        )
    if kind == "no_user":
        return _(
            "No one can perform {action}: no active user among {users}", action=action, users=value
        )
    if kind == "bad_field":
        return _(
            "No one can perform {action}: approver field {field} is not a link to a user",
            action=action,
            field=value,
        )
    return _(
        "No one can perform {action}: supervisor levels {value} is not a number",
        action=action,
        value=value,
    )


def editor_rows(rows: list[dict] | None, child_doctype: str) -> list[dict]:
    """Rows as the editor renders them: checkboxes as booleans, missing values blank."""
    meta = get_meta(child_doctype)
    checks = {f.fieldname for f in meta.data_fields if f.fieldtype == "Check"}
    shaped = []
    for row in rows or []:
        item = dict(row)
        for fieldname in checks:
            item[fieldname] = str(item.get(fieldname) or "0") not in ("0", "False", "false", "")
        shaped.append(item)
    return shaped
