"""Print routes in Frappe's contract: /printview (HTML), download_pdf, email a document."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from lowcode.api.methods import _writes
from lowcode.exceptions import FrappeError
from lowcode.i18n import _
from lowcode.permissions.core import has_doctype_permission
from lowcode.printing import actions, render

# A print page is the template author's HTML: it may style itself and show the site's own
# images, never run script, load from elsewhere, post forms or be framed by other sites.
PRINT_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def _flag(value) -> bool:
    return str(value or "").lower() in ("1", "true", "yes", "on")


def _error_page(exc: FrappeError) -> HttpResponse:
    from html import escape

    page = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
        "</head><body><h1>{title}</h1><p>{message}</p></body></html>"
    ).format(title=escape(_("Cannot print")), message=escape(str(exc)))
    response = HttpResponse(page, status=exc.http_status, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PRINT_CSP
    return response


def printview(request: HttpRequest) -> HttpResponse:
    """``/printview?doctype=&name=&format=&no_letterhead=&letterhead=``: the document as HTML."""
    user = getattr(request, "frappe_user", "Guest")
    if user == "Guest":
        return redirect(f"/login?next={quote(request.get_full_path())}")
    params = request.GET
    try:
        rendered = render.render_document(
            user,
            params.get("doctype", ""),
            params.get("name", ""),
            params.get("format") or None,
            no_letterhead=_flag(params.get("no_letterhead")),
            letter_head=params.get("letterhead") or None,
        )
    except FrappeError as exc:
        return _error_page(exc)
    response = HttpResponse(rendered.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PRINT_CSP
    # The desk's preview frames this page (same origin); other sites may not.
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cache-Control"] = "private, no-store"
    return response


def download_pdf(
    request,
    user,
    doctype: str = "",
    name: str = "",
    format=None,
    no_letterhead=0,
    letterhead=None,
    **_ignored,
) -> HttpResponse:
    """Frappe's ``frappe.utils.print_format.download_pdf``: the document as a PDF file."""
    rendered = render.render_document(
        user,
        doctype,
        name,
        format or None,
        no_letterhead=_flag(no_letterhead),
        letter_head=letterhead or None,
    )
    pdf = render.render_pdf(user, rendered)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = actions.pdf_filename(doctype, name)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{quote(filename)}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def get_print_formats(request, user, doctype: str = "", **_ignored) -> list[dict]:
    """The enabled formats of a DocType the user may read, the default first."""
    if not has_doctype_permission(user, doctype, "read"):
        return []
    return render.print_formats_for(doctype)


@_writes
def send_document_email(
    request,
    user,
    doctype: str = "",
    name: str = "",
    recipients=None,
    subject: str = "",
    message: str = "",
    content: str = "",
    print_format=None,
    attach_pdf=1,
    **_ignored,
) -> dict:
    """Email a document with its PDF; returns the Communication recorded on its timeline."""
    communication = actions.do_send_document_email(
        user,
        doctype,
        name,
        recipients,
        subject=subject,
        message=message or content,
        print_format=print_format or None,
        attach_pdf=_flag(attach_pdf) if attach_pdf not in (None, "") else True,
    )
    return {"name": communication.name, "status": communication.status}
