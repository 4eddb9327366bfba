"""Home workspace, approvals inbox, notifications and global search."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.html import format_html

from lowcode.desk.lib import home, nav, search
from lowcode.desk.views.common import desk_view
from lowcode.notify import api as notify_api
from lowcode.workflow import api as workflow_api

APPROVALS_ON_HOME = 8


@desk_view
def home_page(request, user):
    pending = workflow_api.inbox(request, user, box="pending")
    context = {
        "active_nav": "home",
        "shortcuts": home.shortcuts(user),
        "pending": home.add_countersign_progress(pending[:APPROVALS_ON_HOME]),
        "pending_total": len(pending),
        "reminders": home.reminders(user),
        "cards": home.cards(request, user),
    }
    return render(request, "desk/home.html", context)


@desk_view
def approvals_page(request, user):
    box = request.GET.get("box", "pending")
    items = workflow_api.inbox(request, user, box=box)
    for item in items:
        item["slug"] = nav.slug(item["doctype"])
    if box == "pending":
        home.add_countersign_progress(items)
    return render(
        request, "desk/approvals.html", {"active_nav": "approvals", "items": items, "box": box}
    )


@desk_view
def notifications_page(request, user):
    if request.method == "POST":
        notify_api.mark_all_as_read(request, user)
    items = notify_api.get_notifications(request, user, limit=50)
    for item in items:
        if item.get("document_type"):
            item["slug"] = nav.slug(item["document_type"])
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
