"""Customize Form: a DocType's fields, standard and custom, edited live (System Manager)."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from lowcode.admin import customize as customize_actions
from lowcode.admin import options as option_actions
from lowcode.desk.lib import customize as desk_customize
from lowcode.desk.lib import form as form_lib
from lowcode.desk.lib import layout, nav
from lowcode.desk.lib.conditions import posted_condition
from lowcode.desk.views.common import desk_view, toast
from lowcode.exceptions import DoesNotExistError, ValidationError
from lowcode.i18n import _
from lowcode.meta import customize
from lowcode.meta.options import option_rows, posted_rows
from lowcode.meta.registry import get_meta

BASE = "/app/customize-form"
PAGE = "desk/admin/customize.html"
WORKSPACE = "desk/admin/customize_workspace.html"
EDITOR = "desk/admin/customize_editor.html"
# Field properties that are conditions over the document: built from rows (desk/pickers).
CONDITION_PROPS = ("depends_on", "mandatory_depends_on")


def _customised_fields(user: str, doctype: str) -> tuple[set[str], bool]:
    """Fields with Property Setters, and whether a saved field order exists (one query)."""
    setters = customize_actions.property_setters(user, doctype)
    fields = {s["field_name"] for s in setters if s["field_name"]}
    has_order = any(not s["field_name"] and s["property"] == customize.FIELD_ORDER for s in setters)
    return fields, has_order


def _preview(meta) -> dict:
    levels = frozenset(f.permlevel for f in meta.fields) | {0}
    return {
        "preview_tabs": layout.form_layout(meta, levels),
        # The preview shows every field the form can show, whatever its conditions say.
        "states": {f.fieldname: {"reqd": f.reqd, "read_only": False} for f in meta.fields},
        "values": {},
        "error_map": {},
        "writable_levels": levels,
        "can_write": True,
        "child_columns": {f.fieldname: form_lib.child_columns(f) for f in meta.table_fields},
    }


def _labels() -> dict[str, str]:
    """Input labels: the Custom Field DocType's own, translated."""
    meta = get_meta(customize.CUSTOM_FIELD)
    return {f.fieldname: _(f.label) for f in meta.fields if f.label}


def _form_choices(meta) -> dict:
    return {
        "labels": _labels(),
        "fieldtype_choices": [(t, _(t)) for t in customize.custom_field_types()],
        "insert_after_choices": [
            (f.fieldname, f"{_(f.label) if f.label else _(f.fieldtype)} ({f.fieldname})")
            for f in meta.fields
        ],
        "fieldname_hint": _("Leave empty to use custom_ and the label's Latin letters"),
        "options_hint": _("Select: one option per line. Link: the DocType to link to."),
        "condition_hint": _("e.g. eval:doc.status=='Open'"),
        "option_hint": _(
            "One row per option: the value is stored (leave it empty to make one from the "
            "label); the Chinese label is what people read."
        ),
    }


def _context(user: str, doctype: str, **extra) -> dict:
    meta = get_meta(doctype)
    customised, has_order = _customised_fields(user, doctype)
    last = meta.fields[-1].fieldname if meta.fields else ""
    context = {
        **_form_choices(meta),
        "active_nav": "customize-form",
        "doctype": doctype,
        "slug": nav.slug(doctype),
        "base": f"{BASE}/{nav.slug(doctype)}",
        "meta": meta,
        "rows": desk_customize.field_rows(meta, customised),
        "has_order": has_order,
        "fieldtypes": customize.custom_field_types(),
        "add_values": {"fieldtype": "Data", "insert_after": last},
        "add_errors": {},
        "add_option_rows": _with_blank([]),
        "editing": None,
        **_preview(meta),
    }
    context.update(extra)
    return context


def _error_map(exc: ValidationError) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in exc.errors:
        key = error.fieldname if error.fieldname in customize.CUSTOM_FIELD_INPUTS else "general"
        found.setdefault(key, []).append(error.message)
    if not found:
        found["general"] = [str(exc)]
    return found


def _workspace(request, user, doctype, message: str = "", colour: str = "green", **extra):
    response = render(request, WORKSPACE, _context(user, doctype, **extra))
    return toast(response, message, colour) if message else response


