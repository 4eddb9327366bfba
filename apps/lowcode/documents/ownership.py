"""Handing a document to another owner: the engine's ``owner`` decides the "own" data scope.

``owner`` is a standard column, not a field a client may write, so ``do_save_doc`` never
changes it. An app that moves a document between people (a customer claimed from the pool)
calls ``do_set_owner``: one UPDATE of ``owner`` and a Version (``changed: owner``) written
the way a save writes one. No lifecycle event runs (the owner is not a value the controller
validates) and ``modified`` is left alone, so a form someone has open does not turn stale.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from lowcode.documents.versions import field_changes, write_version
from lowcode.exceptions import FieldError, ValidationError
from lowcode.i18n import _
from lowcode.permissions.core import access_doc, not_found
from lowcode.storage.factory import get_model


@transaction.atomic
def do_set_owner(
    user: str, doctype: str, name: str, new_owner: str, *, ignore_permissions: bool = False
) -> bool:
    """Make ``new_owner`` the owner of one document; return whether the owner changed.

    ``user`` needs write permission on the document, and ``new_owner`` must be an active
    user. ``ignore_permissions``: an engine or app caller has checked both (the pool's own
    claim rules decide who may take a customer).
    """
    model = get_model(doctype)
    if ignore_permissions:
        doc = model.objects.select_for_update().filter(name=name).first()
        if doc is None:
            raise not_found(doctype, name)
    else:
        doc = access_doc(user, doctype, name, "write", for_update=True)
        if not get_user_model().objects.filter(username=new_owner, is_active=True).exists():
            message = _("User {user} does not exist", user=new_owner)
            raise ValidationError(message, [FieldError("owner", "link", message)])
    old_owner = doc.owner
    if old_owner == new_owner:
        return False
    model.objects.filter(name=name).update(owner=new_owner)
    write_version(doctype, name, user, field_changes({"owner": (old_owner, new_owner)}))
    return True
