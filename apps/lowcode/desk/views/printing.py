"""A document's print page (/app/<slug>/<name>/print): preview, format picker, PDF, email.

The preview is /printview in a sandboxed frame (no script, same origin only), so the page
shows exactly what is printed and mailed; sending goes through the printing action.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import path

from lowcode.desk.views.common import desk_view, doctype_from_slug
from lowcode.exceptions import ValidationError
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc
from lowcode.printing import actions as print_actions
from lowcode.printing import render as print_render


@desk_view
def print_page(request, user, slug, name):
    doctype = doctype_from_slug(slug)
    meta = get_meta(doctype)
    doc = access_doc(user, doctype, name, "read")
    formats = print_render.print_formats_for(doctype)
    chosen = request.GET.get("format") or (formats[0]["name"] if formats else "")
    no_letterhead = request.GET.get("no_letterhead") == "1"
    query = {"doctype": doctype, "name": name, "format": chosen}
    if no_letterhead:
        query["no_letterhead"] = 1
    context = {
        "active_nav": doctype,
        "doctype": doctype,
        "slug": slug,
        "doc": doc,
        "title": doc.get_title() if meta.title_field else doc.name,
        "formats": formats,
        "chosen": chosen,
        "no_letterhead": no_letterhead,
        "preview_url": "/printview?" + urlencode(query),
        "pdf_url": "/api/method/frappe.utils.print_format.download_pdf?" + urlencode(query),
        "email": {"recipients": "", "subject": f"{_(doctype)} {name}", "message": ""},
        "email_error": "",
        "email_sent": "",
    }
    if request.method == "POST":
        email = {key: request.POST.get(key, "") for key in ("recipients", "subject", "message")}
        context["email"] = email
        try:
            print_actions.do_send_document_email(
                user,
                doctype,
                name,
                email["recipients"],
                subject=email["subject"],
                message=email["message"],
                print_format=chosen or None,
            )
            context["email_sent"] = _(
                "Email queued to {recipients}", recipients=email["recipients"]
            )
        except ValidationError as exc:
            context["email_error"] = str(exc)
    return render(request, "desk/print.html", context)


urlpatterns = [
    path("app/<str:slug>/<path:name>/print", print_page, name="desk-print"),
]
