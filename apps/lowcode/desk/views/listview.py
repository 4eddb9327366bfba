"""List view for any DocType: columns, filters, sort, paging, saved views, bulk actions."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from lowcode import expressions
from lowcode.dataio.export import export_rows
from lowcode.dataio.spreadsheet import file_response
from lowcode.desk import actions as desk_actions
from lowcode.desk.lib import form as form_lib
from lowcode.desk.lib import list_actions, list_cards, listing, saved_views
from lowcode.desk.lib.phones import is_phone_field
from lowcode.desk.views.common import desk_view, doctype_from_slug, toast
from lowcode.documents import actions
from lowcode.documents.schema import do_delete_doctypes, is_schema_doctype
from lowcode.exceptions import DoesNotExistError, FrappeError, ValidationError
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc, has_doctype_permission, permitted_queryset
from lowcode.query.builder import ColumnSet


def _apply_saved_view(request, user, doctype):
    """A saved view fills in whatever the URL does not say."""
    name = request.GET.get("view")
    if not name:
        return request.GET
    found = [v for v in saved_views.views_for(user, doctype) if v["name"] == name]
    if not found:
        return request.GET
    view = found[0]
    params = request.GET.copy()
    if "filters" not in params and view.get("filters"):
        params["filters"] = json.dumps(view["filters"], ensure_ascii=False)
    if "columns" not in params and view.get("columns"):
        params["columns"] = ",".join(view["columns"])
    if "order_by" not in params and view.get("order_by"):
        params["order_by"] = view["order_by"]
    return params


@desk_view
def list_page(request, user, slug):
    doctype = doctype_from_slug(slug)
    meta = get_meta(doctype)
    permitted_queryset(user, doctype, "read")  # no read permission: the same 404 as missing
    params = _apply_saved_view(request, user, doctype)
    state = listing.parse_state(params, meta)
    columns = ColumnSet(meta, user)
    shown = listing.list_columns(meta, columns, state.columns)
    cards = _cards(request, user, meta, columns, state, shown)
    more_rows = request.GET.get("rows") == "more"  # the next page of an infinite scroll
    page = listing.fetch_page(user, meta, state, shown, cards["extra"], count=not more_rows)
    can_write = has_doctype_permission(user, doctype, "write")
    _annotate_actions(cards, meta, page["rows"], can_write)
    views = saved_views.views_for(user, doctype)
    context = {
        "active_nav": doctype,
        "doctype": doctype,
        "slug": slug,
        "meta": meta,
        "state": state,
        "shown": shown,
        "page": page,
        "title_field": listing.title_field(meta),
        "title_label": _(meta.get_field(meta.title_field).label)
        if meta.title_field and meta.get_field(meta.title_field)
        else _("ID"),
        "standard_filters": listing.standard_filters(meta, columns),
        "state_field": listing.state_field(meta),
        "state_options": listing.state_options(meta),
        "filterable": listing.filterable_fields(meta, columns),
        "operators": listing.BUILDER_OPERATORS,
        "builder_filters_json": json.dumps(state.builder_filters, ensure_ascii=False),
        "saved_views": views,
        "chips": _chip_links(cards, state, views),
        "card_fields": cards["fields"],
        "row_prefix": f"row-{state.start}-",
        "can_create": has_doctype_permission(user, doctype, "create"),
        # buttons for the DocType as a whole (hooks desk_list_actions), not on the phone's rows
        "list_actions": [] if more_rows else list_actions.available(user, doctype),
        # DocTypes: deleted in bulk too, with the count of ticked ones typed to confirm
        "can_delete": has_doctype_permission(user, doctype, "delete")
        and (is_schema_doctype(doctype) or not form_lib.has_own_delete(user, meta)),
        "typed_delete": is_schema_doctype(doctype),
        "can_export": has_doctype_permission(user, doctype, "export"),
        "can_write": can_write,
        "board_fields": [
            f
            for f in meta.data_fields
            if f.fieldtype in ("Select", "Link") and f.fieldname in columns.columns
        ],
        "date_fields": [
            f
            for f in meta.data_fields
            if f.fieldtype in ("Date", "Datetime") and f.fieldname in columns.columns
        ],
        "query": state.to_query(),
        "filter_count": len(state.builder_filters) + len(state.standard_values),
        "prev_query": state.to_query(start=max(state.start - listing.PAGE_LENGTH, 0)),
        "next_query": state.to_query(start=state.start + listing.PAGE_LENGTH),
        "sort_queries": {
            f.fieldname: state.to_query(
                start=0,
                order_by=f"{f.fieldname} {'asc' if state.order_by == f.fieldname + ' desc' else 'desc'}",
            )
            for f in shown
        },
        "assignees": _active_users() if has_doctype_permission(user, doctype, "write") else [],
    }
    if more_rows:
        template = "desk/list_rows.html"
    elif request.headers.get("HX-Target") == "list-results":
        template = "desk/list_results.html"
        # the 筛选 button outside the results shows how many filters now apply
        context["filter_count_oob"] = True
    else:
        template = "desk/list.html"
    return render(request, template, context)


def _cards(request, user, meta, columns, state, shown) -> dict:
    """A phone's list: the chips chosen (their filters join the state's), card fields, actions."""
    spec = list_cards.spec_for(meta.name)
    offered = list_cards.chip_keys(spec, columns)
    state.chips = list_cards.parse_chips(request.GET.get("chip", ""), offered)
    state.filters += list_cards.chip_filters(spec, state.chips, user, expressions.today())
    fields = list_cards.card_fields(meta, columns, spec, shown)
    phones = [f for f in [*shown, *fields] if is_phone_field(f)]
    extra = [f.fieldname for f in fields] + list_cards.query_fields(spec, columns)
    return {"spec": spec, "offered": offered, "fields": fields, "phones": phones, "extra": extra}


def _annotate_actions(cards: dict, meta, rows: list[dict], can_write: bool) -> None:
    for row in rows:
        row["desk_actions"] = list_cards.row_actions(
            cards["spec"], meta, row, cards["phones"], can_write
        )


def _chip_links(cards: dict, state, views: list[dict]) -> list[dict]:
    """The quick chips as links: each toggles itself, keeping the rest of the state."""
    chips = [
        {
            "label": list_cards.chip_label(key),
            "key": key,
            "active": key in state.chips,
            "query": state.to_query(start=0, chips=list_cards.toggled(state.chips, key)),
        }
        for key in cards["offered"]
    ]
    chips += [
        {
            "label": view["title"],
            "key": f"view-{view['name']}",
            "active": view["name"] == state.saved_view,
            "query": {"view": view["name"]} if view["name"] != state.saved_view else {},
        }
        for view in views
    ]
    return chips


@desk_view
def card_action(request, user, slug, name):
    """Run a card's declared action: "new" (GET) opens the new form prefilled from the stored
    document; "set" (POST) saves through the action layer and answers the card's row."""
    doctype = doctype_from_slug(slug)
    if request.method == "GET":
        found = list_cards.find_action(doctype, request.GET.get("action", ""), kind="new")
        if found is None:
            raise DoesNotExistError(_("Unknown action {action}", action=request.GET.get("action")))
        doc = access_doc(user, doctype, name, "read")
        return HttpResponseRedirect(list_cards.new_form_url(found, doc))
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        action = desk_actions.do_card_action(
            user, doctype, name, request.POST.get("action", ""), request.POST.dict()
        )
    except FrappeError as exc:
        return toast(HttpResponse(status=204), str(exc), "red")
    meta = get_meta(doctype)
    columns = ColumnSet(meta, user)
    state = listing.parse_state(request.POST, meta)
    shown = listing.list_columns(meta, columns, state.columns)
    cards = _cards(request, user, meta, columns, state, shown)
    state.filters = [["name", "=", name]]
    page = listing.fetch_page(user, meta, state, shown, cards["extra"], count=False)
    _annotate_actions(cards, meta, page["rows"], has_doctype_permission(user, doctype, "write"))
    context = {
        "slug": slug,
        "doctype": doctype,
        "shown": shown,
        "card_fields": cards["fields"],
        "title_field": listing.title_field(meta),
        "row": page["rows"][0] if page["rows"] else None,
        "row_id": request.POST.get("row_id", ""),
    }
    response = render(request, "desk/list_row.html", context)
    return toast(response, _("{action}: done", action=_(action.label)))


