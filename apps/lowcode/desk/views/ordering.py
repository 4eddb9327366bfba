"""Put a DocType's records in order by dragging them (documents/ordering.py renumbers).

``/app/<slug>/_order`` lists every record of a DocType ordered by an Int ``sort_field`` (the
funnel's Opportunity Stages), each with a drag handle (SortableJS: mouse and touch) and ↑/↓ keys;
saving posts the names in their new order. Only users who may write the DocType see it.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from lowcode.desk.views.common import desk_view, doctype_from_slug, go_to, toast
from lowcode.documents.ordering import do_reorder_docs, order_field
from lowcode.exceptions import DoesNotExistError, ValidationError
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import has_doctype_permission
from lowcode.query import reads

MAX_ROWS = 500  # an order set by hand: stages, levels, not thousands of records


def _orderable(user: str, slug: str) -> tuple[str, str]:
    doctype = doctype_from_slug(slug)
    fieldname = order_field(get_meta(doctype))
    if fieldname is None or not has_doctype_permission(user, doctype, "write"):
        raise DoesNotExistError(_("Not found, or you may not see it"))
    return doctype, fieldname


@desk_view
def order_page(request, user, slug) -> HttpResponse:
    doctype, fieldname = _orderable(user, slug)
    if request.method == "POST":
        return _save(request, user, slug, doctype, fieldname)
    return render(request, "desk/order.html", _context(user, slug, doctype, fieldname))


def _context(user, slug, doctype, fieldname, names=None, error="") -> dict:
    meta = get_meta(doctype)
    title = meta.title_field or "name"
    rows = reads.get_list(
        user,
        doctype,
        fields=list(dict.fromkeys(["name", title, fieldname])),
        order_by=f"{fieldname} asc, name asc",
        limit=MAX_ROWS,
    )
    if names:  # a refused save keeps the order the user made
        rank = {name: i for i, name in enumerate(names)}
        rows.sort(key=lambda r: rank.get(r["name"], len(rank)))
    return {
        "doctype": doctype,
        "slug": slug,
        "rows": [{**r, "title": r.get(title) or r["name"], "order": r[fieldname]} for r in rows],
        "order_label": getattr(meta.get_field(fieldname), "label", None) or fieldname,
        "error": error,
    }


def _save(request, user, slug, doctype, fieldname) -> HttpResponse:
    names = [name for _position, name in _order_items(request.POST)]
    try:
        moved = do_reorder_docs(user, doctype, names)
    except ValidationError as exc:
        context = _context(user, slug, doctype, fieldname, names, error=str(exc))
        return toast(render(request, "desk/order.html", context), str(exc), "red")
    return go_to(request, f"/app/{slug}/_order?saved={len(moved)}")


def _order_items(post) -> list[tuple[int, str]]:
    """``order.<n>.name`` fields, by n (the page renumbers them after every move)."""
    items = []
    for key in post:
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "order" and parts[2] == "name" and parts[1].isdigit():
            items.append((int(parts[1]), post[key]))
    return sorted(items)


urlpatterns = [path("app/<str:slug>/_order", order_page, name="desk-order")]
