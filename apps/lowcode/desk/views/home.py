"""Home workspace (My day), approvals inbox and decisions, notifications and global search."""

from __future__ import annotations

import contextlib

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from lowcode.desk.lib import approvals, home, nav, search
from lowcode.desk.views.common import desk_view
from lowcode.exceptions import DoesNotExistError, FrappeError, ValidationError
from lowcode.i18n import _
from lowcode.notify import api as notify_api
from lowcode.workflow import api as workflow_api
from lowcode.workflow import engine as workflow_engine
from lowcode.workflow.actions import do_apply_workflow

APPROVALS_ON_HOME = 8


@desk_view
def home_page(request, user):
    """My day (工作台): approvals waiting, the day's sections, the apps' cards, shortcuts.

    Pull-to-refresh (static/desk/home.js) asks again with ``?part=day``: the same sections
    without the page around them, swapped in place.
    """
    pending = workflow_api.inbox(request, user, box="pending")
    context = {
        "active_nav": "home",
        "pending": approvals.detail_rows(user, pending[:APPROVALS_ON_HOME]),
        "pending_total": len(pending),
        "sections": home.my_day(user),
        "cards": home.cards(request, user),
    }
    if request.GET.get("part") == "day":
        return render(request, "desk/home_day.html", context)
    context["shortcuts"] = home.shortcuts(user)
    return render(request, "desk/home.html", context)


@desk_view
def approvals_page(request, user):
    box = request.GET.get("box", "pending")
    items = workflow_api.inbox(request, user, box=box)
    approvals.detail_rows(user, items, act=box == "pending")
    return render(
        request, "desk/approvals.html", {"active_nav": "approvals", "items": items, "box": box}
    )


@desk_view
@require_POST
def decide(request, user):
    """Take an approver's decision from a list, a notification or a form's sheet (JSON answer).

    The write is the workflow's own action (``do_apply_workflow``): who may decide, a reason
    where one is required, self-approval and 会签 are its rules, not this view's.
    """
    doctype, name = request.POST.get("doctype", ""), request.POST.get("name", "")
    action = request.POST.get("action", "")
    try:
        doc = do_apply_workflow(
            user,
            doctype,
            name,
            action,
            request.POST.get("comment", ""),
            request.POST.get("reason", ""),
            request.POST.get("risk_note", ""),
        )
    except DoesNotExistError:
        return JsonResponse(
            {"ok": False, "message": _("Not found, or you may not see it")}, status=404
        )
    except FrappeError as exc:
        errors = {e.fieldname: e.message for e in getattr(exc, "errors", None) or []}
        status = 200 if isinstance(exc, ValidationError) else exc.http_status
        return JsonResponse({"ok": False, "message": str(exc), "errors": errors}, status=status)
    if request.POST.get("notification"):
        # Decided from a notification: it has been acted on, so it is read. (The decision
        # stands whatever happens here: a notification not the user's is simply left alone.)
        with contextlib.suppress(FrappeError):
            notify_api.mark_as_read(request, user, name=request.POST["notification"])
    workflow = workflow_engine.get_workflow(doctype)
    state = workflow_engine.current_state(workflow, doc) if workflow else ""
    progress = workflow_engine.approval_progress(doc)
    result = _("{action}: now {state}", action=_(action), state=_(state))
    if progress:
        result = f"{result} · {progress['summary']}"
    message = _("{action}: {doctype} {title}", action=_(action), doctype=_(doctype),
                title=doc.get_title())  # fmt: skip
    return JsonResponse({"ok": True, "message": message, "result": result})


@desk_view
def notifications_page(request, user):
    if request.method == "POST":
        notify_api.mark_all_as_read(request, user)
    items = notify_api.get_notifications(request, user, limit=50)
    for item in items:
        if item.get("document_type"):
            item["slug"] = nav.slug(item["document_type"])
    approvals.notification_decisions(user, items)
    return render(request, "desk/notifications.html", {"items": items})


@desk_view
def notification_count(request, user):
    count = notify_api.get_unread_count(request, user)
    label = str(count) if count < 100 else "99+"
    return HttpResponse(
        format_html(
            '<span class="badge{}">{}</span>', " on" if count else "", label if count else ""
        )
    )


@desk_view
def search_page(request, user):
    text = (request.GET.get("q") or "").strip()
    groups = search.global_search(user, text) if text else []
    return render(request, "desk/search.html", {"groups": groups, "search_text": text})
