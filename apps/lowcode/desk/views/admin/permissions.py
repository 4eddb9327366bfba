"""Role permission manager: a DocType's rules as a matrix of roles × verbs (System Manager).

A role may have several rows at one level ("read: my department", "write: only my own");
the page says what they add up to for each role and level.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path

from lowcode.admin import docperms, view_as
from lowcode.desk.lib import customize as desk_customize
from lowcode.desk.lib import nav
from lowcode.desk.lib import users as users_lib
from lowcode.desk.views.common import desk_view, toast
from lowcode.exceptions import ValidationError
from lowcode.i18n import _
from lowcode.meta import customize, registry
from lowcode.meta.doctype import PERM_VERBS, SCOPES
from lowcode.query import reads

MATRIX = "desk/admin/permissions_matrix.html"
EFFECT = "desk/admin/permissions_effect.html"


def _rows_of(meta) -> list[dict]:
    return [
        {"role": p.role, "permlevel": p.permlevel, "scope": p.scope, "verbs": set(p.verbs)}
        for p in meta.permissions
    ]


def _is_customised(user: str, doctype: str) -> bool:
    return bool(
        reads.get_list(
            user,
            docperms.CUSTOM_DOCPERM,
            fields=["name"],
            filters=[["parent_doctype", "=", doctype]],
            limit=1,
        )
    )


def _parse_rows(post) -> list[dict]:
    """Rows arrive as ``rows.<i>.role`` / ``.permlevel`` / ``.scope`` / ``.<verb>``."""
    indexes = sorted(
        {
            int(key.split(".")[1])
            for key in post
            if key.startswith("rows.") and key.endswith(".role") and key.split(".")[1].isdigit()
        }
    )
    rows = []
    for i in indexes:
        prefix = f"rows.{i}."
        try:
            permlevel = int(post.get(prefix + "permlevel") or 0)
        except ValueError:
            permlevel = -1
        rows.append(
            {
                "role": post.get(prefix + "role", ""),
                "permlevel": permlevel,
                "scope": post.get(prefix + "scope", "all"),
                "verbs": {v for v in PERM_VERBS if post.getlist(prefix + v)[-1:] == ["1"]},
            }
        )
    return rows


def _context(user: str, doctype: str, rows: list[dict] | None = None, **extra) -> dict:
    rows = rows if rows is not None else _rows_of(registry.get_meta(doctype))
    errors: dict[str, list[str]] = extra.pop("errors", {})
    meta = registry.get_meta(doctype)
    customised = _is_customised(user, doctype)
    roles = users_lib.role_names(user)
    context = {
        "active_nav": "permissions",
        "doctype": doctype,
        "slug": nav.slug(doctype),
        "base": f"/app/permissions/{nav.slug(doctype)}",
        "rows": rows,
        "verbs": PERM_VERBS,
        "scopes": [(s, _(s)) for s in SCOPES],
        # Administrator holds every right anyway; Guest rules would open data to the public.
        "roles": [(r, _(r)) for r in roles if r not in ("Administrator", "Guest")],
        "levels": sorted({f.permlevel for f in meta.fields} | {0}),
        "customised": customised,
        "standard_rows": _rows_of(registry.base_definitions()[doctype]),
        "dirty": False,
        "errors": errors,
        "matrix_rows": [(row, errors.get(f"rows.{i}", [])) for i, row in enumerate(rows)],
        # What the rules add up to per role and level, as the permission layer combines them.
        "effects": docperms.combined_effect(rows),
    }
    context.update(extra)
    return context


@desk_view
def pick_page(request, user):
    nav.require_system_manager(user)
    customised = {
        r["parent_doctype"]
        for r in reads.get_list(
            user,
            docperms.CUSTOM_DOCPERM,
            fields=["parent_doctype"],
            limit=100_000,
        )
    }
    entries = [
        {
            "doctype": name,
            "label": _(name),
            "slug": nav.slug(name),
            "customised": name in customised,
        }
        for name in customize.customizable_doctypes()
    ]
    entries.sort(key=lambda e: e["label"])
    return render(
        request,
        "desk/admin/permissions_pick.html",
        {"active_nav": "permissions", "entries": entries},
    )


@desk_view
def matrix_page(request, user, slug):
    """GET: the matrix. POST ``op``: add / remove:<i> (re-render, unsaved), effect (the
    combined effect of the rows posted), save, reset."""
    doctype = desk_customize.customizable_doctype(user, slug)
    if request.method != "POST":
        context = _context(user, doctype)
        # To check the rules as someone they apply to: the users holding the roles listed.
        context["view_as_users"] = view_as.viewable_users({r["role"] for r in context["rows"]})
        return render(request, "desk/admin/permissions.html", context)
    op = request.POST.get("op", "save")
    rows = _parse_rows(request.POST)
    if op == "reset":
        count = docperms.do_reset_docperms(user, doctype)
        response = render(request, MATRIX, _context(user, doctype))
        message = _("Standard permissions restored") if count else _("Already standard")
        return toast(response, message)
    if op == "effect":
        # What the rows on screen add up to, unsaved: the matrix says it as boxes change.
        return render(request, EFFECT, {"effects": docperms.combined_effect(rows)})
    if op == "add":
        role = request.POST.get("add_role", "")
        try:
            level = int(request.POST.get("add_permlevel") or 0)
        except ValueError:
            level = 0
        scope = request.POST.get("add_scope", "all")
        # A further rule of a role at a level starts empty: it is there to grant other verbs
        # with another scope ("write: only my own" beside "read: my department").
        further = any(r["role"] == role and r["permlevel"] == level for r in rows)
        rows.append(
            {
                "role": role,
                "permlevel": level,
                "scope": scope,
                "verbs": set() if further else {"read"},
            }
        )
        return render(request, MATRIX, _context(user, doctype, rows, dirty=True))
    if op.startswith("remove:"):
        index = op.split(":", 1)[1]
        rows = [r for i, r in enumerate(rows) if str(i) != index]
        return render(request, MATRIX, _context(user, doctype, rows, dirty=True))
    try:
        docperms.do_save_docperms(user, doctype, rows)
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(e.fieldname, []).append(e.message)
        response = render(request, MATRIX, _context(user, doctype, rows, dirty=True, errors=errors))
        return toast(response, str(exc), "red")
    response = render(request, MATRIX, _context(user, doctype))
    return toast(response, _("Permissions saved: they apply at once"))


urlpatterns = [
    path("app/permissions", pick_page, name="desk-permissions-pick"),
    path("app/permissions/<str:slug>", matrix_page, name="desk-permissions"),
]
