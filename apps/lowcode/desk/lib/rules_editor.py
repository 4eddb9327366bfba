"""Read-only work of the rule editors: try a rule on a document or a value, see the load.

Each test builds the posted rule in memory (nothing written) and asks the rules engine the
question a save would: the score and why, which record a value duplicates, how many open
assignments each user of the pool holds.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.db.models import Count

from lowcode.documents.actions import apply_input
from lowcode.exceptions import FrappeError
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc
from lowcode.rules import assignment, duplicates, scoring
from lowcode.storage.factory import get_model


def draft_rule(user: str, doctype: str, name: str | None, data: dict[str, Any]):
    """The posted rule as an unsaved document (the stored one under the posted input)."""
    meta = get_meta(doctype)
    doc = access_doc(user, doctype, name, "read") if name else get_model(doctype)()
    data = {k: v for k, v in data.items() if k != "modified"}
    with contextlib.suppress(FrappeError):  # a malformed row still lets the others be tried
        apply_input(doc, meta, data, user, is_new=name is None, check_levels=True)
    return doc


def explain_score(user: str, rule, docname: str) -> dict[str, Any]:
    """Score one document under the (unsaved) rule: total, and every criterion hit or missed."""
    doc = access_doc(user, rule.document_type, docname, "read")
    total, _fired = scoring.compute_score(rule, doc)
    criteria = [
        {
            "label": row.label or row.fieldname,
            "fieldname": row.fieldname,
            "operator": row.operator,
            "value": row.value,
            "actual": doc.get(row.fieldname),
            "points": row.points or 0,
            "fired": scoring.criterion_matches(doc.get(row.fieldname), row.operator, row.value),
        }
        for row in rule.get_children("criteria")
    ]
    stored = scoring.get_score_log(None, user, rule.document_type, doc.name) or {}
    return {
        "doc": doc,
        "total": total,
        "criteria": criteria,
        "stored_score": stored.get("score"),
        "manual": bool(stored.get("manual")),
    }


def test_duplicate(rule, fieldname: str, value: str) -> list[dict[str, Any]]:
    """For each row of the rule comparing ``fieldname``: the key and the record it matches."""
    results = []
    for row in rule.get_children("fields"):
        if row.fieldname != fieldname:
            continue
        key = duplicates.make_key(row.normaliser, value)
        targets = [(rule.document_type, row.fieldname)]
        if row.other_doctype:
            targets.append((row.other_doctype, row.other_fieldname or row.fieldname))
        for doctype, target_field in targets:
            found = (
                duplicates.find_duplicates(doctype, [(target_field, key)], None).get(
                    (target_field, key)
                )
                if key
                else None
            )
            invalid = (
                row.normaliser == "Credit Code"
                and bool(key)
                and not duplicates.credit_code_valid(key.split("|", 1)[1])
            )
            results.append(
                {
                    "normaliser": row.normaliser,
                    "key": key.split("|", 1)[1] if key else "",
                    "doctype": doctype,
                    "fieldname": target_field,
                    "match": found,
                    "invalid": invalid,
                }
            )
    return results


def pool_load(rule) -> list[dict[str, Any]]:
    """Open assignments of the rule's DocType per user of its pool (all, when none is "open")."""
    from lowcode.models import Assignment

    users = list(dict.fromkeys(row.user for row in rule.get_children("users") if row.user))
    if not users or not rule.document_type:
        return []
    rows = Assignment.objects.filter(ref_doctype=rule.document_type, user__in=users)
    if assignment.open_state(rule.document_type) is not None:
        rows = rows.filter(is_open=True)
    counts = dict(rows.values("user").annotate(n=Count("id")).values_list("user", "n"))
    peak = max(counts.values(), default=0) or 1
    return [
        {"user": u, "count": counts.get(u, 0), "share": round(100 * counts.get(u, 0) / peak)}
        for u in users
    ]
