"""Attachments: store uploads behind Django's storage API and serve them with permission checks.

Public files live under ``<files_path>/public`` and are served at ``/files/<name>``;
private ones under ``<files_path>/private`` at ``/private/files/<name>``, readable
only by users who may read the File record or the document it is attached to.

Uploads come from any logged-in user and are served from the app's own origin, so a file
must never run as the app: HTML and SVG are refused (by name and by content), and every
response carries ``nosniff`` and ``Content-Security-Policy: sandbox``. Only content that
*is* a raster image or a PDF (its magic bytes, not its name or the client's content type)
is shown inline; anything else is an attachment of a non-scriptable type.
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
SNIFF_BYTES = 1024
# Content a browser shows inline without running script, recognised by its magic bytes.
INLINE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)
# Names a browser renders as a document that can run script (HTML, SVG, XHTML, web archives).
ACTIVE_EXTENSIONS = frozenset(
    {".html", ".htm", ".shtml", ".xhtml", ".xht", ".svg", ".svgz", ".mht", ".mhtml"}
)
# WHATWG MIME sniffing's HTML signatures (each followed by a space or ">"), plus SVG.
_HTML_TAGS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
    b"<svg",
)
# Inside an XML prologue these make it a document a browser renders with script.
_XML_ACTIVE_MARKERS = (b"<svg", b"<html", b"http://www.w3.org/1999/xhtml", b"<script")
# Served as these only as downloads, never under their own type (a browser may render them).
_SCRIPTABLE_TYPE_MARKERS = ("html", "xml", "svg", "javascript", "ecmascript")


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
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if is_active_content(original, head):
        message = _(
            "{name}: HTML and SVG files cannot be uploaded (they could run as this site)",
            name=original,
        )
        raise ValidationError(message, [FieldError("file", "type", message)])
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
            # What the bytes are, else what the name says; never the client's own claim.
            "content_type": inline_type(head)
            or mimetypes.guess_type(original)[0]
            or "application/octet-stream",
            "attached_to_doctype": doctype,
            "attached_to_name": docname,
            "attached_to_field": fieldname,
        },
    )
    if doctype and docname and fieldname:
        do_save_doc(user, doctype, docname, {fieldname: url})
    return file_doc


def do_upload_stamped_photo(user: str, content: bytes, file_name: str, lines: list[str]):
    """Store a photo as a private JPEG with ``lines`` drawn on it by the server (time, place).

    The bytes are decoded and re-encoded (``lowcode.geo.stamp``), so what is stored is a
    JPEG and nothing else of the upload; a file that is not an image is refused, field-named.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lowcode.geo.stamp import stamp_photo

    stem = (get_valid_filename(file_name or "").rsplit(".", 1)[0] or "photo")[:80]
    jpeg = stamp_photo(content, lines)
    return do_upload_file(
        user, SimpleUploadedFile(f"{stem}.jpg", jpeg, content_type="image/jpeg"), is_private=True
    )


def inline_type(head: bytes) -> str | None:
    """Return the image or PDF type the content's magic bytes prove, else None."""
    for magic, content_type in INLINE_MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def is_active_content(name: str, head: bytes) -> bool:
    """Whether a file would render as HTML or SVG: by its name, or by what its bytes start with."""
    if any(name.lower().endswith(ext) for ext in ACTIVE_EXTENSIONS):
        return True
    if inline_type(head):
        return False
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c").lower()
    for tag in _HTML_TAGS:
        if text.startswith(tag) and text[len(tag) : len(tag) + 1] in (
            b" ",
            b">",
            b"/",
            b"\t",
            b"\n",
        ):
            return True
    if text.startswith((b"<?xml", b"<!doctype")):
        return any(marker in text for marker in _XML_ACTIVE_MARKERS)
    return False


def served_as(name: str, head: bytes) -> tuple[str, bool]:
    """Return the Content-Type to serve a stored file with and whether it may show inline.

    Decided from the stored bytes at every download, so files stored before HTML was
    refused (or a PNG-named page) still arrive as downloads of an inert type.
    """
    proven = inline_type(head)
    if proven:
        return proven, True
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if is_active_content(name, head) or any(m in guessed for m in _SCRIPTABLE_TYPE_MARKERS):
        guessed = "application/octet-stream"
    return guessed, False


def readable_file_path(user: str, url: str):
    """Return the stored path of a file the user may read; missing and forbidden look alike."""
    from lowcode.storage.factory import get_model

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


def file_response(stored_path: str, file_name: str, *, private: bool):
    """Return the download of a stored file, with headers that keep it from running as the app."""
    from django.http import FileResponse

    handle = open(stored_path, "rb")  # noqa: SIM115 - FileResponse closes it
    head = handle.read(SNIFF_BYTES)
    handle.seek(0)
    content_type, inline = served_as(file_name, head)
    response = FileResponse(handle, as_attachment=not inline, filename=file_name)
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser rendered it as a page, a sandboxed one has an opaque origin and no script.
    response["Content-Security-Policy"] = "sandbox"
    if private:
        response["Cache-Control"] = "private, no-store"
    return response
