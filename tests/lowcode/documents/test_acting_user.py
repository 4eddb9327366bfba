"""Lifecycle hooks learn who performs an action from the action itself."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_delete_doc, do_insert_doc, do_save_doc
from tests.engine_app.doctype.test_order import test_order


@pytest.fixture(autouse=True)
def clear_actors():
    test_order.ACTORS.clear()
    yield
    test_order.ACTORS.clear()


def test_each_action_tells_hooks_its_own_user(users):
    # given: rep creates and manager (same department) last edits the order
    name = do_insert_doc("rep", "Test Order", {"title": "谁在操作"}).name
    do_save_doc("manager", "Test Order", name, {"title": "经理修改"})

    # when: the system manager deletes it
    do_delete_doc("sysman", "Test Order", name)

    # then: every hook saw the user performing that action, not the previous editor
    assert test_order.ACTORS == [
        ("before_save", "rep"),
        ("before_save", "manager"),
        ("on_trash", "sysman"),
    ]
