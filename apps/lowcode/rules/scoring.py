"""Lead scoring (seed 001 §1.2): configurable criteria, automatic on save, manual override.

Every save of a DocType with an enabled Scoring Rule recomputes the score and keeps one
Score Log per document: the criteria that fired with their points, the total, when, and
whether a manual override holds. An override sticks — automatic saves keep the manual
score — until ``lowcode.rules.clear_score_override`` releases it.
"""

from __future__ import annotations

import fnmatch
import hashlib
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from lowcode.documents.actions import do_save_doc
from lowcode.exceptions import FieldError, PermissionError, ValidationError
from lowcode.i18n import _
from lowcode.jobs import enqueue
from lowcode.meta import registry
from lowcode.permissions.core import (
    access_doc,
    is_system_manager,
    readable_fieldnames,
)
from lowcode.query.serialize import to_json
from lowcode.rules.common import create_record, rules_for
from lowcode.storage.factory import get_model

SCORE_LOG = "Score Log"


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return Decimal(int(value))
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def criterion_matches(actual: Any, operator: str, expected: Any) -> bool:
    """Compare a document value with a criterion's value (given as text)."""
    is_set = actual not in (None, "", [], {})
    if operator == "is set":
        return is_set
    if operator == "is not set":
        return not is_set
    text = "" if actual is None else str(to_json(actual))
    expected = "" if expected is None else str(expected)
    if operator in ("in", "not in"):
        options = [part.strip() for part in expected.split(",")]
        return (text in options) == (operator == "in")
    if operator == "like":
        pattern = expected.replace("%", "*").replace("_", "?")
        if "*" not in pattern:
            pattern = f"*{pattern}*"
        return fnmatch.fnmatchcase(text.lower(), pattern.lower())
    left, right = _number(actual) if is_set else None, _number(expected)
    if left is not None and right is not None and not isinstance(actual, str):
        pair: tuple[Any, Any] = (left, right)
    else:
        pair = (text, expected)
    a, b = pair
    if operator == "=":
        return a == b
    if operator == "!=":
        return a != b
    if not is_set:
        return False
    try:
        return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[operator]
    except KeyError:
        return False


def compute_score(rule, doc) -> tuple[int, list[dict]]:
    """Return the total and the criteria that fired, in table order."""
    fired = []
    for row in rule.get_children("criteria"):
        if criterion_matches(doc.get(row.fieldname), row.operator, row.value):
            fired.append(
                {
                    "fieldname": row.fieldname,
                    "operator": row.operator,
                    "value": row.value,
                    "label": row.label or row.fieldname,
                    "points": row.points or 0,
                }
            )
    return sum(item["points"] for item in fired), fired


def _log_of(doctype: str, name: str, for_update: bool = False):
    logs: Any = get_model(SCORE_LOG).objects.filter(reference_doctype=doctype, reference_name=name)
    if for_update:
        logs = logs.select_for_update()
    return logs.first()


def _record(doc, total: int, fired: list[dict], user: str):
    """Write or update the document's Score Log; return it."""
    log = None if doc.is_new else _log_of(doc.doctype, doc.name)
    details = {"criteria": fired, "total": total}
    now = timezone.now()
    if log is None:
        return create_record(
            SCORE_LOG,
            user,
            reference_doctype=doc.doctype,
            reference_name=doc.name,
            score=total,
            automatic_score=total,
            details=details,
            manual=False,
            scored_by=user,
            scored_at=now,
        )
    if log.automatic_score != total or log.details != details:
        log.automatic_score, log.details, log.modified = total, details, now
        if not log.manual:
            log.score, log.scored_by, log.scored_at = total, user, now
        log.save()
    return log


def apply_scoring(doc, event: str) -> None:
    """doc_events "*" validate: recompute the score unless a manual override holds.

    A new document of a bulk insert has no log yet: its log goes in with the batch.
    """
    from lowcode.documents import bulk

    batch = bulk.current()
    for rule in rules_for("Scoring Rule", doc.doctype):
        total, fired = compute_score(rule, doc)
        user = doc.acting_user or doc.modified_by or "Administrator"
        if batch is not None and doc.__dict__.get(bulk.NEW_IN_BATCH):
            batch.defer(doc, _new_log(doc, total, fired, user))
            doc.set(rule.score_field, total)
            continue
        log = _record(doc, total, fired, user)
        doc.set(rule.score_field, log.score if log.manual else total)