def _active_users() -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(is_active=True).order_by("username")
    return [(u.username, u.get_full_name() or u.username) for u in users[:500]]


@desk_view
@require_POST
def bulk_action(request, user, slug):
    """Assign, set a field, delete or export the ticked rows; all or nothing."""
    doctype = doctype_from_slug(slug)
    names = request.POST.getlist("names")
    verb = request.POST.get("bulk_action", "")
    if verb == "delete" and is_schema_doctype(doctype) and names:
        return _delete_doctypes(request, user, names)
    if verb == "delete" and form_lib.has_own_delete(user, get_meta(doctype)):
        # deleted one at a time in its own dialog (a DocType: its records counted, its name typed)
        return toast(
            HttpResponse(status=204), _("Delete these one at a time from their form"), "red"
        )
    if not names:
        return toast(HttpResponse(status=204), _("Tick at least one row"), "orange")
    try:
        with transaction.atomic():
            for name in names:
                if verb == "delete":
                    actions.do_delete_doc(user, doctype, name)
                elif verb == "assign":
                    actions.do_assign_doc(user, doctype, name, request.POST.get("assign_to", ""))
                elif verb == "set_value":
                    fieldname = request.POST.get("field", "")
                    actions.do_save_doc(
                        user, doctype, name, {fieldname: request.POST.get("value", "")}
                    )
                else:
                    raise ValidationError(_("Unknown bulk action {action}", action=verb))
    except FrappeError as exc:
        message = _("Nothing was changed: {name}: {error}", name=name, error=str(exc))
        response = HttpResponse(status=204)
        return toast(response, message, "red")
    response = HttpResponse(status=204)
    response["HX-Refresh"] = "true"
    return toast(response, _("{count} rows updated", count=len(names)))


