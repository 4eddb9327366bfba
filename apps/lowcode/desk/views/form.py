"""Form view for any DocType: layout from metadata, save, workflow actions, timeline."""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from lowcode.desk import actions as desk_actions
from lowcode.desk.lib import form as form_lib
from lowcode.desk.lib import form_actions, layout, link_titles, summary, timeline
from lowcode.desk.views.common import desk_view, doctype_from_slug, go_to, toast
from lowcode.documents import actions
from lowcode.documents.actions import _user_info
from lowcode.exceptions import (
    DoesNotExistError,
    DuplicateEntryError,
    TimestampMismatchError,
    ValidationError,
)
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import (
    access_doc,
    has_doctype_permission,
    has_permission,
    permitted_levels,
)
from lowcode.printing.render import print_formats_for
from lowcode.query import connections, reads
from lowcode.query.serialize import to_json
from lowcode.workflow import engine as workflow_engine

LINK_OPTIONS = 20


def _defaults(meta, user) -> dict:
    from lowcode.storage.validation import resolve_default

    data: dict = {}
    for f in meta.data_fields:
        value = resolve_default(f, user)
        if value is not None:
            data[f.fieldname] = to_json(value)
    return data


def _context(request, user, doctype, slug, values, doc=None, errors=None, conflict=None):
    meta = get_meta(doctype)
    extra = form_lib.extension(user, meta, doc, values)
    grid_columns = extra.pop("columns")
    is_new = doc is None
    levels = permitted_levels(user, doctype, "read") | (
        permitted_levels(user, doctype, "create") if is_new else frozenset()
    )
    writable = form_lib.writable_levels(user, meta, is_new, doc)
    can_write = is_new or has_permission(user, doc, "write")
    workflow = workflow_engine.get_workflow(doctype)
    states = form_lib.field_states(meta, values, _user_info(user))
    form_lib.apply_extension_states(states, extra)
    if workflow is not None and workflow.state_field in states:
        states[workflow.state_field]["read_only"] = True  # moved only by workflow actions
    for fieldname in workflow.status_fields if workflow is not None else ():
        # a status the states write follows the state (workflow.actions.align_status_fields)
        states.setdefault(fieldname, {})["read_only"] = True
    frozen = False
    transitions = []
    colour = ""
    progress = None
    figures: list[dict] = []
    if doc is not None:
        if doc.docstatus == 2:
            frozen = True
        if doc.docstatus == 1:
            # As the save path enforces: a submitted document changes only in its
            # allow_on_submit fields; without any, it has nothing to save.
            on_submit = {
                f.fieldname for f in [*meta.data_fields, *meta.table_fields] if f.allow_on_submit
            }
            for f in [*meta.data_fields, *meta.table_fields]:
                if f.fieldname not in on_submit:
                    states.setdefault(f.fieldname, {})["read_only"] = True
            frozen = frozen or not any(
                not (meta.get_field(n).read_only or states.get(n, {}).get("read_only"))
                for n in on_submit
            )
        if workflow is not None:
            # The state's allow_edit / editable_fields and an open approval's routing fields,
            # exactly as the workflow's save guard enforces them.
            limits = workflow_engine.edit_limits(user, doc)
            frozen = frozen or bool(limits.frozen_by)
            for fieldname in limits.locked | limits.routing:
                states.setdefault(fieldname, {})["read_only"] = True
            transitions = workflow_engine.get_transitions(user, doc)
            colour = workflow_engine.colour(workflow, doc)
            progress = workflow_engine.approval_progress(doc)
            if any(t.approver_type for t in transitions):  # a decision to take, not a withdrawal
                figures = form_lib.approval_figures(
                    workflow, workflow_engine.current_state(workflow, doc), meta, doc, levels
                )
    # Messages by field; a child row's error shows on its table and on the row and cell it
    # names (never on a parent field that happens to share the row field's name, as a
    # receipt's allocated_amount total does its rows').
    error_map: dict[str, list[str]] = {}
    row_errors: dict[str, dict[int, dict[str, list[str]]]] = {}
    for e in errors.errors if errors else []:
        table = getattr(e, "table", None)
        if table and table in {f.fieldname for f in meta.table_fields}:
            # next to the table (for screen readers only when the rows say it: field.html)
            error_map.setdefault(table, []).append(e.message)
            if e.row:
                cells = row_errors.setdefault(table, {}).setdefault(int(e.row), {})
                cells.setdefault(e.fieldname, []).append(e.message)
            continue
        error_map.setdefault(e.fieldname, []).append(e.message)
        if table:
            error_map.setdefault(table, []).append(e.message)
    return {
        "active_nav": doctype,
        "doctype": doctype,
        "slug": slug,
        "meta": meta,
        "doc": doc,
        "is_new": is_new,
        "values": values,
        "tabs": layout.form_layout(meta, levels),
        "states": states,
        "writable_levels": writable,
        "can_write": can_write and not frozen,
        # a submitted document is cancelled before it may be deleted (do_delete_doc)
        "can_delete": doc is not None
        and doc.docstatus != 1
        and has_permission(user, doc, "delete"),
        "can_submit": doc is not None
        and meta.is_submittable
        and doc.docstatus == 0
        and workflow is None
        and has_permission(user, doc, "submit"),
        "can_cancel": doc is not None
        and meta.is_submittable
        and doc.docstatus == 1
        and workflow is None
        and has_permission(user, doc, "cancel"),
        # A cancelled document of a DocType keeping revisions (documents/actions.do_amend_doc).
        "can_amend": doc is not None
        and doc.docstatus == 2
        and actions.is_amendable(meta)
        and has_doctype_permission(user, doctype, "create")
        and has_permission(user, doc, "write"),
        "workflow": workflow,
        "transitions": transitions,
        "workflow_colour": colour,
        "workflow_progress": progress,
        "workflow_state": values.get(workflow.state_field) if workflow else "",
        "errors": errors,
        "error_map": error_map,
        "row_errors": row_errors,
        "approval_figures": figures,
        "conflict": conflict,
        "timeline": timeline.timeline(user, meta, doc) if doc is not None else [],
        "title": (values.get(meta.title_field) if meta.title_field else None)
        or (doc.name if doc else _("New {doctype}", doctype=_(doctype))),
        "child_columns": {
            f.fieldname: form_lib.child_columns(f, grid_columns.get(f.fieldname))
            for f in meta.table_fields
        },
        # The connections page (lowcode.query.connections) when any DocType links here.
        "has_connections": doc is not None and bool(connections.sections(doctype)),
        # A DocType with an enabled print format gets 打印 / 发送邮件 (desk/views/printing.py).
        "has_print_format": doc is not None and bool(print_formats_for(doctype)),
        "location_pairs": form_lib.location_pairs(doctype),
        # Link fields show the linked record's title next to (or as) the name they hold.
        "link_titles": link_titles.doc_titles(user, values, meta.data_fields),
        **_title_child_rows(user, meta, values),
        **_form_actions(user, doctype, doc, values, transitions),
        **extra,
        # autoname "prompt" (a DocType's name): the user types the new record's name
        "name_prompt": is_new and form_lib.is_prompted(meta),
        **_summary(meta, doc, levels, workflow, errors or conflict),
    }


