"""Attachments: store uploads behind Django's storage API and serve them with permission checks.

Public files live under ``<files_path>/public`` and are served at ``/files/<name>``;
private ones under ``<files_path>/private`` at ``/private/files/<name>``, readable
only by users who may read the File record or the document it is attached to.
"""

from __future__ import annotations

import hashlib
import mimetypes

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import DoesNotExistError, FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta.registry import get_meta
from lowcode.permissions.core import access_doc, has_permission

PUBLIC_PREFIX = "/files/"
PRIVATE_PREFIX = "/private/files/"
ATTACH_TYPES = frozenset({"Attach", "Attach Image"})


def storage(private: bool) -> FileSystemStorage:
    root = settings.FILES_PATH / ("private" if private else "public")
    return FileSystemStorage(location=str(root))


def do_upload_file(
    user: str,
    upload: UploadedFile,
    *,
    is_private: bool = True,
    doctype: str | None = None,
    docname: str | None = None,
    fieldname: str | None = None,
):
    """Store an upload, record it as a File and, if asked, attach it to a document's field."""
    if upload.size is not None and upload.size > settings.LOWCODE_MAX_UPLOAD_BYTES:
        message = _(
            "File is too large: at most {limit} bytes", limit=settings.LOWCODE_MAX_UPLOAD_BYTES
        )
        raise ValidationError(message, [FieldError("file", "size", message)])
    original = get_valid_filename(upload.name or "") if upload.name else ""
    if not original or original.startswith("."):
        message = _("File name is missing or not allowed")
        raise ValidationError(message, [FieldError("file", "name", message)])
    if doctype or docname:
        access_doc(user, doctype or "", docname or "", "write")
        if fieldname:
            field = get_meta(doctype or "").get_field(fieldname)
            if field is None or field.fieldtype not in ATTACH_TYPES:
                message = _("{field} is not an attachment field", field=fieldname)
                raise ValidationError(message, [FieldError("fieldname", "attach", message)])
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = storage(is_private).save(original, upload)
    url = (PRIVATE_PREFIX if is_private else PUBLIC_PREFIX) + stored
    file_doc = do_insert_doc(
        user,
        "File",
        {
            "file_name": original,
            "file_url": url,
            "is_private": int(is_private),
            "file_size": upload.size,
            "content_hash": digest.hexdigest(),
            "content_type": upload.content_type or mimetypes.guess_type(original)[0] or "",
            "attached_to_doctype": doctype,
            "attached_to_name": docname,
            "attached_to_field": fieldname,
        },
    )
    if doctype and docname and fieldname:
        do_save_doc(user, doctype, docname, {fieldname: url})
    return file_doc


def readable_file_path(user: str, url: str):
    """Return the stored path of a file the user may read; missing and forbidden look alike."""
    from lowcode.documents.factory import get_model

    private = url.startswith(PRIVATE_PREFIX)
    file_doc = get_model("File").objects.filter(file_url=url).first()
    if file_doc is None:
        raise DoesNotExistError(_("File not found"))
    if private and not _may_read(user, file_doc):
        raise DoesNotExistError(_("File not found"))
    relative = url[len(PRIVATE_PREFIX if private else PUBLIC_PREFIX) :]
    store = storage(private)
    if not store.exists(relative):
        raise DoesNotExistError(_("File not found"))
    return store.path(relative), file_doc


def _may_read(user: str, file_doc) -> bool:
    if has_permission(user, file_doc, "read"):
        return True
    target_doctype = file_doc.get("attached_to_doctype")
    target_name = file_doc.get("attached_to_name")
    if not target_doctype or not target_name:
        return False
    try:
        access_doc(user, target_doctype, target_name, "read")
    except (DoesNotExistError, LookupError):
        return False
    return True
