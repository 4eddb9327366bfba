"""Rule editors (System Manager): a hub, and editors for scoring, assignment and duplicate rules.

SLA Rules and Working Calendars open in the generic form, which already edits them well.
Each dedicated editor shows the rule's fields and its rows as cards, and a read-only test:
a document's score and why, a value checked against existing records, each user's load.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from lowcode.desk.lib import editors, nav, rules_editor
from lowcode.desk.lib import form as form_lib
from lowcode.desk.views.common import desk_view, go_to, toast
from lowcode.documents import actions
from lowcode.documents.actions import _user_info
from lowcode.exceptions import (
    DoesNotExistError,
    DuplicateEntryError,
    TimestampMismatchError,
    ValidationError,
)
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc
from lowcode.query import reads
from lowcode.rules import scoring

# kind in the URL → (DocType, its rows' table field, what the side panel offers)
EDITORS = {
    "scoring": ("Scoring Rule", "criteria"),
    "assignment": ("Assignment Rule", "users"),
    "duplicate": ("Duplicate Rule", "fields"),
}
HUB = [
    ("Scoring Rule", "scoring", "Points per criterion; test the score of any document."),
    ("Assignment Rule", "assignment", "Who gets new documents; see each user's open load."),
    ("Duplicate Rule", "duplicate", "Fields compared after normalising; test a value."),
    ("SLA Rule", "", "Deadlines in working hours and who is told when they pass."),
    ("Working Calendar", "", "Working days, hours and holidays the SLA rules count in."),
    (
        "Workflow Action Rule",
        "",
        "Saving one document takes a workflow step on the one it links to, as the same user.",
    ),
]
HUB_ROWS = 50


def _title_field(doctype: str) -> str:
    return get_meta(doctype).title_field or "name"


@desk_view
def rules_hub(request, user):
    nav.require_system_manager(user)
    cards = []
    for doctype, kind, blurb in HUB:
        title = _title_field(doctype)
        fields = list(dict.fromkeys(["name", title, "document_type", "enabled"]))
        if doctype == "Working Calendar":
            fields = ["name", title]
        rows = reads.get_list(
            user, doctype, fields=fields, order_by="modified desc", limit=HUB_ROWS
        )
        base = f"/app/rules/{kind}" if kind else f"/app/{nav.slug(doctype)}"
        cards.append(
            {
                "doctype": doctype,
                "blurb": blurb,
                "base": base,
                "rows": [{**r, "title": r.get(title) or r["name"]} for r in rows],
            }
        )
    return render(request, "desk/admin/rules_hub.html", {"active_nav": "rules", "cards": cards})


def _kind(kind: str) -> tuple[str, str]:
    if kind not in EDITORS:
        raise DoesNotExistError(_("Not found, or you may not see it"))
    return EDITORS[kind]


def _context(user, kind, name, values, errors=None, conflict=""):
    doctype, table = _kind(kind)
    meta = get_meta(doctype)
    table_field = meta.get_field(table)
    table_meta = get_meta(table_field.options or "") if table_field else meta
    field_errors, row_errors = editors.placed_errors(errors, table)
    target = values.get("document_type") or ""
    context = {
        "active_nav": "rules",
        "kind": kind,
        "doctype": doctype,
        "name": name,
        "is_new": name is None,
        "values": values,
        "title": values.get(_title_field(doctype))
        or name
        or _("New {doctype}", doctype=_(doctype)),
        "header": editors.header_fields(meta),
        "table": table,
        "table_label": table_field.label if table_field else "",
        "cols": editors.row_fields(table_meta),
        "rows": _rows(values.get(table), table_meta),
        "row_errors": row_errors,
        "error_map": field_errors,
        "errors": errors,
        "conflict": conflict,
        "states": form_lib.field_states(meta, values, _user_info(user)),
        "writable_levels": form_lib.writable_levels(user, meta, name is None),
        "can_write": True,
        "doctypes": editors.business_doctypes(),
        "target_fields": editors.field_names(target),
        "post_url": f"/app/rules/{kind}/{name}" if name else f"/app/rules/{kind}/new",
    }
    if kind == "assignment":
        context["users"] = editors.active_users()
    if kind == "scoring" and target:
        context["rescore"] = _rescore_context(target)
    return context


def _rescore_context(doctype: str) -> dict:
    progress = scoring.rescore_progress(doctype) or {}
    total, done = progress.get("total"), progress.get("done") or 0
    return {
        **progress,
        "doctype": doctype,
        "running": progress.get("state") in ("queued", "running"),
        "percent": round(100 * done / total) if total else (100 if progress else 0),
    }


def _rows(rows, table_meta) -> list[dict]:
    checks = {f.fieldname for f in table_meta.data_fields if f.fieldtype == "Check"}
    shaped = []
    for row in rows or []:
        item = dict(row)
        for fieldname in checks:
            item[fieldname] = str(item.get(fieldname) or "0") not in ("0", "False", "false")
        shaped.append(item)
    return shaped


def _render(request, context):
    template = "desk/admin/rules_form.html" if request.headers.get("HX-Request") else None
    return render(request, template or "desk/admin/rules_editor.html", context)


@desk_view
def rule_editor(request, user, kind, name=None):
    nav.require_system_manager(user)
    doctype, _table = _kind(kind)
    if request.method == "POST":
        return _save(request, user, kind, name)
    if name is None:
        values = {"enabled": 1, **request.GET.dict()}
        for f in get_meta(doctype).data_fields:
            if f.default is not None and f.fieldname not in values:
                values[f.fieldname] = f.default
        context = _context(user, kind, None, values)
    else:
        doc = access_doc(user, doctype, name, "read")
        context = _context(user, kind, name, reads.doc_to_dict(user, doc))
        if kind == "assignment":
            context["load"] = rules_editor.pool_load(doc)
    return _render(request, context)


def _posted(request, user, doctype, name):
    return form_lib.parse_post(get_meta(doctype), request.POST, user, is_new=name is None)


def _values(user, doctype, name, data):
    stored = reads.doc_to_dict(user, access_doc(user, doctype, name, "read")) if name else {}
    return {**stored, **data}


def _save(request, user, kind, name):
    doctype, _table = _kind(kind)
    data = _posted(request, user, doctype, name)
    try:
        if name is None:
            data.pop("modified", None)
            doc = actions.do_insert_doc(user, doctype, data)
        else:
            doc = actions.do_save_doc(user, doctype, name, data)
    except (ValidationError, DuplicateEntryError) as exc:
        context = _context(user, kind, name, _values(user, doctype, name, data), errors=exc)
        return toast(_render(request, context), str(exc), "red")
    except TimestampMismatchError as exc:
        context = _context(user, kind, name, _values(user, doctype, name, data), conflict=str(exc))
        return toast(_render(request, context), str(exc), "red")
    return go_to(request, f"/app/rules/{kind}/{doc.name}?saved=1")


@desk_view
@require_POST
def score_test(request, user):
    """Score a document under the posted (unsaved) criteria; write nothing, no Score Log."""
    nav.require_system_manager(user)
    name = request.POST.get("__name") or None
    rule = rules_editor.draft_rule(
        user, "Scoring Rule", name, _posted(request, user, "Scoring Rule", name)
    )
    docname = request.POST.get("__test_doc", "").strip()
    context: dict = {"docname": docname, "doctype": rule.document_type}
    if docname and rule.document_type:
        try:
            context["result"] = rules_editor.explain_score(user, rule, docname)
        except DoesNotExistError:
            context["missing"] = True
    return render(request, "desk/admin/rules_score_test.html", context)


@desk_view
def rescore_progress(request, user):
    """The re-score job's progress for a DocType (n of N); the fragment polls while it runs."""
    nav.require_system_manager(user)
    context = {"rescore": _rescore_context(request.GET.get("doctype", ""))}
    return render(request, "desk/admin/rules_rescore.html", context)


@desk_view
@require_POST
def duplicate_test(request, user):
    """Check a value against existing records under the posted rule; write nothing."""
    nav.require_system_manager(user)
    name = request.POST.get("__name") or None
    rule = rules_editor.draft_rule(
        user, "Duplicate Rule", name, _posted(request, user, "Duplicate Rule", name)
    )
    fieldname = request.POST.get("__test_field", "")
    value = request.POST.get("__test_value", "")
    results = rules_editor.test_duplicate(rule, fieldname, value) if value else []
    for item in results:
        item["slug"] = nav.slug(item["doctype"])
    context = {"results": results, "value": value, "fieldname": fieldname}
    return render(request, "desk/admin/rules_duplicate_test.html", context)


urlpatterns = [
    path("app/rules", rules_hub, name="desk-rules"),
    path("app/rules/scoring/_test", score_test, name="desk-rules-score-test"),
    path("app/rules/scoring/_rescore", rescore_progress, name="desk-rules-rescore"),
    path("app/rules/duplicate/_test", duplicate_test, name="desk-rules-duplicate-test"),
    path("app/rules/<str:kind>/new", rule_editor, name="desk-rule-new"),
    path("app/rules/<str:kind>/<path:name>", rule_editor, name="desk-rule-editor"),
]