def _new_log(doc, total: int, fired: list[dict], user: str):
    """The Score Log ``_record`` would create for a new document, not saved yet."""
    from lowcode.documents.bulk import new_side_record

    now = timezone.now()
    model: Any = get_model(SCORE_LOG)
    return new_side_record(
        model,
        user,
        now,
        reference_doctype=doc.doctype,
        reference_name=doc.name,
        score=total,
        automatic_score=total,
        details={"criteria": fired, "total": total},
        manual=False,
        scored_by=user,
        scored_at=now,
    )


def _score_rule(doctype: str):
    rules = rules_for("Scoring Rule", doctype)
    if not rules:
        raise ValidationError(_("No enabled Scoring Rule for {doctype}", doctype=_(doctype)))
    return rules[0]


def override_score(request, user, doctype: str, name: str, score: Any = None, reason: str = ""):
    """Set a manual score with a required reason; automatic saves keep it until cleared."""
    access_doc(user, doctype, name, "write")
    _score_rule(doctype)
    if not str(reason or "").strip():
        raise ValidationError(
            _("{label} is required", label=_("Reason")),
            [FieldError("reason", "reqd", _("{label} is required", label=_("Reason")))],
        )
    value = _number(score)
    if value is None or value != value.to_integral_value():
        raise ValidationError(
            _("{label} must be a whole number", label=_("Score")),
            [FieldError("score", "type", _("{label} must be a whole number", label=_("Score")))],
        )
    log = _log_of(doctype, name, for_update=True)
    now = timezone.now()
    if log is None:
        log = create_record(
            SCORE_LOG,
            user,
            reference_doctype=doctype,
            reference_name=name,
            automatic_score=0,
            details={"criteria": [], "total": 0},
        )
    log.score, log.manual, log.reason = int(value), True, str(reason).strip()
    log.scored_by, log.scored_at, log.modified, log.modified_by = user, now, now, user
    log.save()
    doc = do_save_doc(user, doctype, name, {})  # the validate hook writes the override
    return {"score": int(value), "modified": to_json(doc.modified)}


override_score.writes = True  # type: ignore[attr-defined]


def clear_score_override(request, user, doctype: str, name: str):
    """Release a manual score: the next (immediate) save scores automatically again."""
    access_doc(user, doctype, name, "write")
    log = _log_of(doctype, name, for_update=True)
    if log is not None and log.manual:
        log.manual, log.reason, log.modified, log.modified_by = False, "", timezone.now(), user
        log.save()
    doc = do_save_doc(user, doctype, name, {})
    return {"score": doc.get(_score_rule(doctype).score_field)}


clear_score_override.writes = True  # type: ignore[attr-defined]


def get_score_log(request, user, doctype: str, name: str):
    """The explanation of a document's score: criteria that fired, total, when, manual or not."""
    access_doc(user, doctype, name, "read")
    log = _log_of(doctype, name)
    if log is None:
        return None
    readable = readable_fieldnames(user, doctype)
    return {
        "score": log.score,
        "automatic_score": log.automatic_score,
        # A criterion on a field above the reader's permlevels would tell its value.
        "criteria": [
            c for c in (log.details or {}).get("criteria", []) if c.get("fieldname") in readable
        ],
        "manual": bool(log.manual),
        "reason": log.reason or "",
        "scored_by": log.scored_by,
        "scored_at": to_json(log.scored_at),
    }


def score_explanation(user: str, doctype: str, name: str) -> dict | None:
    """A document's score as rows the desk shows on it: criterion, the document's value, points.

    None when no enabled rule scores its DocType or it has no Score Log. A Score Log explains
    the document it belongs to. Criteria on fields the reader may not read are left out.
    """
    if doctype == SCORE_LOG:
        log = access_doc(user, SCORE_LOG, name, "read")
        doctype, name = log.reference_doctype, log.reference_name
    elif not rules_for("Scoring Rule", doctype):  # cached: no query for unscored DocTypes
        return None
    stored = get_score_log(None, user, doctype, name)
    if stored is None:
        return None
    doc = access_doc(user, doctype, name, "read")
    meta = registry.get_meta(doctype)
    rows = []
    for criterion in stored["criteria"]:
        field = meta.get_field(criterion["fieldname"])
        rows.append(
            {
                "label": criterion.get("label") or criterion["fieldname"],
                "field": field,
                "value": _shown(doc.get(criterion["fieldname"])),
                "points": criterion.get("points") or 0,
            }
        )
    return {**stored, "rows": rows, "doctype": doctype, "name": name}


