"""do_unassign_doc: the reverse of do_assign_doc, with the same permission rule."""

from __future__ import annotations

import pytest

from lowcode import context
from lowcode.documents.actions import do_assign_doc, do_insert_doc, do_unassign_doc
from lowcode.exceptions import DoesNotExistError
from lowcode.models import Assignment
from lowcode.permissions.core import has_permission
from lowcode.storage.factory import get_model

TEST_ORDER = "Test Order"


def test_an_unassigned_user_no_longer_sees_the_document(users):
    name = do_insert_doc("rep2", TEST_ORDER, {"title": "协作订单"}).name
    do_assign_doc("rep2", TEST_ORDER, name, "rep")
    doc = get_model(TEST_ORDER).objects.get(name=name)
    assert has_permission("rep", doc, "read")

    do_unassign_doc("rep2", TEST_ORDER, name, "rep")
    do_unassign_doc("rep2", TEST_ORDER, name, "rep")  # twice is a no-op
    context.reset()

    assert not has_permission("rep", doc, "read")
    assert not Assignment.objects.filter(ref_doctype=TEST_ORDER, docname=name).exists()


def test_unassigning_needs_write_access(users):
    name = do_insert_doc("south", TEST_ORDER, {"title": "华南订单"}).name
    do_assign_doc("south", TEST_ORDER, name, "south_manager")

    with pytest.raises(DoesNotExistError):
        do_unassign_doc("rep", TEST_ORDER, name, "south_manager")

    assert Assignment.objects.filter(docname=name, user="south_manager").exists()