def _title_child_rows(user, meta, values) -> dict:
    """Child rows' Link cells show titles too (李娜, not li.na): each row gets ``desk_titles``,
    one query per target DocType for all the rows of a table (link_titles.annotate)."""
    for f in meta.table_fields:
        rows = [r for r in values.get(f.fieldname) or [] if isinstance(r, dict)]
        if rows and f.options and registry.exists(f.options):
            link_titles.annotate(user, rows, get_meta(f.options).data_fields)
    return {}


def _summary(meta, doc, levels, workflow, trouble) -> dict:
    """A saved record whose DocType marks ``in_preview`` fields opens read-first on a phone:
    its summary card, the form behind 编辑 (desk/lib/summary.py). A post that failed shows
    the form at once, open where the errors are."""
    if doc is None or trouble:
        return {"reading": False}
    skip = {meta.title_field or "", workflow.state_field if workflow else ""}
    fields = summary.preview_fields(meta, levels, skip)
    if not fields:
        return {"reading": False}
    return {
        "reading": True,
        "summary_fields": fields,
        "summary_owner": summary.owner_row(fields, doc),
    }


def _form_actions(user, doctype, doc, values, transitions) -> dict:
    """The hook-declared actions the user may run on this document now (desk/lib/form_actions);
    a workflow step one of them stands for loses its bare button."""
    shown = form_actions.available(user, doctype, doc, values)
    replaced = form_actions.replaced_transitions(shown)
    return {
        "form_actions": shown,
        "transitions": [t for t in transitions if t.action not in replaced],
    }


