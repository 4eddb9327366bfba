"""Merge one document into another of the same DocType (Frappe's "rename with merge").

Every record that points at the source is made to point at the target, then the source is
deleted, all in one transaction (a failure anywhere leaves both documents as they were):

- every Link field whose options name the DocType, in every DocType, child tables and
  Custom Fields (stored in ``_custom``) included, found from metadata;
- every Dynamic Link (the field naming the DocType is the Dynamic Link's ``options``);
- the engine's reference pairs held in Data fields (``DYNAMIC_PAIRS``: comments, workflow
  logs and actions, notification logs, files, import keys, SLA breaches…), and its plain
  tables: versions and assignments (an assignment the target already has is not doubled).

DocTypes listed by the ``merge_drop_doctypes`` hook hold values *derived from* a document
(duplicate keys, its score explanation): the source's rows are deleted with it and the
target's own are recomputed when the target is saved. The merge is noted on the target as
a Version (``merged_from``, when the DocType tracks changes) and, where the desk's Comment
DocType exists, an Info comment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from lowcode.documents.actions import do_delete_doc, do_insert_doc
from lowcode.documents.versions import write_version
from lowcode.exceptions import DataError
from lowcode.hooks_loader import get_hooks
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.permissions.core import access_doc
from lowcode.storage.factory import get_model

# (doctype field, name field) pairs of Data fields by which engine tables refer to documents.
DYNAMIC_PAIRS = (
    ("reference_doctype", "reference_name"),
    ("document_type", "document_name"),
    ("attached_to_doctype", "attached_to_name"),
)

# Called with (source document, target document) inside the merge's transaction: the values
# to save on the target once the source is gone (a DocType's own rules, e.g. a union of tags).
MergedValues = Callable[[Any, Any], dict]


def linked_fields(doctype: str) -> list[tuple[str, str, str | None, bool]]:
    """Every (DocType, field, doctype-field or None, is_custom) that may point at ``doctype``.

    ``doctype-field`` is set for dynamic references (a Dynamic Link's options, or the
    DocType half of a ``DYNAMIC_PAIRS`` pair); None for a plain Link.
    """
    found: list[tuple[str, str, str | None, bool]] = []
    for name in registry.doctype_names():
        meta = registry.get_meta(name)
        fields = {f.fieldname: f for f in meta.fields}
        dynamic: set[str] = set()
        for field in meta.data_fields:
            if field.fieldtype == "Link" and field.options == doctype:
                found.append((name, field.fieldname, None, field.is_custom))
            elif field.fieldtype == "Dynamic Link" and field.options in fields:
                found.append((name, field.fieldname, field.options, field.is_custom))
                dynamic.add(field.fieldname)
        for type_field, name_field in DYNAMIC_PAIRS:
            if type_field in fields and name_field in fields and name_field not in dynamic:
                found.append((name, name_field, type_field, fields[name_field].is_custom))
    return found


def _move_field(model, fieldname: str, type_field: str | None, is_custom: bool, ctx) -> int:
    doctype, source, target = ctx
    if is_custom:  # custom values live in the JSON column: rewrite the rows that hold one
        rows = model.objects.filter(**{f"_custom__{fieldname}": source})
        if type_field:
            rows = rows.filter(**_type_filter(model, type_field, doctype))
        moved = 0
        for row in rows.only("name", "_custom"):
            row._custom = {**(row._custom or {}), fieldname: target}
            row.save(update_fields=["_custom"])
            moved += 1
        return moved
    rows = model.objects.filter(**{fieldname: source})
    if type_field:
        rows = rows.filter(**_type_filter(model, type_field, doctype))
    return rows.update(**{fieldname: target})


def _type_filter(model, type_field: str, doctype: str) -> dict:
    meta = registry.get_meta(model.doctype)
    field = meta.get_field(type_field)
    if field is not None and field.is_custom:
        return {f"_custom__{type_field}": doctype}
    return {type_field: doctype}


def move_links(doctype: str, source: str, target: str) -> dict[str, int]:
    """Point every reference to ``doctype`` ``source`` at ``target``; return counts by DocType."""
    from lowcode.models import Assignment, Version

    dropped = set(get_hooks("merge_drop_doctypes") or [])
    moved: dict[str, int] = {}
    for name, fieldname, type_field, is_custom in linked_fields(doctype):
        if name in dropped:
            continue
        count = _move_field(
            get_model(name), fieldname, type_field, is_custom, (doctype, source, target)
        )
        if count:
            moved[name] = moved.get(name, 0) + count
    for name in dropped:
        if registry.exists(name):
            meta = registry.get_meta(name)
            for type_field, name_field in DYNAMIC_PAIRS:
                if meta.has_field(type_field) and meta.has_field(name_field):
                    get_model(name).objects.filter(
                        **{type_field: doctype, name_field: source}
                    ).delete()
    moved["Version"] = Version.objects.filter(ref_doctype=doctype, docname=source).update(
        docname=target
    )
    already = Assignment.objects.filter(ref_doctype=doctype, docname=target).values("user")
    Assignment.objects.filter(ref_doctype=doctype, docname=source, user__in=already).delete()
    moved["Assignment"] = Assignment.objects.filter(ref_doctype=doctype, docname=source).update(
        docname=target
    )
    return {k: v for k, v in moved.items() if v}


def empty_fields_filled(user: str, source_doc, target_doc) -> dict:
    """Values of the source for the target's empty fields the user may write (not read-only)."""
    from lowcode.permissions.core import permitted_levels

    meta = registry.get_meta(target_doc.doctype)
    writable = permitted_levels(user, meta.name, "write")
    values = {}
    for field in meta.data_fields:
        if field.read_only or field.permlevel not in writable or field.fieldname == "naming_series":
            continue
        mine, theirs = target_doc.get(field.fieldname), source_doc.get(field.fieldname)
        if mine in (None, "") and theirs not in (None, ""):
            values[field.fieldname] = theirs
    return values


@transaction.atomic
def do_merge_docs(
    user: str,
    doctype: str,
    source: str,
    target: str,
    *,
    merged_values: MergedValues | None = None,
) -> dict[str, int]:
    """Merge ``source`` into ``target``: needs write on both and delete on the source.

    The target's empty fields take the source's values (``empty_fields_filled``), or what
    ``merged_values(source_doc, target_doc)`` answers; they are saved through
    ``do_save_doc`` after the source is deleted, so a unique value can move across.
    Returns how many references moved, by DocType.
    """
    from lowcode.documents.actions import do_save_doc

    if source == target:
        raise DataError(_("A document cannot be merged into itself"))
    target_doc = access_doc(user, doctype, target, "write", for_update=True)
    source_doc = access_doc(user, doctype, source, "write", for_update=True)
    access_doc(user, doctype, source, "delete")
    compute = merged_values or (lambda src, tgt: empty_fields_filled(user, src, tgt))
    values = compute(source_doc, target_doc)
    moved = move_links(doctype, source, target)
    do_delete_doc(user, doctype, source)
    if values:
        do_save_doc(user, doctype, target, values)
    write_version(
        doctype,
        target,
        user,
        {"merged_from": source, "changed": [], "added": [], "removed": [], "row_changed": []},
    )
    if registry.exists("Comment"):
        do_insert_doc(
            user,
            "Comment",
            {
                "reference_doctype": doctype,
                "reference_name": target,
                "comment_type": "Info",
                "content": _("Merged {source} into this document", source=source),
            },
            ignore_permissions=True,
        )
    return moved
