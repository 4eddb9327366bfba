"""The list and form pages run the same number of queries for 5 rows as for a full page (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.meta import registry

pytestmark = pytest.mark.django_db


def queries(client, path: str) -> int:
    """Queries of one request for ``path``, after a first request warmed the caches."""
    assert client.get(path).status_code == 200
    context.reset()
    registry.clear_local_cache()
    assert client.get(path).status_code == 200  # per-process caches warm again, as in production
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured.captured_queries)


def add_leads(owner: str, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        do_insert_doc(
            owner,
            "Lead",
            {"lead_name": f"线索{i}", "company_name": f"公司{i}", "status": "Open"},
        )
    context.reset()


LIST_PATHS = ["/app/lead", "/app/lead?f_status=Open&order_by=company_name+desc"]


@pytest.mark.parametrize("user", ["rep", "manager"])
@pytest.mark.parametrize("path", LIST_PATHS)
def test_the_list_page_does_not_query_per_row(desk, django_assert_max_num_queries, user, path):
    # given: 5 of the rep's leads
    add_leads("rep", 5)
    client = desk(user)
    few = queries(client, path)
    # when: 45 more exist (a full first page of 20 and more pages behind it)
    add_leads("rep", 45, start=5)
    # then: the same number of queries
    with django_assert_max_num_queries(few):
        response = client.get(path)
    assert response.content.decode().count('class="row-title"') == 20


@pytest.fixture
def customer(users):
    return do_insert_doc("rep", "Customer", {"customer_name": "常熟纺织机械有限公司"}).name


def order_with(customer: str, rows: int) -> str:
    items = [{"item_name": f"零件{i}", "qty": 1, "rate": 10 + i} for i in range(rows)]
    name = do_insert_doc("rep", "Sales Order", {"customer": customer, "items": items}).name
    context.reset()
    return name


def test_the_form_page_does_not_query_per_child_row(desk, customer, django_assert_max_num_queries):
    client = desk("rep")
    few = queries(client, f"/app/sales-order/{order_with(customer, 5)}")
    big = order_with(customer, 50)
    with django_assert_max_num_queries(few):
        response = client.get(f"/app/sales-order/{big}")
    assert response.content.decode().count('value="零件') == 50


def test_the_form_page_does_not_query_per_timeline_event(desk, django_assert_max_num_queries):
    """Versions and comments each become a timeline entry; reading them is one query each kind."""
    client = desk("rep")

    def lead_with_history(edits: int) -> str:
        name = do_insert_doc("rep", "Lead", {"lead_name": "周强", "city": "南京"}).name
        for i in range(edits):
            user = ("rep", "manager")[i % 2]
            do_save_doc(user, "Lead", name, {"city": f"城市{i}"})
            context.reset()
        return name

    few = queries(client, f"/app/lead/{lead_with_history(2)}")
    busy = lead_with_history(20)
    with django_assert_max_num_queries(few):
        response = client.get(f"/app/lead/{busy}")
    assert response.content.decode().count("城市19") >= 1
