"""Records put in order by hand: a DocType listed by an Int ``sort_field`` ascending (Opportunity
Stage's ``stage_order``, Customer Level's ``priority``) is reordered by dragging its records; the
engine then renumbers that field 1..N, saving each moved record through ``do_save_doc`` (so its
validation, permission check and Version apply, as to an edit in the form).
"""

from __future__ import annotations

from django.db import transaction

from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.meta import registry
from lowcode.meta.doctype import DocTypeMeta
from lowcode.storage.factory import get_model

ORDER_TYPES = frozenset({"Int"})


def order_field(meta: DocTypeMeta) -> str | None:
    """The field that orders ``meta``'s records by hand, or None when it has none."""
    field = meta.get_field(meta.sort_field or "")
    if field is None or field.fieldtype not in ORDER_TYPES or meta.istable:
        return None
    return field.fieldname if (meta.sort_order or "desc").lower() == "asc" else None


@transaction.atomic
def do_reorder_docs(user: str, doctype: str, names: list[str]) -> list[str]:
    """Give ``names`` the order 1..N in the DocType's order field; return the names that moved.

    ``names`` must be every record of the DocType, each once, so no record is left between two
    numbers; one transaction, so a refused save (a permission, a validation) changes nothing.
    """
    from lowcode.documents.actions import do_save_doc

    meta = registry.get_meta(doctype)
    fieldname = order_field(meta)
    if fieldname is None:
        raise ValidationError(_("{doctype} has no order to change", doctype=_(doctype)))
    current = dict(get_model(doctype).objects.values_list("name", fieldname))
    if len(names) != len(set(names)) or set(names) != set(current):
        message = _("The list changed while you were ordering it; reload and try again")
        raise ValidationError(message, [FieldError(fieldname, "order", message)])
    moved = []
    for position, name in enumerate(names, start=1):
        if current[name] != position:
            do_save_doc(user, doctype, name, {fieldname: position})
            moved.append(name)
    return moved