@desk_view
def form_page(request, user, slug, name=None):
    doctype = doctype_from_slug(slug)
    meta = get_meta(doctype)
    if name is None and not has_doctype_permission(user, doctype, "create"):
        from lowcode.exceptions import PermissionError

        raise PermissionError(
            _("No permission to {ptype} {doctype}", ptype=_("create"), doctype=_(doctype))
        )
    if request.method == "POST":
        return _save(request, user, doctype, slug, name)
    if name is None:
        values = {**_defaults(meta, user), **form_lib.extension_defaults(user, meta)}
        values.update({k: v for k, v in request.GET.items() if meta.has_field(k)})
        mapped = _mapped(request, user, doctype)
        values.update(mapped)
        context = _context(request, user, doctype, slug, values)
        context["carried"] = _carried(meta, mapped)
        return render(request, "desk/form.html", context)
    doc = access_doc(user, doctype, name, "read")
    values = reads.doc_to_dict(user, doc)
    return render(request, "desk/form.html", _context(request, user, doctype, slug, values, doc))


def _mapped(request, user, doctype) -> dict:
    """A mapping action's new form: the target the mapping makes from its source (fields and
    child rows; lowcode.documents.mapping checks read, create and the source's state)."""
    from lowcode.documents import mapping as mapping_lib
    from lowcode.meta.mappings import get_mapping

    key = request.GET.get(form_actions.MAPPING_PARAM)
    if not key:
        return {}
    found = get_mapping(key)
    if found is None or found.target != doctype:
        raise DoesNotExistError(_("Method {method} not found", method=key))
    data = mapping_lib.do_make_mapped_doc(user, key, request.GET.get(form_actions.SOURCE_PARAM, ""))
    meta = get_meta(doctype)
    values = {k: v for k, v in data.items() if meta.has_field(k)}
    for field in meta.table_fields:
        # Rows not saved yet have no name; the grid posts an empty one.
        values[field.fieldname] = [{**row, "name": ""} for row in values.get(field.fieldname) or []]
    return values


def _carried(meta, mapped: dict) -> list[tuple[str, object, str]]:
    """Mapped values posted as hidden inputs ahead of the form's own (an input shown later in
    the form wins), so a read-only or hidden field the mapping filled (the link back to the
    source) is saved too."""
    return [
        (f.fieldname, mapped[f.fieldname], f.fieldtype)
        for f in meta.data_fields
        if mapped.get(f.fieldname) not in (None, "") and f.fieldtype not in ("JSON", "Geolocation")
    ]


def _save(request, user, doctype, slug, name):
    meta = get_meta(doctype)
    data = form_lib.parse_post(meta, request.POST, user, is_new=name is None)
    if name is not None and request.POST.get("__overwrite") == "1":
        # The user saw the conflict and chose to save over the other version.
        data["modified"] = request.POST.get("__current_modified")
    try:
        if name is None:
            data.pop("modified", None)
            doc = actions.do_insert_doc(user, doctype, data)
        else:
            doc = actions.do_save_doc(user, doctype, name, data)
    except (ValidationError, DuplicateEntryError) as exc:
        # a unique field's value taken by another record is shown on that field too
        doc = access_doc(user, doctype, name, "read") if name else None
        values = {**(reads.doc_to_dict(user, doc) if doc else {}), **data}
        context = _context(request, user, doctype, slug, values, doc, errors=exc)
        if doc is None:
            context["carried"] = _carried(meta, data)  # what a mapping filled stays posted
        response = render(request, "desk/form_body.html", context, status=200)
        return toast(response, str(exc), "red")
    except TimestampMismatchError as exc:
        doc = access_doc(user, doctype, name, "read")
        theirs = reads.doc_to_dict(user, doc)
        values = {**theirs, **data, "modified": theirs["modified"]}
        conflict = {
            "message": str(exc),
            "modified_by": doc.modified_by,
            "modified": theirs["modified"],
        }
        context = _context(request, user, doctype, slug, values, doc, conflict=conflict)
        # The user's input stays on the page; "modified" is now current, so saving again is an
        # explicit choice to overwrite, and reloading shows the other person's version.
        context["values"] = {**values, "modified": data.get("modified")}
        return render(request, "desk/form_body.html", context, status=200)
    # A form shown elsewhere (the follow-up sheet after a call, static/desk/flow.js) returns to
    # the record it was opened from; only a desk path, never another site.
    back = request.POST.get("__return", "")
    response = go_to(request, back if form_lib.is_desk_path(back) else f"/app/{slug}/{doc.name}")
    warnings = doc.__dict__.get("server_messages") or []
    if warnings:
        # Saved with a warning (a rule's step refused, a possible duplicate): shown on the page
        # the user lands on (form_actions.js / flow.js keep it across the redirect).
        response["HX-Trigger"] = json.dumps(
            {"desk:flash": {"message": " ".join(map(str, warnings)), "colour": "orange"}}
        )
    return response


