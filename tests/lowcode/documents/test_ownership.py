"""Owner changes (lowcode/documents/ownership.py): one action hands a document over, checks
the caller may, and writes the Version the way a save does."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.documents.ownership import do_set_owner
from lowcode.exceptions import DoesNotExistError, ValidationError
from lowcode.models import Version
from lowcode.permissions.core import permitted_queryset
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db


def _owner_versions(name: str) -> list:
    return [
        v.data["changed"]
        for v in Version.objects.filter(ref_doctype="Test Order", docname=name).order_by("creation")
        if any(change[0] == "owner" for change in v.data["changed"])
    ]


def test_handing_a_document_over_writes_a_version_and_moves_the_own_scope(users):
    order = do_insert_doc("rep", "Test Order", {"title": "移交订单"})
    modified = order.modified

    assert do_set_owner("manager", "Test Order", order.name, "rep2") is True

    stored = get_model("Test Order").objects.get(name=order.name)
    assert stored.owner == "rep2"
    assert stored.modified == modified  # an open form is not made stale
    assert _owner_versions(order.name) == [[["owner", "rep", "rep2"]]]
    version = Version.objects.filter(docname=order.name).latest("creation")
    assert version.owner == "manager"
    # the "own" scope follows the owner
    assert permitted_queryset("rep2", "Test Order").filter(name=order.name).exists()
    assert not permitted_queryset("rep", "Test Order").filter(name=order.name).exists()


def test_the_same_owner_is_no_change_and_no_version(users):
    order = do_insert_doc("rep", "Test Order", {"title": "不变"})

    assert do_set_owner("rep", "Test Order", order.name, "rep") is False
    assert _owner_versions(order.name) == []


def test_a_user_who_may_not_write_it_may_not_hand_it_over(users):
    order = do_insert_doc("rep", "Test Order", {"title": "别人的订单"})

    # rep2 (own scope) does not even see rep's order: "not found", as the API answers
    with pytest.raises(DoesNotExistError):
        do_set_owner("rep2", "Test Order", order.name, "rep2")

    assert get_model("Test Order").objects.get(name=order.name).owner == "rep"
    assert _owner_versions(order.name) == []


def test_an_unknown_or_disabled_new_owner_is_named(users):
    order = do_insert_doc("rep", "Test Order", {"title": "无效用户"})

    with pytest.raises(ValidationError) as refused:
        do_set_owner("manager", "Test Order", order.name, "ghost")

    assert refused.value.errors[0].fieldname == "owner"
    assert get_model("Test Order").objects.get(name=order.name).owner == "rep"


def test_ignore_permissions_is_the_caller_s_own_check(users):
    order = do_insert_doc("rep", "Test Order", {"title": "池内客户"})

    with pytest.raises(DoesNotExistError):
        do_set_owner("nobody", "Test Order", order.name, "Administrator")
    assert do_set_owner(
        "nobody", "Test Order", order.name, "Administrator", ignore_permissions=True
    )
    assert _owner_versions(order.name) == [[["owner", "rep", "Administrator"]]]