def _editor_context(
    meta, fieldname: str, values: dict | None = None, errors=None, rows=None
) -> dict:
    field = meta.get_field(fieldname)
    if field is None:
        raise DoesNotExistError(
            _("Field {field} does not exist in {doctype}", field=fieldname, doctype=meta.name)
        )
    standard = None if field.is_custom else customize.standard_field(meta.name, fieldname)
    current = {
        key: customize.property_value(field, key)
        for key in (*customize.CUSTOM_FIELD_INPUTS, "fieldtype")
        if key not in ("insert_after", "fieldname")
    }
    current["insert_after"] = field.raw.get("insert_after") or ""
    return {
        # a Select's options as rows: the stored value and the Chinese label shown for it
        "option_rows": _with_blank(
            rows
            if rows is not None
            else option_rows(meta.name, fieldname, current.get("options") or field.options)
        ),
        "field": field,
        "standard": standard,
        "props": customize.CUSTOM_FIELD_INPUTS
        if field.is_custom
        else customize.editable_properties(field),
        "values": {**current, **(values or {})},
        "errors": errors or {},
        # Labels are English sources translated on display; say what users read.
        "label_hint": _("Shown as {label}", label=_(field.label))
        if field.label and _(field.label) != field.label
        else "",
    }


def _select_rows(post, fieldtype: str | None) -> list[dict] | None:
    """A Select's option rows as posted (``opt.<n>.value`` / ``opt.<n>.label``), else None:
    other types keep the options textarea (a Link's DocType), and so does a Select whose rows
    are all empty while the textarea has lines (a page without scripts shows both)."""
    rows = posted_rows(post) if fieldtype == "Select" else None
    if rows is not None and not any(r["value"] or r["label"] for r in rows):
        return None if (post.get("options") or "").strip() else rows
    return rows


def _with_blank(rows: list[dict]) -> list[dict]:
    """Rows to edit plus empty ones to fill (two for a new list, one after existing options),
    so options can be added without scripts too."""
    blank = [{"value": "", "label": ""} for _ in range(1 if rows else 2)]
    return [*[r for r in rows if r.get("value") or r.get("label")], *blank]


@desk_view
def pick_page(request, user):
    nav.require_system_manager(user)
    entries = [
        {"doctype": name, "label": _(name), "slug": nav.slug(name)}
        for name in customize.customizable_doctypes()
    ]
    entries.sort(key=lambda e: (get_meta(e["doctype"]).module in nav.SETTINGS_MODULES, e["label"]))
    return render(
        request,
        "desk/admin/customize_pick.html",
        {"active_nav": "customize-form", "entries": entries},
    )


@desk_view
def customize_page(request, user, slug):
    doctype = desk_customize.customizable_doctype(user, slug)
    return render(request, PAGE, _context(user, doctype))


@desk_view
def preview(request, user, slug):
    doctype = desk_customize.customizable_doctype(user, slug)
    return render(request, "desk/admin/customize_preview.html", _context(user, doctype))


@desk_view
def field_editor(request, user, slug, fieldname):
    """GET: the edit form of one field. POST: save it (Custom Field or Property Setters)."""
    doctype = desk_customize.customizable_doctype(user, slug)
    meta = get_meta(doctype)
    if request.method != "POST":
        editing = _editor_context(meta, fieldname)
        return render(request, EDITOR, {**_context(user, doctype), "editing": editing})
    field = meta.get_field(fieldname)
    values = {
        key: request.POST.get(key, "")
        for key in request.POST
        if key != "csrfmiddlewaretoken" and "__" not in key and "." not in key
    }
    for name in CONDITION_PROPS:  # built from rows: written as Frappe's eval: condition
        if name in values:
            values[name] = posted_condition(request.POST, name, doctype, frappe_eval=True)
    rows = _select_rows(request.POST, values.get("fieldtype") or (field and field.fieldtype))
    try:
        if rows is not None:
            option_actions.do_save_field_with_options(user, doctype, fieldname, values, rows)
        elif field is not None and field.is_custom:
            customize_actions.do_update_custom_field(user, doctype, fieldname, values)
        else:
            customize_actions.do_set_field_properties(user, doctype, fieldname, values)
    except ValidationError as exc:
        editing = _editor_context(meta, fieldname, values, _error_map(exc), rows)
        return _workspace(request, user, doctype, str(exc), "red", editing=editing)
    return _workspace(
        request,
        user,
        doctype,
        _("Saved: {field}", field=_(field.label) if field and field.label else fieldname),
    )


