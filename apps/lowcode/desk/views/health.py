"""The scheduler warning System Managers see on every desk page (loaded after the page)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from lowcode.desk.lib import nav
from lowcode.desk.views.common import desk_view
from lowcode.jobs import health


@desk_view
def scheduler_warning(request, user):
    """Answer the banner while no scheduler has ticked for 10 minutes; nothing otherwise.

    Fetched by the page (hx-trigger load), so no page render pays for the query and a
    page never waits on it. Only System Managers can act on it, so only they see it.
    """
    if not nav.is_system_manager(user) or not health.scheduler_is_stale():
        return HttpResponse("")
    beats = health.heartbeats()
    context = {
        "last_tick": health.last_tick(),
        "last_error": next((b.last_error for b in beats if b.last_error), ""),
        "minutes": int(health.STALE_AFTER.total_seconds() // 60),
    }
    return render(request, "desk/scheduler_warning.html", context)
