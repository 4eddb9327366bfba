"""Workflow Action Rules (流程联动): saving one document moves another one's workflow.

An administrator declares, in the desk: "when a <DocType> is inserted (or saved) and
<condition> holds, apply workflow action <X> to the document its <Link field> points at".
The CRM's default: a follow-up with the outcome 有意向 takes the lead's "Make Contact" step
(→ 已联系), so a rep logs the call instead of pressing three workflow buttons.

The rule never bypasses the workflow: the action goes through ``do_apply_workflow`` as the
user who saved the document (``doc.acting_user``), in a savepoint of the same transaction,
so the transition's role, self-approval, condition, approver and reason all apply, and its
Workflow Log names the user and the document that moved it.

- The workflow offers no such action from the target's current state (it is already past
  that step, or not there yet): nothing happens. That is not a refusal.
- It offers the action but the user may not take it: refused. The rule's ``on_refusal``
  decides: **Warn** (the default) saves the document and tells the user, in one sentence
  naming the rule, the document and why (the role it needs, …), as a saved-with-warning
  message (the API's ``_server_messages``, a toast in the desk); **Block** refuses the whole
  save with that sentence on the Link field. Warn is the default because what the rep
  records (a call that happened) is a fact that should not be lost to a step they may not
  take; the step stays for someone who may.

Rules run on ``on_update`` (after the document's own hooks), highest priority first, each
seeing the state the previous one left. A Save rule fires only when its condition starts to
hold (or its link changes), so re-saving a follow-up does not take the step again.
"""

from __future__ import annotations

import contextvars
from typing import Any

from django.db import transaction

from lowcode.exceptions import FieldError, PermissionError, ValidationError
from lowcode.expressions import ExpressionError, evaluate
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.permissions.core import ADMINISTRATOR, get_roles
from lowcode.rules.assignment import doc_values
from lowcode.rules.common import rules_for
from lowcode.storage.factory import get_model

RULE_DOCTYPE = "Workflow Action Rule"
# A rule moving a document whose own rules move another …: a chain this deep is a loop.
MAX_DEPTH = 5
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("workflow_action_depth", default=0)


def _user_info(user: str) -> dict[str, Any]:
    return {"name": user, "roles": sorted(get_roles(user))}


def _holds(rule, values: dict, user: str) -> bool:
    if not rule.condition:
        return True
    try:
        return bool(evaluate(rule.condition, values, _user_info(user)))
    except ExpressionError:
        return False  # the rule's own save refuses a malformed condition


def _fires(rule, doc, before, user: str) -> bool:
    """Whether ``rule`` applies to this save of ``doc``."""
    if before is not None and rule.event == "Insert":
        return False
    if not doc.get(rule.link_field) or not _holds(rule, doc_values(doc), user):
        return False
    if before is None:
        return True
    # A Save rule: only when the condition starts to hold or the link moves.
    moved = before.get(rule.link_field) != doc.get(rule.link_field)
    return moved or not _holds(rule, doc_values(before), user)


def apply_workflow_action_rules(doc, event: str) -> None:
    """doc_events "*" on_update: take each firing rule's workflow action on its target."""
    rules = rules_for(RULE_DOCTYPE, doc.doctype)
    if not rules or _depth.get() >= MAX_DEPTH:
        return
    before = doc._doc_before_save
    user = doc.acting_user or doc.owner or ADMINISTRATOR
    token = _depth.set(_depth.get() + 1)
    try:
        for rule in sorted(rules, key=lambda r: (-(r.priority or 0), r.name)):
            if _fires(rule, doc, before, user):
                _apply(rule, doc, user)
    finally:
        _depth.reset(token)


def _title(meta, target) -> str:
    title_field = meta.title_field
    value = target.get(title_field) if title_field and meta.has_field(title_field) else None
    return str(value or target.name)


def _apply(rule, doc, user: str) -> None:
    from lowcode.workflow import engine
    from lowcode.workflow.actions import do_apply_workflow

    doctype, name = rule.target_doctype, doc.get(rule.link_field)
    workflow = engine.get_workflow(doctype)
    target = get_model(doctype).objects.filter(name=name).first() if workflow else None
    if workflow is None or target is None:
        return  # no workflow any more, or a link the document's own check refuses
    state = engine.current_state(workflow, target)
    offered = [t for t in workflow.outgoing(state) if t.action == rule.action]
    if not offered:
        return  # nothing to take from this state: the document is past (or before) that step
    reason = str(doc.get(rule.reason_field) or "").strip() if rule.reason_field else ""
    comment = _(
        "Taken by the rule {rule} on saving {doctype} {name}",
        rule=rule.title,
        doctype=_(doc.doctype),
        name=doc.name,
    )
    try:
        with transaction.atomic():  # a refusal rolls back only the step, not the save
            do_apply_workflow(user, doctype, name, rule.action, comment=comment, reason=reason)
    except (PermissionError, ValidationError) as exc:
        message = _(
            "{rule}: {doctype} {title} stays {state}, {action} was refused: {why}",
            rule=rule.title,
            doctype=_(doctype),
            title=_title(registry.get_meta(doctype), target),
            state=_(state),
            action=_(rule.action),
            why=refusal_reason(user, target, offered, exc),
        )
        if rule.on_refusal == "Block":
            raise ValidationError(
                message, [FieldError(rule.link_field, "workflow", message)]
            ) from exc
        doc.__dict__.setdefault("server_messages", []).append(message)


def refusal_reason(user: str, target, offered: list, exc: Exception) -> str:
    """Why ``user`` may not take the offered transition, in words a rep understands."""
    from lowcode.workflow import engine

    transition = offered[0]
    roles = get_roles(user)
    if user == ADMINISTRATOR:
        return str(exc)
    if not transition.allow_self_approval and target.owner == user:
        return _("the owner of a document may not take this step themselves")
    if transition.approver_type:
        return _("only the step's approver may take it")
    if transition.allowed and transition.allowed not in roles:
        return _("it needs the role {role}", role=_(transition.allowed))
    if not engine.condition_holds(transition, target, user):
        return _("its condition does not hold ({condition})", condition=transition.condition)
    return str(exc)
