"""Select options with Chinese labels (System Manager): the values in the field's options, the
labels as Translation records in its context ``<DocType>:<fieldname>``.

Customize Form saves a Select field and its labels in one transaction; a label equal to what
the apps' translation files already show writes nothing, an emptied one drops its record, so
the files' wording shows again.
"""

from __future__ import annotations

from django.db import transaction

from lowcode.admin import customize as customize_actions
from lowcode.documents.actions import do_delete_doc, do_insert_doc, do_save_doc
from lowcode.exceptions import DoesNotExistError, ValidationError
from lowcode.i18n import _, field_contexts, translate_in_lang
from lowcode.meta import registry
from lowcode.meta.options import LABEL_LANG, label_context, options_from_rows
from lowcode.permissions.core import require_system_manager
from lowcode.query import reads

TRANSLATION = "Translation"


@transaction.atomic
def do_set_option_labels(user: str, doctype: str, fieldname: str, labels: dict[str, str]) -> int:
    """Make the Translation records of one Select say ``labels`` ({value: label}, every option
    of the field); records of values no longer among them go. Return how many changed."""
    require_system_manager(user)
    if not registry.exists(doctype) or registry.get_meta(doctype).get_field(fieldname) is None:
        raise DoesNotExistError(
            _("Field {field} does not exist in {doctype}", field=fieldname, doctype=doctype)
        )
    context = label_context(doctype, fieldname)
    existing = {
        row["source_text"]: row
        for row in reads.get_list(
            user,
            TRANSLATION,
            fields=["name", "source_text", "translated_text"],
            filters=[["language", "=", LABEL_LANG], ["context", "=", context]],
            limit=10_000,
        )
    }
    changed = 0
    for value, label in labels.items():
        row = existing.pop(value, None)
        if row is not None:
            if not label or label == value:
                do_delete_doc(user, TRANSLATION, row["name"])
                changed += 1
            elif row["translated_text"] != label:
                do_save_doc(user, TRANSLATION, row["name"], {"translated_text": label})
                changed += 1
        elif label and label not in (
            value,
            translate_in_lang(LABEL_LANG, value, *field_contexts(doctype, fieldname)),
        ):
            data = {"language": LABEL_LANG, "source_text": value, "translated_text": label}
            do_insert_doc(user, TRANSLATION, {**data, "context": context})
            changed += 1
    for row in existing.values():  # an option removed: its label goes with it
        do_delete_doc(user, TRANSLATION, row["name"])
        changed += 1
    return changed


@transaction.atomic
def do_move_option_labels(user: str, doctype: str, old: str, new: str) -> int:
    """A field renamed from ``old`` to ``new`` keeps its option labels (their context moves).
    Return how many records moved."""
    require_system_manager(user)
    rows = reads.get_list(
        user,
        TRANSLATION,
        fields=["name"],
        filters=[["context", "=", label_context(doctype, old)]],
        limit=10_000,
    )
    for row in rows:
        do_save_doc(user, TRANSLATION, row["name"], {"context": label_context(doctype, new)})
    return len(rows)


@transaction.atomic
def do_add_field_with_options(user: str, doctype: str, values: dict, rows: list[dict]):
    """Add a Customize Form field whose options arrive as rows (value + label)."""
    options, labels, errors = options_from_rows(rows)
    if errors:
        raise ValidationError(_("The field was not added"), errors)
    doc = customize_actions.do_add_custom_field(user, doctype, {**values, "options": options})
    do_set_option_labels(user, doctype, doc.fieldname, labels)
    return doc


@transaction.atomic
def do_save_field_with_options(
    user: str, doctype: str, fieldname: str, values: dict, rows: list[dict]
) -> None:
    """Save a Customize Form field (custom or standard) whose options arrive as rows."""
    options, labels, errors = options_from_rows(rows)
    if errors:
        raise ValidationError(_("The field was not saved"), errors)
    field = registry.get_meta(doctype).get_field(fieldname)
    values = {**values, "options": options}
    if field is not None and field.is_custom:
        customize_actions.do_update_custom_field(user, doctype, fieldname, values)
    else:
        customize_actions.do_set_field_properties(user, doctype, fieldname, values)
    do_set_option_labels(user, doctype, fieldname, labels)
