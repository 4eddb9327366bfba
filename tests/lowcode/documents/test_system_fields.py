"""System fields (lowcode/documents/system_fields.py): read-only totals another document keeps
up to date are written straight to the row, and nothing else may be written that way."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc, do_submit_doc
from lowcode.documents.system_fields import do_set_system_fields
from lowcode.exceptions import DataError
from lowcode.models import Version
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db


def submitted_delivery(users) -> tuple[str, str]:
    order = do_insert_doc("rep", "Test Order", {"title": "泵站改造"})
    delivery = do_insert_doc("rep", "Test Delivery", {"title": "第一批"})
    do_submit_doc("rep", "Test Delivery", delivery.name)
    return order.name, delivery.name


def test_a_read_only_field_of_a_submitted_document_is_set_without_a_save(users):
    order, name = submitted_delivery(users)
    before = get_model("Test Delivery").objects.get(name=name)
    versions = Version.objects.filter(docname=name).count()

    assert do_set_system_fields("Test Delivery", name, {"test_order": order}) == 1

    after = get_model("Test Delivery").objects.get(name=name)
    assert (after.test_order, after.docstatus) == (order, 1)
    # no lifecycle: the form a person has open is not stale, and no version is written
    assert after.modified == before.modified
    assert Version.objects.filter(docname=name).count() == versions


def test_fields_a_person_edits_are_refused_by_name(users):
    _order, name = submitted_delivery(users)

    with pytest.raises(DataError) as refused:
        do_set_system_fields("Test Delivery", name, {"amount": 10, "status": "Closed", "nope": 1})

    assert all(f in str(refused.value) for f in ("amount", "status", "nope"))
    assert get_model("Test Delivery").objects.get(name=name).amount in (None, 0)


def test_update_modified_marks_the_document_changed(users):
    order, name = submitted_delivery(users)
    before = get_model("Test Delivery").objects.get(name=name).modified

    do_set_system_fields("Test Delivery", name, {"test_order": order}, update_modified=True)

    assert get_model("Test Delivery").objects.get(name=name).modified > before


def test_where_writes_only_while_the_row_still_holds_the_values(users):
    order, name = submitted_delivery(users)

    # the first run finds the link empty and sets it; the second finds it set and writes nothing
    assert (
        do_set_system_fields(
            "Test Delivery", name, {"test_order": order}, where={"test_order": None}
        )
        == 1
    )
    assert (
        do_set_system_fields(
            "Test Delivery", name, {"test_order": None}, where={"test_order": None}
        )
        == 0
    )
    assert get_model("Test Delivery").objects.get(name=name).test_order == order
    # a condition may name any column, edited fields and standard ones too
    assert (
        do_set_system_fields("Test Delivery", name, {"test_order": None}, where={"docstatus": 0})
        == 0
    )
    assert (
        do_set_system_fields("Test Delivery", name, {"test_order": None}, where={"docstatus": 1})
        == 1
    )


def test_where_naming_an_unknown_column_is_refused_by_name(users):
    order, name = submitted_delivery(users)

    with pytest.raises(DataError) as refused:
        do_set_system_fields("Test Delivery", name, {"test_order": order}, where={"nope": 1})

    assert "nope" in str(refused.value)
    assert get_model("Test Delivery").objects.get(name=name).test_order is None
