"""System Settings (System Manager): the site's switches, each change kept as a Version.

One record (``lowcode.system_settings.NAME``), created on first visit; saving goes through
``do_save_doc``, so validation, optimistic locking and the version history are the ones every
document gets, and the record's controller bumps the generation that every worker reloads on.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from lowcode import system_settings
from lowcode.desk.lib import editors, nav
from lowcode.desk.lib import form as form_lib
from lowcode.desk.views.common import desk_view, go_to, toast
from lowcode.documents import actions
from lowcode.exceptions import TimestampMismatchError, ValidationError
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.models import Version
from lowcode.permissions.core import access_doc
from lowcode.query import reads
from lowcode.storage.factory import get_model

NAME = system_settings.NAME
BASE = "/app/system-settings"
HISTORY_ROWS = 20


@desk_view
def settings_page(request, user):
    nav.require_system_manager(user)
    if not get_model(NAME).objects.filter(name=NAME).exists():
        actions.do_insert_doc(user, NAME, {})
    if request.method == "POST":
        return _save(request, user)
    values = reads.doc_to_dict(user, access_doc(user, NAME, NAME, "read"))
    return _render(request, _context(values))


def _save(request, user):
    meta = get_meta(NAME)
    data = form_lib.parse_post(meta, request.POST, user, is_new=False)
    stored = reads.doc_to_dict(user, access_doc(user, NAME, NAME, "read"))
    try:
        actions.do_save_doc(user, NAME, NAME, data)
    except ValidationError as exc:
        errors, _rows = editors.placed_errors(exc, "")
        context = _context({**stored, **data}, errors=errors, message=str(exc))
        return toast(_render(request, context), str(exc), "red")
    except TimestampMismatchError as exc:
        context = _context({**stored, **data}, conflict=str(exc))
        return toast(_render(request, context), str(exc), "red")
    return go_to(request, f"{BASE}?saved=1")


def _context(values: dict, errors=None, message: str = "", conflict: str = "") -> dict:
    meta = get_meta(NAME)
    sections: list[dict] = []
    for field in meta.fields:
        if field.fieldtype == "Section Break" or not sections:
            sections.append({"name": field.fieldname, "label": _(field.label or ""), "fields": []})
        if not field.holds_value:
            continue
        forced = system_settings.override(field.fieldname)
        sections[-1]["fields"].append(
            {
                "name": field.fieldname,
                "label": _(field.label or field.fieldname),
                "hint": _(field.description) if field.description else "",
                "kind": _kind(field),
                "choices": [
                    (choice, _(choice) if choice else "—")
                    for choice in (field.options or "").split("\n")
                ]
                if field.fieldtype == "Select"
                else [],
                # A Password is never drawn (lowcode.storage.secrets); say whether one is saved.
                "placeholder": (
                    _("Saved (leave empty to keep it)")
                    if values.get(field.fieldname)
                    else _("Not set")
                )
                if field.fieldtype == "Password"
                else "",
                "override_key": system_settings.SITE_CONFIG_KEYS.get(field.fieldname, ""),
                "override": forced,
                "overridden": forced is not None,
            }
        )
    form_values = {k: _shown(v) for k, v in values.items() if not _is_secret(meta, k)}
    return {
        "active_nav": NAME,
        "sections": [section for section in sections if section["fields"]],
        "values": values,
        "form_values": form_values,
        "form_errors": errors or {},
        "message": message,
        "conflict": conflict,
        "scripts_running": bool(system_settings.value("enable_server_scripts")),
        "history": _history(meta),
    }


def _kind(field) -> str:
    """The input a setting is edited with, by its field type."""
    kinds = {"Check": "check", "Select": "select", "Password": "password", "Data": "text"}
    return kinds.get(field.fieldtype, "number")


def _is_secret(meta, fieldname: str) -> bool:
    from lowcode.storage.secrets import is_secret

    return is_secret(meta.get_field(fieldname))


def _shown(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _history(meta) -> list[dict]:
    """The latest changes, newest first: who, when, and each field's old → new value."""
    rows = []
    versions = Version.objects.filter(ref_doctype=NAME, docname=NAME).order_by("-creation", "-id")
    for version in versions[:HISTORY_ROWS]:
        for fieldname, old, new in (version.data or {}).get("changed") or []:
            if old is None:  # the record filled with its defaults on the first visit
                continue
            field = meta.get_field(fieldname)
            rows.append(
                {
                    "owner": version.owner,
                    "creation": version.creation,
                    "field": _(field.label) if field and field.label else fieldname,
                    "old": _flag(field, old),
                    "new": _flag(field, new),
                }
            )
    return rows


def _flag(field, value):
    """A switch's old and new value as ✓ / ✗ rather than 1 / 0."""
    if field is not None and field.fieldtype == "Check":
        return "✓" if value else "✗"
    return value


def _render(request, context):
    if request.headers.get("HX-Request"):
        return render(request, "desk/admin/system_settings_form.html", context)
    return render(request, "desk/admin/system_settings.html", context)


urlpatterns = [
    path("app/system-settings", settings_page, name="desk-system-settings"),
]
