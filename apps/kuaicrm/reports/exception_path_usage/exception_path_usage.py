"""Exception Path Usage (绿色通道使用记录): every use of a workflow's exception path.

One row per Workflow Log row with ``is_exception`` (a 绿色通道 request such as the contract's
申请紧急签约): the document, the action, who took it and when, the reason and the risk note,
the document's state now and its post review (补审) outcome: pending (overdue once an open
post-review action is past its deadline or was escalated), passed, or failed.

Log rows are read through their documents: a row is shown only when the runner may read the
document it belongs to (``permitted_queryset`` on that DocType, as ``lowcode.workflow.get_log``
checks ``access_doc``), so a Sales Manager sees the department's exceptions and no others. The
Report record is role-gated to Sales Manager and above (``kuaicrm.reports.AUDIT_ROLES``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from kuaicrm.reports.common import column, date_window, text, window_q
from lowcode.sdk import _, get_model, get_workflow, has_doctype_permission, permitted_queryset

LOG = "Workflow Log"
ACTION = "Workflow Action"
# The contract's post-review (补审) states (kuaicrm/workflow/contract_approval.json): a
# document the exception path signed waits in POST_REVIEW until the normal reviewers decide.
POST_REVIEW = "Post Review Pending"
POST_REVIEW_FAILED = "Post Review Failed"
PENDING, OVERDUE = "Post Review Pending", "Post Review Overdue"
PASSED, FAILED = "Post Review Passed", POST_REVIEW_FAILED


def exception_rows(user: str, filters: dict[str, Any]) -> list:
    """The exception Workflow Log rows of documents the user may read, newest first."""
    Log: Any = get_model(LOG)
    start, end = date_window(filters)
    wanted = Q(is_exception=True) & window_q("timestamp", start, end, True)
    for key in ("reference_doctype", "user"):
        value = text(filters, key)
        if value:
            wanted &= Q(**{key: value})
    doctypes = (
        Log.objects.filter(wanted).order_by().values_list("reference_doctype", flat=True).distinct()
    )
    readable = Q(pk__in=[])
    for doctype in sorted(doctypes):
        if not has_doctype_permission(user, doctype, "read"):
            continue
        names = permitted_queryset(user, doctype, "read").values("name")
        readable |= Q(reference_doctype=doctype, reference_name__in=names)
    return list(Log.objects.filter(wanted & readable).order_by("-timestamp", "-creation"))


def current_states(rows: list) -> dict[tuple[str, str], str]:
    """(doctype, name) -> the document's workflow state now, one query per DocType."""
    states: dict[tuple[str, str], str] = {}
    for doctype in {row.reference_doctype for row in rows}:
        workflow = get_workflow(doctype)
        if workflow is None:
            continue
        names = {row.reference_name for row in rows if row.reference_doctype == doctype}
        for name, state in (
            get_model(doctype)
            .objects.filter(name__in=names)
            .values_list("name", workflow.state_field)
        ):
            states[(doctype, name)] = state or workflow.initial_state
    return states


def post_review_outcomes(rows: list, states: dict) -> dict[tuple[str, str], str]:
    """(doctype, name) -> 补审 outcome: the last decision that left POST_REVIEW, else pending."""
    keys = {(row.reference_doctype, row.reference_name) for row in rows}
    if not keys:
        return {}
    of_these = Q(pk__in=[])
    for doctype in {d for d, _n in keys}:
        of_these |= Q(
            reference_doctype=doctype, reference_name__in=[n for d, n in keys if d == doctype]
        )
    outcomes: dict[tuple[str, str], str] = {}
    decisions = (
        get_model(LOG)
        .objects.filter(of_these, from_state=POST_REVIEW)
        .exclude(to_state=POST_REVIEW)
        .order_by("timestamp", "creation")
        .values_list("reference_doctype", "reference_name", "to_state")
    )
    for doctype, name, to_state in decisions:
        outcomes[(doctype, name)] = FAILED if to_state == POST_REVIEW_FAILED else PASSED
    waiting = {key for key in keys if states.get(key) == POST_REVIEW}
    now = timezone.now()
    late = {
        (doctype, name)
        for doctype, name in get_model(ACTION)
        .objects.filter(of_these, status="Open", workflow_state=POST_REVIEW)
        .filter(
            # past its deadline as engine.is_overdue says, or already escalated by the timers
            Q(escalated=True)
            | Q(escalate_at__lte=now)
            | Q(escalate_at__isnull=True, remind_at__lte=now)
        )
        .values_list("reference_doctype", "reference_name")
    }
    for key in waiting:
        outcomes[key] = OVERDUE if key in late else PENDING
    return outcomes


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, one row per exception-path use, no message, no chart, a summary."""
    filters = filters or {}
    rows = exception_rows(user, filters)
    states = current_states(rows)
    outcomes = post_review_outcomes(rows, states)
    data = []
    for row in rows:
        key = (row.reference_doctype, row.reference_name)
        data.append(
            {
                "timestamp": row.timestamp,
                "reference_doctype": _(row.reference_doctype),
                "reference_name": row.reference_name,
                "action": _(row.action or ""),
                "from_state": _(row.from_state or ""),
                "to_state": _(row.to_state or ""),
                "user": row.user,
                "reason": row.reason or "",
                "risk_note": row.risk_note or "",
                "current_state": _(states.get(key, "")) if states.get(key) else "",
                "post_review": _(outcomes[key]) if key in outcomes else "",
            }
        )
    columns = [
        column("timestamp", _("Timestamp"), "Datetime", 150),
        column("reference_doctype", _("Reference DocType"), "Data", 90),
        column("reference_name", _("Reference Name"), "Data", 130),
        column("action", _("Action"), "Data", 120),
        column("from_state", _("From State"), "Data", 110),
        column("to_state", _("To State"), "Data", 110),
        column("user", _("User"), "Link", 110, options="User"),
        column("reason", _("Reason"), "Small Text", 200),
        column("risk_note", _("Risk Note"), "Small Text", 200),
        column("current_state", _("Current State"), "Data", 110),
        column("post_review", _("Post Review"), "Data", 110),
    ]
    counted = dict.fromkeys((PENDING, OVERDUE, PASSED, FAILED), 0)
    for outcome in outcomes.values():
        counted[outcome] += 1
    summary = [
        {"label": _("Exception Path Uses"), "value": len(data), "datatype": "Int"},
        *(
            {"label": _(outcome), "value": count, "datatype": "Int"}
            for outcome, count in counted.items()
        ),
    ]
    return columns, data, None, None, summary