@desk_view
@require_POST
def add_field(request, user, slug):
    doctype = desk_customize.customizable_doctype(user, slug)
    values = {
        key: request.POST.get(key, "")
        for key in customize.CUSTOM_FIELD_INPUTS
        if key in request.POST
    }
    rows = _select_rows(request.POST, values.get("fieldtype"))
    try:
        if rows is not None:
            doc = option_actions.do_add_field_with_options(user, doctype, values, rows)
        else:
            doc = customize_actions.do_add_custom_field(user, doctype, values)
    except ValidationError as exc:
        return _workspace(
            request,
            user,
            doctype,
            str(exc),
            "red",
            add_values=values,
            add_errors=_error_map(exc),
            add_option_rows=_with_blank(rows or []),
        )
    return _workspace(
        request, user, doctype, _("Field {field} added", field=doc.label or doc.fieldname)
    )


@desk_view
@require_POST
def delete_field(request, user, slug, fieldname):
    doctype = desk_customize.customizable_doctype(user, slug)
    customize_actions.do_delete_custom_field(user, doctype, fieldname)
    return _workspace(request, user, doctype, _("Field {field} deleted", field=fieldname))


@desk_view
@require_POST
def reset_field(request, user, slug, fieldname):
    doctype = desk_customize.customizable_doctype(user, slug)
    customize_actions.do_reset_field(user, doctype, fieldname)
    return _workspace(request, user, doctype, _("Field {field} is standard again", field=fieldname))


@desk_view
@require_POST
def move_field(request, user, slug):
    doctype = desk_customize.customizable_doctype(user, slug)
    customize_actions.do_move_field(
        user, doctype, request.POST.get("fieldname", ""), request.POST.get("direction", "")
    )
    return _workspace(request, user, doctype)


@desk_view
@require_POST
def set_order(request, user, slug):
    """The order after a drag (SortableJS): every fieldname, as a JSON list or repeated."""
    doctype = desk_customize.customizable_doctype(user, slug)
    order = request.POST.getlist("order")
    if request.POST.get("order_json"):
        try:
            order = json.loads(request.POST["order_json"])
        except ValueError:
            order = []
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
        return toast(HttpResponse(status=204), _("Invalid field order"), "red")
    customize_actions.do_set_field_order(user, doctype, order)
    return _workspace(request, user, doctype, _("Field order saved"))


@desk_view
@require_POST
def reset_order(request, user, slug):
    doctype = desk_customize.customizable_doctype(user, slug)
    customize_actions.do_reset_field_order(user, doctype)
    return _workspace(request, user, doctype, _("Standard field order restored"))


urlpatterns = [
    path("app/customize-form", pick_page, name="desk-customize-pick"),
    path("app/customize-form/<str:slug>", customize_page, name="desk-customize"),
    path("app/customize-form/<str:slug>/preview", preview, name="desk-customize-preview"),
    path("app/customize-form/<str:slug>/add", add_field, name="desk-customize-add"),
    path("app/customize-form/<str:slug>/move", move_field, name="desk-customize-move"),
    path("app/customize-form/<str:slug>/order", set_order, name="desk-customize-order"),
    path(
        "app/customize-form/<str:slug>/order/reset", reset_order, name="desk-customize-order-reset"
    ),
    path(
        "app/customize-form/<str:slug>/field/<str:fieldname>",
        field_editor,
        name="desk-customize-field",
    ),
    path(
        "app/customize-form/<str:slug>/field/<str:fieldname>/delete",
        delete_field,
        name="desk-customize-delete",
    ),
    path(
        "app/customize-form/<str:slug>/field/<str:fieldname>/reset",
        reset_field,
        name="desk-customize-reset",
    ),
]
