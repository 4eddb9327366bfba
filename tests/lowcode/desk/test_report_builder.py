"""The Report Builder screen through the desk: choices through the permission layer, the
"amount by stage and owner" suggestion, saving for roles, opening, exporting and pinning."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from urllib.parse import quote

import pytest

from lowcode.storage.factory import get_model
from tests.lowcode.desk.test_boards_config_links import opportunity, stages

pytestmark = pytest.mark.django_db
BUILDER = "/app/report-builder"


def page(client, path: str, params=None) -> str:
    response = client.get(path, params or {})
    assert response.status_code == 200, response.content[:800]
    return response.content.decode()


def charts(text: str) -> list[dict]:
    return [json.loads(html.unescape(raw)) for raw in re.findall(r'data-chart="([^"]+)"', text)]


def suggestion_links(text: str) -> dict[str, str]:
    found = re.findall(r'<a class="chip chip-suggest" href="([^"]+)">([^<]+)</a>', text)
    return {html.unescape(label): html.unescape(href) for href, label in found}


@pytest.fixture
def deals(users):
    first, second = stages()[:2]
    opportunity(first, amount=100)
    opportunity(first, amount=50)
    opportunity(second, amount=30)
    # rep2's deal rep may not read
    from lowcode.documents.actions import do_insert_doc

    customer = do_insert_doc("rep2", "Customer", {"customer_name": "无锡精密"}).name
    do_insert_doc(
        "rep2",
        "Opportunity",
        {"opportunity_name": "别人的", "customer": customer, "sales_owner": "rep2",
         "amount": 9999, "expected_close_date": "2026-12-31", "stage": first},
    )  # fmt: skip
    return first, second


def test_the_suggestion_sums_the_amount_by_stage_and_owner_in_one_tap(desk, deals):
    rep = desk("rep")
    # given the builder opened on Opportunity (the DocType chip's link)
    text = page(rep, BUILDER, {"doctype": "Opportunity"})
    links = suggestion_links(text)
    wanted = next(label for label in links if "阶段" in label and "负责人" in label)
    # when the suggestion is tapped
    result = page(rep, links[wanted])
    # then the preview groups rep's deals only, with a totals row and a chart
    assert "金额 · 求和" in result
    chart = charts(result)[0]
    assert chart["type"] == "bar"
    assert sum(sum(d["values"]) for d in chart["data"]["datasets"]) == 180
    totals = re.search(r'<tfoot><tr class="total-row">(.*?)</tr></tfoot>', result, re.S)
    assert totals and "合计" in totals.group(1) and "180" in totals.group(1)


def test_a_field_above_the_users_permlevel_is_not_offered_nor_accepted(desk, users):
    rep = desk("rep")
    text = page(rep, BUILDER, {"doctype": "Test Order"})
    assert 'value="secret_margin"' not in text
    assert 'name="m.secret_margin"' not in text
    assert 'value="amount"' in text
    # a crafted URL grouping by it is refused on the page, naming the field
    refused = page(rep, BUILDER, {"doctype": "Test Order", "g": "secret_margin"})
    assert 'id="rb-error"' in refused and "secret_margin" in refused
    # the manager (permlevel 1 on Test Order) is offered it
    assert 'name="m.secret_margin"' in page(desk("manager"), BUILDER, {"doctype": "Test Order"})


def test_child_and_linked_fields_are_offered(desk, users):
    text = page(desk("sysman"), BUILDER, {"doctype": "Test Order"})
    assert 'value="items.qty"' in text  # a child table's field
    delivery = page(desk("sysman"), BUILDER, {"doctype": "Test Delivery"})
    assert 'value="test_order.amount"' in delivery  # a field of the linked order


def test_a_runtime_list_includes_every_readable_doctype(desk, users):
    text = page(desk("sysman"), BUILDER)
    assert '<option value="Opportunity"' in text and '<option value="Test Order"' in text


def test_save_for_a_role_open_export_and_pin(desk, deals):
    admin = desk("sysman")
    first, _second = deals
    state = f"doctype=Opportunity&g=stage&m.amount=sum&chart=pie&totals=1&ff=stage&fo=%3D&fv={quote(first)}"
    # when a System Manager saves it for Sales Managers (and System Managers)
    saved = admin.post(
        f"{BUILDER}/save",
        {"state": state, "report_name": "按阶段金额", "roles": ["Sales Manager", "System Manager"]},
        htmx=False,
    )
    # then it is a Report Builder report with its spec and roles
    assert saved.status_code == 302, saved.content[:500]
    assert saved["Location"] == f"/app/query-report/{quote('按阶段金额')}"
    report = get_model("Report").objects.get(name="按阶段金额")
    assert report.report_type == "Report Builder"
    assert report.json["group_by"] == ["stage"]
    assert report.json["filters"] == [["stage", "=", first]]
    assert [r.role for r in report.get("roles")] == ["Sales Manager", "System Manager"]
    # the manager opens it; rep, not a Sales Manager, gets the same 404 as a missing report
    manager = desk("manager")
    opened = page(manager, saved["Location"])
    assert charts(opened)[0]["type"] == "pie"
    assert desk("rep").get(saved["Location"]).status_code == 404
    # export through the existing export
    exported = manager.get(f"{saved['Location']}/export", {"file_format_type": "CSV"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["Stage", "Amount · Sum"] or rows[0][0] in ("阶段", "Stage")
    assert rows[-1][0] in ("合计", "Total")
    # and pin it: the dashboard draws the report's chart for its role only
    assert 'id="report-pin"' in page(admin, saved["Location"])
    pinned = admin.post(f"{saved['Location']}/pin", {}, htmx=False)
    assert pinned.status_code == 302
    chart = get_model("Dashboard Chart").objects.get(report_name="按阶段金额")
    assert chart.document_type == "Opportunity"
    board = page(manager, "/app/dashboard")
    assert f'data-chart-name="{chart.name}"' in board
    assert f'data-chart-name="{chart.name}"' not in page(desk("rep"), "/app/dashboard")


def test_only_a_system_manager_may_save(desk, users):
    assert 'id="rb-save"' not in page(desk("rep"), BUILDER, {"doctype": "Test Order"})
    response = desk("rep").post(
        f"{BUILDER}/save",
        {"state": "doctype=Test Order&g=status", "report_name": "Mine"},
        htmx=False,
    )
    assert response.status_code == 404  # the desk answers a refusal as it answers a missing page
    assert not get_model("Report").objects.filter(name="Mine").exists()


def test_a_saved_report_opens_in_the_builder_and_saves_again(desk, users):
    admin = desk("sysman")
    admin.post(
        f"{BUILDER}/save",
        {"state": "doctype=Test Order&g=status&count=1", "report_name": "可改报表"},
        htmx=False,
    )
    # the report page offers 编辑, which opens the builder on the saved spec
    assert 'id="report-edit"' in page(admin, f"/app/query-report/{quote('可改报表')}")
    text = page(admin, BUILDER, {"report": "可改报表"})
    assert re.search(r'name="g" value="status"[^>]*checked', text)
    assert 'value="可改报表"' in text
    # saved again with a sum instead of a count: the same report, changed
    again = admin.post(
        f"{BUILDER}/save",
        {"state": "doctype=Test Order&g=status&m.amount=sum", "report_name": "可改报表"},
        htmx=False,
    )
    assert again.status_code == 302
    report = get_model("Report").objects.get(name="可改报表")
    assert report.json["aggregates"] == [{"function": "sum", "field": "amount"}]


def test_the_builders_preview_takes_the_same_queries_for_any_number_of_rows(desk, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lowcode.documents.actions import do_insert_doc

    rep = desk("rep")
    url = f"{BUILDER}?doctype=Test Order&g=status&g=priority&m.amount=sum&chart=bar&totals=1"

    def orders(count: int, start: int) -> None:
        for i in range(start, start + count):
            data = {"title": f"o{i}", "status": "Open", "amount": i, "priority": i}
            do_insert_doc("rep", "Test Order", data)

    def queries() -> int:
        page(rep, url)  # warm the per-process metadata
        with CaptureQueriesContext(connection) as captured:
            page(rep, url)
        return len(captured)

    orders(2, 0)
    few = queries()
    orders(20, 2)
    assert queries() == few


def test_a_select_filter_shows_its_options_worded_for_the_doctype(desk, users):
    text = page(
        desk("rep"), BUILDER, {"doctype": "Opportunity", "ff": "status", "fo": "=", "fv": "Lost"}
    )
    # the value stays the key; the label is the opportunity's word for it (输单, not 流失)
    assert re.search(r'<option value="Lost" selected>输单</option>', text)


def test_grouped_select_values_show_their_labels_in_the_preview(desk, users):
    name = opportunity(stages()[0])
    # a lost deal (its stage history is not what this test is about)
    get_model("Opportunity").objects.filter(name=name).update(status="Lost")
    text = page(desk("rep"), BUILDER, {"doctype": "Opportunity", "g": "status", "count": "1"})
    cells = re.findall(r"<tbody>\s*<tr><td>([^<]*)</td>", text)
    assert cells == ["输单"]  # the opportunity's word for the stored key Lost (流失 elsewhere)


def test_a_linked_field_filters_the_preview(desk, users):
    from lowcode.documents.actions import do_insert_doc

    for title, status in (("甲", "Open"), ("乙", "Closed")):
        name = do_insert_doc("rep", "Test Order", {"title": title, "status": status}).name
        delivery = do_insert_doc("rep", "Test Delivery", {"title": f"{title}发货"})
        get_model("Test Delivery").objects.filter(name=delivery.name).update(test_order=name)
    params = {
        "doctype": "Test Delivery",
        "f": "title",
        "ff": "test_order.status",
        "fo": "=",
        "fv": "Open",
    }
    text = page(desk("sysman"), BUILDER, params)
    assert '<option value="test_order.status" selected>' in text
    assert "甲发货" in text and "乙发货" not in text
