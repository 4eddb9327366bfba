"""Automatic assignment (seed 001 §1.1 线索分配): the first matching rule assigns a new document.

Runs after insert. Rules are tried by priority (highest first); a rule applies when its
condition holds and its pool has an active user for its strategy:

- Round Robin: the next user after the rule's persisted last-assigned pointer; the rule
  row is locked (SELECT … FOR UPDATE) so concurrent inserts never pick the same slot,
  and the pointer survives restarts.
- Load Balancing: the user with the fewest assigned documents whose status field holds
  one of the rule's open values.
- Territory / Skill: users whose territory equals, or whose skills include, the
  document's match field; round robin among them.

The rule only assigns (``do_assign_doc``): the document keeps its owner, and the assignee
sees it under the "own" scope.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef

from lowcode.documents.actions import do_assign_doc
from lowcode.expressions import evaluate
from lowcode.meta import registry
from lowcode.permissions.core import ADMINISTRATOR
from lowcode.query.serialize import to_json
from lowcode.rules.common import rules_for
from lowcode.storage.factory import get_model

DEFAULT_MATCH_FIELDS = {"Territory": "territory", "Skill": "skill"}


def doc_values(doc) -> dict[str, Any]:
    """The document as the dict expressions read (standard columns included)."""
    meta = registry.get_meta(doc.doctype)
    values = {f.fieldname: to_json(doc.get(f.fieldname)) for f in meta.data_fields}
    values.update({"name": doc.name, "owner": doc.owner, "docstatus": doc.docstatus})
    return values


def _active(users: list[str]) -> set[str]:
    return set(
        get_user_model()
        .objects.filter(username__in=users, is_active=True)
        .values_list("username", flat=True)
    )


def _next_after(pool: list[str], last: str | None) -> str:
    if last in pool:
        return pool[(pool.index(last) + 1) % len(pool)]
    return pool[0]


def open_state(doctype: str) -> tuple[str, list[str]] | None:
    """(status field, open values) of the DocType's highest-priority rule that names them."""
    for rule in sorted(rules_for("Assignment Rule", doctype), key=lambda r: -(r.priority or 0)):
        values = [v.strip() for v in (rule.open_values or "").split(",") if v.strip()]
        field = rule.status_field or "status"
        if values and registry.get_meta(doctype).has_field(field):
            return field, values
    return None


def _open_counts(doctype: str, users: list[str]) -> dict[str, int]:
    """Open assignments per user; every assignment when no rule of the DocType defines "open"."""
    from lowcode.models import Assignment

    assignments = Assignment.objects.filter(ref_doctype=doctype, user__in=users)
    if open_state(doctype) is not None:
        # An index range per user (ix_assign_open); the flag follows the documents' status.
        assignments = assignments.filter(is_open=True)
    rows = assignments.values("user").annotate(n=Count("id")).values_list("user", "n")
    return dict.fromkeys(users, 0) | dict(rows)


def sync_open_flag(doc, event: str) -> None:
    """doc_events "*" on_update: an assignment is open while its document's status is."""
    from lowcode.models import Assignment

    state = open_state(doc.doctype)
    if state is None:
        return
    field, values = state
    before: Any = doc._doc_before_save
    if before is not None and before.get(field) == to_json(doc.get(field)):
        return  # status unchanged: nothing to write (the common save)
    is_open = str(doc.get(field) or "") in values
    if before is None and is_open:
        return  # a new document: its assignments were just made open
    Assignment.objects.filter(ref_doctype=doc.doctype, docname=doc.name).exclude(
        is_open=is_open
    ).update(is_open=is_open)


def sync_open_flags(doctype: str) -> int:
    """Background job after an Assignment Rule changes: recompute every assignment's flag."""
    from lowcode.models import Assignment

    state = open_state(doctype)
    if state is None:
        return 0
    field, values = state
    open_docs: Any = get_model(doctype).objects.filter(
        name=OuterRef("docname"), **{f"{field}__in": values}
    )
    return Assignment.objects.filter(ref_doctype=doctype).update(is_open=Exists(open_docs))


def choose_assignee(rule, doc) -> str | None:
    """Pick the user for ``doc`` under ``rule`` (locks the rule row for round robin)."""
    rows = rule.get_children("users")
    active = _active([row.user for row in rows])
    rows = [row for row in rows if row.user in active]
    if rule.strategy in DEFAULT_MATCH_FIELDS:
        wanted = str(doc.get(rule.match_field or DEFAULT_MATCH_FIELDS[rule.strategy]) or "")
        wanted = wanted.strip().lower()
        if not wanted:
            return None
        if rule.strategy == "Territory":
            rows = [r for r in rows if (r.territory or "").strip().lower() == wanted]
        else:
            rows = [
                r
                for r in rows
                if wanted in {s.strip().lower() for s in (r.skills or "").split(",")}
            ]
    pool = list(dict.fromkeys(row.user for row in rows))
    if not pool:
        return None
    if rule.strategy == "Load Balancing":
        counts = _open_counts(doc.doctype, pool)
        return min(pool, key=lambda user: counts[user])
    model: Any = type(rule)
    last = (
        model.objects.select_for_update()
        .filter(name=rule.name)
        .values_list("last_user", flat=True)
        .first()
    )
    chosen = _next_after(pool, last)
    model.objects.filter(name=rule.name).update(last_user=chosen)
    return chosen


def apply_assignment(doc, event: str) -> None:
    """doc_events "*" after_insert: assign through the first rule that yields a user."""
    rules = rules_for("Assignment Rule", doc.doctype)
    if not rules:
        return
    values = doc_values(doc)
    for rule in sorted(rules, key=lambda r: -(r.priority or 0)):
        if rule.condition and not evaluate(rule.condition, values):
            continue
        assignee = choose_assignee(rule, doc)
        if assignee:
            # The engine assigns the document it was handed: no permission re-read.
            do_assign_doc(ADMINISTRATOR, doc.doctype, doc.name, assignee, ignore_permissions=True)
            return