@desk_view
@require_POST
def form_state(request, user, slug):
    """Re-evaluate depends_on / mandatory_depends_on / read_only_depends_on for posted values."""
    doctype = doctype_from_slug(slug)
    meta = get_meta(doctype)
    values = {
        f.fieldname: request.POST.getlist(f.fieldname)[-1]
        for f in meta.data_fields
        if f.fieldname in request.POST
    }
    states = form_lib.field_states(meta, values, _user_info(user))
    # what the form's extension fixes stays so while the user types (the form drew it so)
    form_lib.apply_extension_states(states, form_lib.extension(user, meta, None, values))
    return JsonResponse(states)


@desk_view
@require_POST
def workflow_action(request, user, slug, name):
    from lowcode.workflow.actions import do_apply_workflow

    doctype = doctype_from_slug(slug)
    try:
        do_apply_workflow(
            user,
            doctype,
            name,
            request.POST.get("action", ""),
            request.POST.get("comment", ""),
            request.POST.get("reason", ""),
            request.POST.get("risk_note", ""),
        )
    except ValidationError as exc:
        response = HttpResponse(
            format_html('<p class="alert alert-red" role="alert">{}</p>', str(exc)), status=200
        )
        response["HX-Retarget"] = "#workflow-errors"
        return toast(response, str(exc), "red")
    return go_to(request, f"/app/{slug}/{name}")


@desk_view
@require_POST
def doc_command(request, user, slug, name, command):
    """Submit, cancel, amend or delete a document."""
    doctype = doctype_from_slug(slug)
    try:
        if command == "delete":
            actions.do_delete_doc(user, doctype, name)
            target = f"/app/{slug}"
        elif command == "submit":
            # The button posts the form: its version stamp refuses a stale copy (not ``{}``,
            # which no stored version ever equals: every desk submit was a conflict).
            actions.do_submit_doc(user, doctype, name, request.POST.get("modified") or None)
            target = f"/app/{slug}/{name}"
        elif command == "cancel":
            actions.do_cancel_doc(user, doctype, name)
            target = f"/app/{slug}/{name}"
        elif command == "amend":
            amended = actions.do_amend_doc(user, doctype, name)
            target = f"/app/{slug}/{amended.name}"
        else:
            raise ValidationError(_("Unknown command {command}", command=command))
    except ValidationError as exc:
        return toast(HttpResponse(status=204), str(exc), "red")
    return go_to(request, target)


@desk_view
@require_POST
def add_comment(request, user, slug, name):
    doctype = doctype_from_slug(slug)
    try:
        desk_actions.do_add_comment(user, doctype, name, request.POST.get("content", ""))
    except ValidationError as exc:
        return toast(HttpResponse(status=204), str(exc), "red")
    return go_to(request, f"/app/{slug}/{name}#timeline")


@desk_view
def link_options(request, user):
    """Search-as-you-type for Link fields: matching names and titles the user may read."""
    from lowcode.desk.lib.listing import search_filters, title_field
    from lowcode.query.builder import ColumnSet

    target = request.GET.get("doctype", "")
    text = (request.GET.get("q") or request.GET.get(request.GET.get("field", ""), "") or "").strip()
    if not registry.exists(target):
        raise DoesNotExistError(_("DocType {doctype} not found", doctype=target))
    meta = get_meta(target)
    columns = ColumnSet(meta, user)
    title = title_field(meta)
    rows = reads.get_list(
        user,
        target,
        fields=list(dict.fromkeys(["name", title])),
        or_filters=search_filters(meta, columns, text) or None,
        limit=LINK_OPTIONS,
    )
    options = "".join(
        format_html('<option value="{}">{}</option>', r["name"], r.get(title) or "") for r in rows
    )
    return HttpResponse(options)


@desk_view
@require_POST
def upload(request, user):
    """Store an upload (Attach / Attach Image / Signature pad) and return its URL."""
    from lowcode.files import do_upload_file

    upload_file = request.FILES.get("file")
    if upload_file is None:
        return JsonResponse({"error": _("No file was uploaded")}, status=417)
    try:
        file_doc = do_upload_file(
            user, upload_file, is_private=request.POST.get("is_private", "1") == "1"
        )
    except ValidationError as exc:
        return JsonResponse({"error": str(exc)}, status=417)
    return JsonResponse({"file_url": file_doc.file_url, "file_name": file_doc.file_name})
