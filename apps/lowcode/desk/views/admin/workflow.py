"""Workflow editor (System Manager): states, transitions, checks inline, a diagram."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from lowcode.desk.lib import editors, nav, workflow_diagram, workflow_editor
from lowcode.desk.lib import form as form_lib
from lowcode.desk.views.common import desk_view, go_to, toast
from lowcode.documents import actions
from lowcode.exceptions import DuplicateEntryError, TimestampMismatchError, ValidationError
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc
from lowcode.query import reads
from lowcode.workflow.engine import build_definition

WORKFLOW = "Workflow"
BASE = "/app/workflow-editor"
NEW_DEFAULTS = {
    "workflow_state_field": "workflow_state",
    "is_active": 0,
    "states": [
        {"state": "Draft", "doc_status": "0", "style": "Info"},
        {"state": "Approved", "doc_status": "1", "style": "Success", "is_final": 1},
    ],
    "transitions": [
        {
            "state": "Draft",
            "action": "Approve",
            "next_state": "Approved",
            "allowed": "System Manager",
        },
    ],
}


@desk_view
def workflow_list(request, user):
    nav.require_system_manager(user)
    rows = reads.get_list(
        user,
        WORKFLOW,
        fields=["name", "document_type", "is_active", "is_customised", "modified"],
        order_by="document_type asc",
        limit=500,
    )
    return render(request, "desk/admin/workflow_list.html", {"active_nav": WORKFLOW, "rows": rows})


def _context(user, name, values, definition, issues=None, validated=False, conflict=""):
    return {
        "active_nav": WORKFLOW,
        "name": name,
        "is_new": name is None,
        "values": values,
        "states": workflow_editor.editor_rows(values.get("states"), "Workflow Document State"),
        "transitions": workflow_editor.editor_rows(
            values.get("transitions"), "Workflow Transition"
        ),
        "issues": issues or workflow_editor.Issues(),
        "validated": validated,
        "conflict": conflict,
        "diagram": workflow_diagram.render_svg(definition),
        "doctypes": editors.business_doctypes(),
        "roles": editors.role_names(),
        "choices": _choices(),
        "post_url": f"{BASE}/{name}" if name else f"{BASE}/new",
    }


def _options(doctype: str, fieldname: str) -> list[str]:
    field = get_meta(doctype).get_field(fieldname)
    return field.select_options if field is not None else []


def _choices() -> dict:
    state, transition = "Workflow Document State", "Workflow Transition"
    return {
        "doc_status": _options(state, "doc_status"),
        "style": _options(state, "style"),
        "approver_type": _options(transition, "approver_type"),
        "approval_mode": [
            (mode, workflow_diagram.mode_label(mode) or _(mode))
            for mode in _options(transition, "approval_mode")
        ],
        # 会签 slots of a Role-routed step: one per approver, or one per listed role
        "approver_slots": [
            (slots, _("One per role") if slots == "Role" else _("One per approver"))
            for slots in _options(transition, "approver_slots")
        ],
    }


def _render(request, context, status=200):
    if request.headers.get("HX-Request"):
        return render(request, "desk/admin/workflow_form.html", context, status=status)
    return render(request, "desk/admin/workflow_editor.html", context, status=status)


@desk_view
def workflow_editor_page(request, user, name=None):
    nav.require_system_manager(user)
    if request.method == "POST":
        return _save(request, user, name)
    if name is None:
        values = {**NEW_DEFAULTS, "document_type": request.GET.get("document_type", "")}
        definition, _issues = workflow_editor.check_draft(user, None, values)
        return _render(request, _context(user, None, values, definition))
    doc = access_doc(user, WORKFLOW, name, "read")
    values = reads.doc_to_dict(user, doc)
    return _render(request, _context(user, name, values, build_definition(doc)))


def _posted(request, user, name):
    meta = get_meta(WORKFLOW)
    return form_lib.parse_post(meta, request.POST, user, is_new=name is None)


def _values(user, name, data):
    """What the page shows after a post: the stored record under the posted input."""
    stored = reads.doc_to_dict(user, access_doc(user, WORKFLOW, name, "read")) if name else {}
    return {**stored, **data}


def _save(request, user, name):
    data = _posted(request, user, name)
    try:
        if name is None:
            data.pop("modified", None)
            doc = actions.do_insert_doc(user, WORKFLOW, data)
        else:
            doc = actions.do_save_doc(user, WORKFLOW, name, data)
    except (ValidationError, DuplicateEntryError) as exc:
        # The action rolled everything back; the same checks, run read-only on the posted
        # definition, say which row each problem is about.
        definition, issues = workflow_editor.check_draft(user, name, data)
        if not issues:
            issues = workflow_editor.place(definition, exc.errors, [])
            if not issues:
                issues.summary.append(workflow_editor.Issue(exc.exc_type, str(exc)))
        context = _context(user, name, _values(user, name, data), definition, issues)
        return toast(
            _render(request, context), _("Not saved: please fix the problems shown"), "red"
        )
    except TimestampMismatchError as exc:
        definition, issues = workflow_editor.check_draft(user, name, data)
        values = _values(user, name, data)
        context = _context(user, name, values, definition, issues, conflict=str(exc))
        return toast(_render(request, context), str(exc), "red")
    return go_to(request, f"{BASE}/{doc.name}?saved=1")


@desk_view
@require_POST
def workflow_validate(request, user):
    """Run every check a save runs on the posted definition; write nothing."""
    nav.require_system_manager(user)
    name = request.POST.get("__name") or None
    data = _posted(request, user, name)
    definition, issues = workflow_editor.check_draft(user, name, data)
    context = _context(user, name, _values(user, name, data), definition, issues, validated=True)
    message = _("No problems found") if not issues else _("Problems found: see below")
    return toast(_render(request, context), message, "red" if issues else "green")


urlpatterns = [
    path("app/workflow-editor", workflow_list, name="desk-workflow-list"),
    path("app/workflow-editor/new", workflow_editor_page, name="desk-workflow-new"),
    path("app/workflow-editor/_validate", workflow_validate, name="desk-workflow-validate"),
    path("app/workflow-editor/<path:name>", workflow_editor_page, name="desk-workflow-editor"),
]
