"""Server script editor (System Manager): the script with line numbers, a syntax check, save."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from lowcode.desk.lib import editors, nav, script_check
from lowcode.desk.lib import form as form_lib
from lowcode.desk.views.common import desk_view, go_to, toast
from lowcode.documents import actions
from lowcode.documents.actions import _user_info
from lowcode.exceptions import DuplicateEntryError, TimestampMismatchError, ValidationError
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc
from lowcode.query import reads
from lowcode.scripts import engine as script_engine

SCRIPT = "Server Script"
BASE = "/app/script-editor"
SAMPLE = "# doc is the document; frappe.throw(message) refuses the save\n"


@desk_view
def script_list(request, user):
    nav.require_system_manager(user)
    rows = reads.get_list(
        user,
        SCRIPT,
        fields=[
            "name",
            "script_type",
            "reference_doctype",
            "doctype_event",
            "api_method",
            "event_frequency",
            "disabled",
        ],
        order_by="modified desc",
        limit=500,
    )
    context = {"active_nav": SCRIPT, "rows": rows, "scripts_enabled": script_engine.enabled()}
    return render(request, "desk/admin/script_list.html", context)


def _context(user, name, values, errors=None, conflict="", script_errors=None):
    meta = get_meta(SCRIPT)
    field_errors, _rows = editors.placed_errors(errors, "")
    if script_errors is None and "script" in field_errors:
        script_errors = script_check.check_syntax(values.get("script") or "")
    return {
        "active_nav": SCRIPT,
        "name": name,
        "is_new": name is None,
        "values": values,
        "header": [f for f in editors.header_fields(meta) if f.fieldname != "script"],
        "error_map": {k: v for k, v in field_errors.items() if k != "script"},
        "errors": errors,
        "conflict": conflict,
        "script_errors": script_errors or [],
        "script_lines": range(1, (values.get("script") or "").count("\n") + 2),
        "error_lines": ",".join(str(e.line) for e in script_errors or [] if e.line),
        "states": form_lib.field_states(meta, values, _user_info(user)),
        "writable_levels": form_lib.writable_levels(user, meta, name is None),
        "can_write": True,
        "doctypes": editors.business_doctypes(),
        "scripts_enabled": script_engine.enabled(),
        "post_url": f"{BASE}/{name}" if name else f"{BASE}/new",
    }


def _render(request, context):
    if request.headers.get("HX-Request"):
        return render(request, "desk/admin/script_form.html", context)
    return render(request, "desk/admin/script_editor.html", context)


@desk_view
def script_editor(request, user, name=None):
    nav.require_system_manager(user)
    if request.method == "POST":
        return _save(request, user, name)
    if name is None:
        values = {"script_type": "DocType Event", "script": SAMPLE, **request.GET.dict()}
        return _render(request, _context(user, None, values))
    doc = access_doc(user, SCRIPT, name, "read")
    return _render(request, _context(user, name, reads.doc_to_dict(user, doc)))


def _save(request, user, name):
    data = form_lib.parse_post(get_meta(SCRIPT), request.POST, user, is_new=name is None)
    if name is None:
        data.pop("modified", None)
        data["name"] = request.POST.get("__newname", "").strip()
    stored = reads.doc_to_dict(user, access_doc(user, SCRIPT, name, "read")) if name else {}
    try:
        if name is None:
            doc = actions.do_insert_doc(user, SCRIPT, data)
        else:
            doc = actions.do_save_doc(user, SCRIPT, name, data)
    except (ValidationError, DuplicateEntryError) as exc:
        context = _context(user, name, {**stored, **data}, errors=exc)
        return toast(_render(request, context), str(exc), "red")
    except TimestampMismatchError as exc:
        context = _context(user, name, {**stored, **data}, conflict=str(exc))
        return toast(_render(request, context), str(exc), "red")
    return go_to(request, f"{BASE}/{doc.name}?saved=1")


@desk_view
@require_POST
def syntax_check(request, user):
    """Compile the posted script with the sandbox's compiler; nothing is saved or run."""
    nav.require_system_manager(user)
    errors = script_check.check_syntax(request.POST.get("script", ""))
    context = {
        "script_errors": errors,
        "checked": True,
        "error_lines": ",".join(str(e.line) for e in errors if e.line),
    }
    return render(request, "desk/admin/script_check.html", context)


urlpatterns = [
    path("app/script-editor", script_list, name="desk-script-list"),
    path("app/script-editor/new", script_editor, name="desk-script-new"),
    path("app/script-editor/_check", syntax_check, name="desk-script-check"),
    path("app/script-editor/<path:name>", script_editor, name="desk-script-editor"),
]
