"""Data import screen: upload CSV/XLSX, map columns, preview errors, run, watch progress,
download the error report. The work is lowcode.dataio's; this only parses and renders."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_POST

from lowcode.dataio import importer
from lowcode.dataio.columns import importable_fields
from lowcode.desk.lib import nav
from lowcode.desk.views.common import desk_view, go_to, toast
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import FieldError, FrappeError, ValidationError
from lowcode.files import do_upload_file
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.permissions.core import access_doc, has_doctype_permission
from lowcode.query import reads

RECENT_IMPORTS = 20
PREVIEW_ROWS = 200


def importable_doctypes(user: str) -> list[dict]:
    """DocTypes the user may create records of (an import inserts through the same path)."""
    return [
        entry
        for entry in nav.readable_doctypes(user)
        if entry["doctype"] not in importer.DATAIO_DOCTYPES
        and has_doctype_permission(user, entry["doctype"], "create")
    ]


@desk_view
def import_home(request, user):
    errors = None
    if request.method == "POST":
        try:
            data_import = _create_import(request, user)
        except ValidationError as exc:
            errors = exc
        else:
            return HttpResponseRedirect(f"/app/import/{data_import.name}")
    recent = reads.get_list(
        user,
        importer.DATA_IMPORT,
        fields=["name", "reference_doctype", "status", "created_count", "failed_count", "creation"],
        order_by="creation desc",
        limit=RECENT_IMPORTS,
    )
    context = {
        "doctypes": importable_doctypes(user),
        "recent": recent,
        "errors": errors,
        "error_map": {e.fieldname: e.message for e in (errors.errors if errors else [])},
        "posted": request.POST,
        "dedup_modes": [
            importer.DedupMode.SKIP,
            importer.DedupMode.MERGE,
            importer.DedupMode.INSERT_ANYWAY,
        ],
        "import_types": [importer.ImportType.INSERT, importer.ImportType.UPDATE],
    }
    return render(request, "desk/import_home.html", context, status=417 if errors else 200)


def _create_import(request, user):
    upload = request.FILES.get("import_file")
    doctype = request.POST.get("reference_doctype", "")
    if upload is None:
        message = _("Attach the file to import first")
        raise ValidationError(message, [FieldError("import_file", "reqd", message)])
    importer.check_may_import(
        user, doctype, request.POST.get("import_type", importer.ImportType.INSERT)
    )
    file_doc = do_upload_file(user, upload, is_private=True)
    return do_insert_doc(
        user,
        importer.DATA_IMPORT,
        {
            "reference_doctype": doctype,
            "import_type": request.POST.get("import_type") or importer.ImportType.INSERT,
            "dedup_mode": request.POST.get("dedup_mode") or importer.DedupMode.SKIP,
            "import_file": file_doc.file_url,
        },
    )


@desk_view
def import_page(request, user, name):
    doc = access_doc(user, importer.DATA_IMPORT, name, "read")
    status = _status(request, user, name)
    preview, preview_error = None, None
    if status["status"] == importer.Status.PENDING:
        try:
            preview = importer.preview_import(user, doc, PREVIEW_ROWS)
        except FrappeError as exc:
            preview_error = str(exc)
    verb = "write" if doc.import_type == importer.ImportType.UPDATE else "create"
    fields = importable_fields(registry.get_meta(doc.reference_doctype), user, levels_verb=verb)
    context = {
        "doc": doc,
        "status": status,
        "preview": preview,
        "preview_error": preview_error,
        "fields": fields,
        "slug": nav.slug(doc.reference_doctype),
    }
    return render(request, "desk/import_page.html", context)


def _status(request, user, name) -> dict:
    from lowcode.dataio import api

    status = api.get_import_status(request, user, data_import=name, limit=100, outcome="error")
    if status["skipped"]:
        # Rows skipped as duplicates are listed too, each with its reason (which record it
        # duplicates, or the earlier row), so "3 skipped" is never a number without rows.
        skipped = api.import_status(user, name, 100, importer.Outcome.SKIPPED)["log"]
        status["skipped_log"] = sorted(skipped, key=lambda entry: entry["row_index"])
    return status


@desk_view
def import_status(request, user, name):
    """The progress panel, polled by HTMX while the import runs."""
    status = _status(request, user, name)
    response = render(request, "desk/import_status.html", {"status": status, "name": name})
    if status["status"] not in (importer.Status.RUNNING, importer.Status.PENDING):
        response["HX-Refresh"] = "true"  # the page stops polling and shows the outcome
    return response


@desk_view
@require_POST
def import_mapping(request, user, name):
    """Save the column → field mapping the user chose, then show the new preview."""
    mapping = {
        key[len("map:") :]: value for key, value in request.POST.items() if key.startswith("map:")
    }
    do_save_doc(user, importer.DATA_IMPORT, name, {"mapping": mapping})
    return HttpResponseRedirect(f"/app/import/{name}")


@desk_view
@require_POST
def import_start(request, user, name):
    try:
        importer.do_start_import(user, name)
    except ValidationError as exc:
        return toast(HttpResponse(status=204), str(exc), "red")
    return go_to(request, f"/app/import/{name}")


@desk_view
@require_POST
def import_retry(request, user, name):
    """Continue a failed or interrupted import from its last committed batch."""
    try:
        importer.do_retry_import(user, name)
    except ValidationError as exc:
        return toast(HttpResponse(status=204), str(exc), "red")
    return go_to(request, f"/app/import/{name}")


urlpatterns = [
    path("app/import", import_home, name="desk-import"),
    path("app/import/<str:name>", import_page, name="desk-import-page"),
    path("app/import/<str:name>/status", import_status, name="desk-import-status"),
    path("app/import/<str:name>/mapping", import_mapping, name="desk-import-mapping"),
    path("app/import/<str:name>/start", import_start, name="desk-import-start"),
    path("app/import/<str:name>/retry", import_retry, name="desk-import-retry"),
]