def _delete_doctypes(request, user: str, names: list[str]) -> HttpResponse:
    """Ticked DocTypes, each deleted with its data outside any transaction (schema changes
    cannot run inside one); the answer lists what was deleted and what was refused, why."""
    if request.POST.get("confirm_count", "").strip() != str(len(names)):
        return toast(
            HttpResponse(status=204),
            _(
                "Type {count} (the number of ticked DocTypes) to confirm: their records are deleted with them",
                count=len(names),
            ),
            "orange",
        )
    deleted, refused = do_delete_doctypes(user, names)
    response = render(
        request,
        "desk/bulk_delete_result.html",
        {"deleted": deleted, "refused": sorted(refused.items()), "slug": "doctype"},
    )
    # The result replaces the bulk bar's status line and stays until the list is reloaded.
    response["HX-Retarget"] = "#bulk-result"
    response["HX-Reswap"] = "innerHTML"
    return toast(
        response,
        _("{deleted} deleted, {refused} refused", deleted=len(deleted), refused=len(refused)),
        "green" if not refused else "orange",
    )


@desk_view
def export_view(request, user, slug):
    """Export the filtered list (or the ticked rows) as CSV or XLSX."""
    doctype = doctype_from_slug(slug)
    meta = get_meta(doctype)
    state = listing.parse_state(request.GET, meta)
    filters = list(state.filters)
    names = [n for n in request.GET.getlist("names") if n]
    if names:
        filters.append(["name", "in", names])
    columns = ColumnSet(meta, user)
    or_filters = listing.search_filters(meta, columns, state.search) or None
    return _export(user, doctype, filters, or_filters, request.GET.get("file_type", "csv"))


def _export(user, doctype, filters, or_filters, file_type):
    """The filtered list as a file: dataio's exporter (export right, permlevels, row cap)."""
    table = export_rows(user, doctype, filters=filters, or_filters=or_filters)
    return file_response(table, _(doctype), file_type)


@desk_view
@require_POST
def save_view(request, user, slug):
    doctype = doctype_from_slug(slug)
    view = desk_actions.do_save_view(
        user,
        doctype,
        title=request.POST.get("title", ""),
        query=request.POST.get("query", ""),
        is_shared=request.POST.get("is_shared") == "1",
        view_type=request.POST.get("view_type", "List"),
    )
    return HttpResponseRedirect(f"/app/{slug}?view={view.name}")