def _shown(value: Any) -> Any:
    # Decimal columns (Currency, Float) read as numbers so the desk formats them (800,000.00).
    return float(value) if isinstance(value, Decimal) else value


def _require_system_manager(user: str) -> None:
    if not is_system_manager(user):
        raise PermissionError(_("Only a System Manager may re-score documents"))


def rescore(request, user, doctype: str):
    """Queue a re-score of every document of ``doctype`` (System Manager)."""
    _require_system_manager(user)
    _score_rule(doctype)
    do_queue_rescore(doctype, user)
    return {"queued": True}


rescore.writes = True  # type: ignore[attr-defined]


def get_rescore_progress(request, user, doctype: str):
    """How far the latest re-score of ``doctype`` got: state, done of total (System Manager)."""
    _require_system_manager(user)
    return rescore_progress(doctype)


# --------------------------------------------------------------------------- re-score job
# Progress lives in the site's shared cache (the database cache, or Redis with RQ), which every
# process reads: the job writes it, the admin's page polls it. It is a report, not a record.
PROGRESS_EVERY = 100  # documents between progress writes
PROGRESS_TTL = 7 * 24 * 3600


MAX_KEY_NAME = 120  # memcached keys are at most 250 bytes, the site prefix and version included


def _progress_key(doctype: str) -> str:
    # quoted: a DocType name may hold spaces or Chinese, which cache keys must not; a name
    # whose quoted form is long (Chinese is nine bytes a character) is hashed instead
    name = quote(doctype, safe="")
    if len(name) > MAX_KEY_NAME:
        name = hashlib.sha256(doctype.encode()).hexdigest()
    return f"lowcode:rescore:{name}"


def rescore_progress(doctype: str) -> dict | None:
    """The latest re-score of ``doctype``: state (queued/running/done/failed), done, total."""
    return cache.get(_progress_key(doctype))


def _set_progress(doctype: str, state: str, done: int = 0, total: int | None = None, **more):
    value = {"state": state, "done": done, "total": total, "at": to_json(timezone.now()), **more}
    cache.set(_progress_key(doctype), value, PROGRESS_TTL)


def do_queue_rescore(doctype: str, user: str, rule: str = "") -> None:
    """Re-score every document of ``doctype`` in a background job once the transaction commits.

    Inline on a site without Redis, on RQ with it; queued twice in one transaction (a rule saved
    twice, or ``rule`` empty for a System Manager's explicit re-score), it runs once.
    """
    transaction.on_commit(lambda: _set_progress(doctype, "queued", by=user))
    enqueue("lowcode.rules.scoring.rescore_doctype", unique=True, doctype=doctype, rule=rule)


def rescore_doctype(doctype: str, rule: str = "") -> int:
    """Background job: recompute every document's score without touching ``modified``.

    Writes its progress (n of N) every ``PROGRESS_EVERY`` documents; returns how many changed.
    ``rule`` names the rule whose change queued it (the enabled rule of the DocType scores).
    """
    rules = rules_for("Scoring Rule", doctype)
    if not rules:  # disabled or deleted since it was queued: nothing to score by
        _set_progress(doctype, "done", 0, 0, changed=0)
        return 0
    scoring_rule = rules[0]
    field = registry.get_meta(doctype).get_field(scoring_rule.score_field)
    column = "_custom" if field is not None and field.is_custom else scoring_rule.score_field
    documents = get_model(doctype).objects.order_by("name")
    total = documents.count()
    _set_progress(doctype, "running", 0, total)
    changed = done = 0
    try:
        for done, doc in enumerate(documents.iterator(chunk_size=500), start=1):
            score = _rescore_one(scoring_rule, doc)
            if doc.get(scoring_rule.score_field) != score:
                doc.set(scoring_rule.score_field, score)
                doc.save(update_fields=[column])
                changed += 1
            if done % PROGRESS_EVERY == 0:
                _set_progress(doctype, "running", done, total)
    except Exception:
        _set_progress(doctype, "failed", done, total, changed=changed)
        raise
    _set_progress(doctype, "done", done, max(total, done), changed=changed)
    return changed


def _rescore_one(rule, doc) -> int:
    total, fired = compute_score(rule, doc)
    log = _record(doc, total, fired, "Administrator")
    return log.score if log.manual else total
