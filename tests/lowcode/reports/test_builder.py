"""Report Builder over HTTP: child and linked columns, two-level groups with every aggregate,
totals, charts and what the permission layer lets each user see."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.i18n import pgettext

from .test_reports import RUN, make_report

# Sales Users hold no report permission on Test Delivery: the reports name their roles.
ROLES = [{"role": "Sales User"}, {"role": "System Manager"}]


def order(owner: str, title: str, status: str, amount: float, priority: int = 0, **more) -> str:
    data = {"title": title, "status": status, "amount": amount, "priority": priority, **more}
    return do_insert_doc(owner, "Test Order", data).name


def run(api, user: str, name: str, filters=None):
    params = {"report_name": name} | ({"filters": filters} if filters else {})
    response = api(user).get(RUN, params)
    assert response.status_code == 200, response.content
    return response.json()["message"]


def test_child_columns_read_rows_of_readable_parents_only(api):
    # given rep's order with two items and rep2's order with one
    order(
        "rep", "甲", "Open", 10, items=[{"item_code": "A", "qty": 2}, {"item_code": "B", "qty": 3}]
    )
    order("rep2", "乙", "Open", 20, items=[{"item_code": "C", "qty": 7}])
    make_report(
        "Items",
        "Report Builder",
        json={"fields": ["title", "items.item_code", "items.qty"], "order_by": "items.qty asc"},
    )
    # when rep and the manager (department scope) run it
    mine = run(api, "rep", "Items")
    everyone = run(api, "manager", "Items")
    # then rep sees only the rows of the order rep may read
    assert mine["result"] == [
        {"title": "甲", "items.item_code": "A", "items.qty": 2},
        {"title": "甲", "items.item_code": "B", "items.qty": 3},
    ]
    assert [r["items.item_code"] for r in everyone["result"]] == ["A", "B", "C"]
    assert [c["label"] for c in mine["columns"]] == [
        "Title",
        "Items · Item Code",
        "Items · Quantity",
    ]


def test_child_columns_group_and_sum_over_readable_parents(api):
    order(
        "rep", "甲", "Open", 10, items=[{"item_code": "A", "qty": 2}, {"item_code": "A", "qty": 3}]
    )
    order("rep2", "乙", "Open", 20, items=[{"item_code": "A", "qty": 7}])
    make_report(
        "Qty By Item",
        "Report Builder",
        json={
            "group_by": ["items.item_code"],
            "aggregates": [{"function": "sum", "field": "items.qty"}],
        },
    )
    assert run(api, "rep", "Qty By Item")["result"] == [
        {"items.item_code": "A", "sum_items_qty": 5}
    ]
    assert run(api, "manager", "Qty By Item")["result"] == [
        {"items.item_code": "A", "sum_items_qty": 12}
    ]


def test_linked_columns_need_the_linked_fields_permlevel(api):
    # given rep's delivery pointing at rep's order (secret_margin is permlevel 1 on Test Order)
    name = order("rep", "甲", "Open", 10)
    delivery = do_insert_doc("rep", "Test Delivery", {"title": "一号发货"})
    from lowcode.storage.factory import get_model

    get_model("Test Order").objects.filter(name=name).update(secret_margin=3)
    get_model("Test Delivery").objects.filter(name=delivery.name).update(test_order=name)
    make_report(
        "Delivery Orders",
        "Report Builder",
        ref_doctype="Test Delivery",
        roles=ROLES,
        json={"fields": ["title", "test_order.title", "test_order.amount"]},
    )
    make_report(
        "Delivery Margins",
        "Report Builder",
        ref_doctype="Test Delivery",
        roles=ROLES,
        json={"fields": ["title", "test_order.secret_margin"]},
    )
    # then the linked fields read through
    assert run(api, "rep", "Delivery Orders")["result"] == [
        {"title": "一号发货", "test_order.title": "甲", "test_order.amount": 10}
    ]
    # and a linked field above the user's permlevel on the linked DocType is refused
    refused = api("rep").get(RUN, {"report_name": "Delivery Margins"})
    assert refused.status_code == 400
    assert "secret_margin" in refused.json()["message"]
    # while the manager, who may read permlevel 1 of Test Order, gets it
    assert run(api, "sysman", "Delivery Margins")["result"][0]["test_order.secret_margin"] == 3


def test_a_linked_record_the_user_may_not_read_gives_an_empty_value(api):
    # given south's order, and rep's delivery linked to it (written past the link check)
    theirs = order("south", "南方", "Open", 99)
    delivery = do_insert_doc("rep", "Test Delivery", {"title": "越界"})
    from lowcode.storage.factory import get_model

    get_model("Test Delivery").objects.filter(name=delivery.name).update(test_order=theirs)
    make_report(
        "Linked Titles",
        "Report Builder",
        ref_doctype="Test Delivery",
        roles=ROLES,
        json={"fields": ["title", "test_order.title"]},
    )
    # then rep sees the delivery but not the title of an order rep may not read
    assert run(api, "rep", "Linked Titles")["result"] == [
        {"title": "越界", "test_order.title": None}
    ]


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("count", {("Open", 1): 2, ("Open", 2): 1, ("Closed", 1): 1}),
        ("sum", {("Open", 1): 30, ("Open", 2): 5, ("Closed", 1): 7}),
        ("avg", {("Open", 1): 15, ("Open", 2): 5, ("Closed", 1): 7}),
        ("min", {("Open", 1): 10, ("Open", 2): 5, ("Closed", 1): 7}),
        ("max", {("Open", 1): 20, ("Open", 2): 5, ("Closed", 1): 7}),
    ],
)
def test_two_level_group_by_with_each_aggregate_and_totals(api, function, expected):
    # given rep's orders, and rep2's the sales user may not read
    order("rep", "a", "Open", 10, 1)
    order("rep", "b", "Open", 20, 1)
    order("rep", "c", "Open", 5, 2)
    order("rep", "d", "Closed", 7, 1)
    order("rep2", "e", "Open", 1000, 1)
    field = "name" if function == "count" else "amount"
    make_report(
        "Two Level",
        "Report Builder",
        json={
            "group_by": ["status", "priority"],
            "aggregates": [{"function": function, "field": field}],
            "add_total_row": 1,
        },
    )
    # when
    message = run(api, "rep", "Two Level")
    # then
    alias = f"{function}_{field}"
    *rows, total = message["result"]
    assert {(r["status"], r["priority"]): r[alias] for r in rows} == expected
    assert message["add_total_row"] is True
    overall = {"count": 4, "sum": 42, "avg": 10.5, "min": 5, "max": 20}[function]
    assert total == {"status": "合计", "priority": None, alias: overall}


def test_a_list_report_totals_its_numeric_columns_over_every_readable_row(api):
    order("rep", "a", "Open", 10, 1)
    order("rep", "b", "Open", 2.5, 3)
    order("rep2", "c", "Open", 1000, 9)
    make_report(
        "Listed Totals",
        "Report Builder",
        json={"fields": ["title", "amount", "priority"], "add_total_row": 1},
    )
    *rows, total = run(api, "rep", "Listed Totals")["result"]
    assert len(rows) == 2
    assert total == {"title": "合计", "amount": 12.5, "priority": 4}


def test_grouped_chart_has_one_series_per_second_group(api):
    order("rep", "a", "Open", 10, 1)
    order("rep", "b", "Open", 5, 2)
    order("rep", "c", "Closed", 7, 1)
    make_report(
        "Charted",
        "Report Builder",
        json={
            "group_by": ["status", "priority"],
            "aggregates": [{"function": "sum", "field": "amount"}],
            "chart": {"type": "bar"},
        },
    )
    chart = run(api, "rep", "Charted")["chart"]
    assert chart["type"] == "bar"
    labels = chart["data"]["labels"]
    series = {
        d["name"]: dict(zip(labels, d["values"], strict=True)) for d in chart["data"]["datasets"]
    }
    closed, opened = pgettext("status", "Closed"), pgettext("status", "Open")
    assert labels == [closed, opened]  # grouped rows come sorted by status, then priority
    assert series == {"1": {closed: 7, opened: 10}, "2": {closed: 0, opened: 5}}


@pytest.mark.parametrize(
    "spec",
    [
        {"fields": ["title", "secret_margin"]},
        {"group_by": ["status"], "aggregates": [{"function": "sum", "field": "secret_margin"}]},
        {"group_by": ["secret_margin"]},
        {"fields": ["title"], "order_by": "secret_margin desc"},
        {"fields": ["items.nope"]},
        {"fields": ["title.item_code"]},
        {"fields": ["items.qty", "other_table.qty"]},
        {"fields": ["role.role_name; drop"]},
        {"group_by": ["status", "priority", "urgent"]},
        {"group_by": ["status"], "chart": {"type": "radar"}},
    ],
)
def test_fields_above_the_permlevel_and_malformed_names_are_refused(api, spec):
    make_report("Refused", "Report Builder", json=spec)
    assert api("rep").get(RUN, {"report_name": "Refused"}).status_code == 400


def test_a_report_for_chosen_roles_is_missing_for_other_roles(api):
    order("rep", "a", "Open", 10)
    make_report(
        "Managers Grouped",
        "Report Builder",
        json={"group_by": ["status"]},
        roles=[{"role": "Sales Manager"}],
    )
    assert api("manager").get(RUN, {"report_name": "Managers Grouped"}).status_code == 200
    # rep holds report permission on Test Order, but not the report's role
    assert api("rep").get(RUN, {"report_name": "Managers Grouped"}).status_code == 404


def test_measures_without_a_group_answer_one_row(api):
    order("rep", "a", "Open", 10, 1)
    order("rep", "b", "Closed", 5, 3)
    order("rep2", "c", "Open", 1000, 9)
    make_report(
        "Overall",
        "Report Builder",
        json={
            "aggregates": [
                {"function": "sum", "field": "amount"},
                {"function": "max", "field": "priority"},
            ]
        },
    )
    assert run(api, "rep", "Overall")["result"] == [{"sum_amount": 15, "max_priority": 3}]


def test_a_documents_own_amount_is_not_summed_once_per_child_row(api):
    order(
        "rep", "a", "Open", 10, items=[{"item_code": "A", "qty": 1}, {"item_code": "B", "qty": 1}]
    )
    make_report(
        "Doubled",
        "Report Builder",
        json={
            "group_by": ["items.item_code"],
            "aggregates": [{"function": "sum", "field": "amount"}],
        },
    )
    response = api("rep").get(RUN, {"report_name": "Doubled"})
    assert response.status_code == 400
    assert "amount" in response.json()["message"]


@pytest.mark.parametrize(
    "spec",
    [
        {"fields": ["title", "test_order.title", "test_order.amount"], "add_total_row": 1},
        {
            "group_by": ["test_order.status", "status"],
            "aggregates": [{"function": "sum", "field": "items.qty"}],
        },
    ],
)
def test_child_and_linked_columns_take_the_same_queries_for_any_number_of_rows(users, spec):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lowcode import context
    from lowcode.reports.engine import run_report
    from lowcode.storage.factory import get_model

    make_report("Counted", "Report Builder", ref_doctype="Test Delivery", roles=ROLES, json=spec)

    def deliveries(count: int) -> None:
        for i in range(count):
            name = order("rep", f"o{i}", "Open", i)
            delivery = do_insert_doc(
                "rep", "Test Delivery", {"title": f"d{i}", "items": [{"item_code": "A", "qty": 1}]}
            )
            get_model("Test Delivery").objects.filter(name=delivery.name).update(test_order=name)

    def queries() -> int:
        context.reset()
        with CaptureQueriesContext(connection) as captured:
            run_report("rep", "Counted")
        return len(captured)

    deliveries(2)
    few = queries()
    deliveries(20)
    assert queries() == few


def test_filters_on_child_and_linked_columns(api):
    from lowcode.storage.factory import get_model

    # given rep's two orders (one Open, one Closed) and a delivery for each
    for title, status in (("甲", "Open"), ("乙", "Closed")):
        name = order(
            "rep",
            title,
            status,
            10,
            items=[{"item_code": "A", "qty": 1}, {"item_code": "B", "qty": 2}],
        )
        delivery = do_insert_doc("rep", "Test Delivery", {"title": f"{title}发货"})
        get_model("Test Delivery").objects.filter(name=delivery.name).update(test_order=name)
    make_report(
        "Open Deliveries",
        "Report Builder",
        ref_doctype="Test Delivery",
        roles=ROLES,
        json={"fields": ["title"], "filters": [["test_order.status", "=", "Open"]]},
    )
    make_report(
        "B Rows",
        "Report Builder",
        json={
            "fields": ["title", "items.qty"],
            "filters": [["items.item_code", "=", "B"]],
            "order_by": "title asc",
        },
    )
    make_report(
        "Margin Filter",
        "Report Builder",
        ref_doctype="Test Delivery",
        roles=ROLES,
        json={"fields": ["title"], "filters": [["test_order.secret_margin", ">", 0]]},
    )
    # then a linked field narrows the documents, a child field the rows
    assert run(api, "rep", "Open Deliveries")["result"] == [{"title": "甲发货"}]
    assert run(api, "rep", "B Rows")["result"] == [
        {"title": "乙", "items.qty": 2},
        {"title": "甲", "items.qty": 2},
    ]
    # and a linked field above the user's permlevel cannot filter either
    assert api("rep").get(RUN, {"report_name": "Margin Filter"}).status_code == 400
