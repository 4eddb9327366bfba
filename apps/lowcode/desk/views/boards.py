"""Kanban and calendar views of any DocType (routes registered by lowcode.desk.urls)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from lowcode.desk import actions as desk_actions
from lowcode.desk.lib import boards, listing
from lowcode.desk.views.common import desk_view, doctype_from_slug
from lowcode.exceptions import DataError, DoesNotExistError, FrappeError, PermissionError
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import has_doctype_permission, permitted_queryset
from lowcode.query.builder import ColumnSet


def _common(request, user, slug, current: str) -> dict:
    """What every board shares: the DocType, the list's filters and the view switch."""
    doctype = doctype_from_slug(slug)
    meta = get_meta(doctype)
    permitted_queryset(user, doctype, "read")  # no read permission: the same 404 as missing
    state = listing.parse_state(request.GET, meta)
    columns = ColumnSet(meta, user)
    return {
        "active_nav": doctype,
        "doctype": doctype,
        "slug": slug,
        "meta": meta,
        "state": state,
        "columns": columns,
        "current": current,
        "title_field": listing.title_field(meta),
        "builder_filters_json": json.dumps(state.builder_filters, ensure_ascii=False)
        if state.builder_filters
        else "",
        "standard_filters": [
            f for f in listing.standard_filters(meta, columns) if f.fieldtype == "Select"
        ],
        "board_fields": boards.board_fields(meta, columns),
        "date_fields": boards.date_fields(meta, columns),
        "can_create": has_doctype_permission(user, doctype, "create"),
        "can_write": has_doctype_permission(user, doctype, "write"),
    }


def _chosen(fields, requested: str, default: str):
    by_name = {f.fieldname: f for f in fields}
    if requested and requested not in by_name:
        raise DataError(_("{field} cannot be used for this view", field=requested))
    return by_name.get(requested or default)


@desk_view
def kanban_page(request, user, slug):
    context = _common(request, user, slug, "kanban")
    meta, state = context["meta"], context["state"]
    choices = context["board_fields"]
    docfield = _chosen(
        choices, request.GET.get("field", ""), boards.default_board_field(meta, choices)
    )
    if docfield is None:
        raise DataError(
            _("{doctype} has no Select or Link field to group by", doctype=_(meta.name))
        )
    board = boards.build_board(user, meta, docfield, state)
    for column in board.columns:
        column_query = state.to_query(start=0, builder_filters=column.filters, standard_values={})
        column.list_href = f"/app/{slug}?{urlencode(column_query)}"  # type: ignore[attr-defined]
    context.update(
        {
            "board": board,
            "card_fields": board.card_fields,
            "field": docfield,
            # A move refused only for want of a reason asks for one (kanban.js).
            "reason_field": boards.board_options(meta.name).get("reason_field", "")
            if docfield.fieldname == boards.board_options(meta.name).get("field")
            else "",
            "view_query": {**state.to_query(start=0), "field": docfield.fieldname},
            "back": request.get_full_path(),
        }
    )
    return render(request, "desk/kanban.html", context)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@desk_view
@require_POST
def move_card(request, user, slug):
    """Move a card to another column: the form's save or the workflow's transition."""
    doctype = doctype_from_slug(slug)
    meta = get_meta(doctype)
    name = request.POST.get("name", "")
    fieldname = request.POST.get("field", "")
    value = request.POST.get("value", "")
    try:
        allowed = {f.fieldname for f in boards.board_fields(meta, ColumnSet(meta, user))}
        if fieldname not in allowed:
            raise DataError(_("{field} cannot be used for this view", field=fieldname))
        desk_actions.do_move_card(
            user, doctype, name, fieldname, value, reason=request.POST.get("reason", "")
        )
    except FrappeError as exc:
        if not _wants_json(request):
            raise
        if isinstance(exc, PermissionError | DoesNotExistError):
            message, status = _("Not found, or you may not see it"), 404
        else:
            message, status = str(exc), getattr(exc, "http_status", 400)
        errors = [
            {"field": e.fieldname, "message": e.message} for e in getattr(exc, "errors", None) or []
        ]
        return JsonResponse({"message": message, "errors": errors}, status=status)
    if not _wants_json(request):
        back = request.POST.get("next", "")
        return HttpResponseRedirect(
            back if back.startswith("/app/") else f"/app/{slug}/view/kanban"
        )
    row = boards.card_row(user, meta, fieldname, name)
    body = ""
    if row is not None:
        body = render_to_string(
            "desk/kanban_card_body.html",
            {
                "row": row,
                "slug": slug,
                "title_field": listing.title_field(meta),
                "card_fields": boards.card_fields(meta, ColumnSet(meta, user), fieldname),
            },
            request=request,
        )
    return JsonResponse({"message": _("Moved"), "body": body})


@desk_view
def calendar_page(request, user, slug):
    context = _common(request, user, slug, "calendar")
    meta, state = context["meta"], context["state"]
    choices = context["date_fields"]
    docfield = _chosen(
        choices, request.GET.get("field", ""), choices[0].fieldname if choices else ""
    )
    if docfield is None:
        raise DataError(_("{doctype} has no date field for a calendar", doctype=_(meta.name)))
    today = timezone.localdate()
    month = boards.parse_month(request.GET.get("month"), today)
    days, cut = boards.month_events(user, meta, docfield.fieldname, month, state)
    base = {**state.to_query(start=0), "field": docfield.fieldname}
    weekdays = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    weeks = [
        [
            {
                "date": day,
                "iso": day.isoformat(),
                "in_month": day.month == month.first.month,
                "is_today": day == today,
                "weekday": weekdays[day.weekday()],
                "events": days.get(day.isoformat(), []),
            }
            for day in week
        ]
        for week in boards.month_weeks(month)
    ]
    context.update(
        {
            "field": docfield,
            "month": month,
            "weeks": weeks,
            "agenda": [d for week in weeks for d in week if d["in_month"] and d["events"]],
            "cut": cut,
            "limit": boards.CALENDAR_LIMIT,
            "view_query": {**base, "month": month.key},
            "prev_href": f"?{urlencode({**base, 'month': month.previous})}",
            "next_href": f"?{urlencode({**base, 'month': month.next})}",
            "today_href": f"?{urlencode({**base, 'month': today.strftime('%Y-%m')})}",
            "weekdays": weekdays,
        }
    )
    return render(request, "desk/calendar.html", context)


urlpatterns = [
    path("app/<str:slug>/view/kanban", kanban_page, name="desk-kanban"),
    path("app/<str:slug>/view/kanban/move", move_card, name="desk-kanban-move"),
    path("app/<str:slug>/view/calendar", calendar_page, name="desk-calendar"),
]
