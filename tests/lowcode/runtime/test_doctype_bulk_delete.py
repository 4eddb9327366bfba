"""DocTypes ticked in the desk's list are deleted in bulk: each through do_delete_doctype,
outside a transaction, after the number ticked is typed; the answer lists what was deleted
and what was refused, and why."""

from __future__ import annotations

import pytest
from django.db import connection

from lowcode.documents.schema import do_create_doctype
from lowcode.meta import registry

pytestmark = pytest.mark.django_db(transaction=True)  # schema changes refuse an open one

RIGHTS = {"role": "System Manager", "read": 1, "write": 1, "create": 1, "allow_delete": 1}


def make(name: str, *fields: dict, **extra) -> None:
    fields = fields or ({"fieldname": "title", "label": "标题", "fieldtype": "Data"},)
    do_create_doctype(
        "Administrator",
        {"name": name, "module": "CRM", "fields": list(fields), "permissions": [RIGHTS], **extra},
    )


@pytest.fixture
def doctypes(users):
    """Book (with its child table Book Chapter), Shelf, and Pen, which Shelf links to."""
    make(
        "Book",
        {"fieldname": "title", "label": "书名", "fieldtype": "Data"},
        {"fieldname": "chapters", "label": "章节", "fieldtype": "Table", "options": "Book Chapter"},
        child_doctypes=[
            {"name": "Book Chapter", "fields": [{"fieldname": "heading", "fieldtype": "Data"}]}
        ],
    )
    make("Pen")
    make(
        "Shelf",
        {"fieldname": "title", "label": "标题", "fieldtype": "Data"},
        {"fieldname": "pen", "label": "笔", "fieldtype": "Link", "options": "Pen"},
    )


def tables() -> set[str]:
    return set(connection.introspection.table_names())


def test_the_doctype_list_offers_bulk_delete_with_the_count_typed(desk, doctypes):
    page = desk("sysman").get("/app/doctype").content.decode()

    assert '<option value="delete">' in page
    assert 'name="confirm_count"' in page
    assert 'id="bulk-result"' in page


def test_ticked_doctypes_are_deleted_in_bulk_and_the_refused_ones_named(desk, doctypes):
    admin = desk("sysman")
    ticked = ["Book Chapter", "Book", "Pen"]  # the child first: it goes after its parent

    response = admin.post(
        "/app/doctype/bulk",
        {"bulk_action": "delete", "names": ticked, "confirm_count": "3"},
    )

    assert response.status_code == 200, response.content.decode()[:300]
    assert response["HX-Retarget"] == "#bulk-result"
    result = response.content.decode()
    assert "Book Chapter" in result and "Book" in result
    refused = result.split("<ul>", 1)[1]
    assert "Pen" in refused and "Shelf" in refused  # Shelf's link keeps Pen
    registry.clear_local_cache()
    assert not registry.exists("Book") and not registry.exists("Book Chapter")
    assert registry.exists("Pen") and registry.exists("Shelf")
    assert {"tabBook", "tabBook Chapter"}.isdisjoint(tables())
    assert "tabPen" in tables()


def test_nothing_is_deleted_until_the_number_ticked_is_typed(desk, doctypes):
    admin = desk("sysman")

    response = admin.post(
        "/app/doctype/bulk",
        {"bulk_action": "delete", "names": ["Pen", "Book"], "confirm_count": "1"},
    )

    assert response.status_code == 204
    assert "2" in response["HX-Trigger"]
    registry.clear_local_cache()
    assert registry.exists("Pen") and registry.exists("Book")
