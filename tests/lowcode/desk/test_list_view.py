"""List view: columns, filters (standard, builder, custom fields), sort, paging, saved views, bulk."""

from __future__ import annotations

import json
import re

from lowcode.documents.actions import do_insert_doc
from lowcode.models import Assignment
from lowcode.storage.factory import get_model


def _titles(page: str) -> list[str]:
    return re.findall(r'class="row-title" href="[^"]+">([^<]+)</a>', page)


def _leads(owner: str, *names: str, **values) -> list[str]:
    return [
        do_insert_doc(owner, "Lead", {"lead_name": n, "status": "Open", **values}).name
        for n in names
    ]


def test_a_sales_user_lists_only_their_own_leads(desk):
    _leads("rep", "自己的线索")
    _leads("rep2", "同事的线索")

    page = desk("rep").get("/app/lead").content.decode()

    assert _titles(page) == ["自己的线索"]
    assert "共 1 条记录" in page


def test_a_user_without_read_permission_gets_the_not_found_page(desk):
    response = desk("nobody").get("/app/lead")

    assert response.status_code == 404
    assert "未找到，或您无权查看" in response.content.decode()


def test_standard_filter_and_filter_builder_narrow_the_list(desk):
    _leads("rep", "展会线索", source="Exhibition", city="苏州")
    _leads("rep", "网站线索", source="Website", city="杭州")
    client = desk("rep")

    by_standard = client.get("/app/lead", {"f_source": "Exhibition"}).content.decode()
    by_builder = client.get(
        "/app/lead", {"filters": json.dumps([["city", "like", "%杭%"]])}
    ).content.decode()

    assert _titles(by_standard) == ["展会线索"]
    assert _titles(by_builder) == ["网站线索"]


def test_sort_by_a_column_and_page_through(desk):
    for i in range(23):
        do_insert_doc("rep", "Lead", {"lead_name": f"线索{i:02d}", "status": "Open", "score": i})
    client = desk("rep")

    first = client.get("/app/lead", {"order_by": "score asc", "columns": "score"}).content.decode()
    second = client.get(
        "/app/lead", {"order_by": "score asc", "columns": "score", "start": "20"}
    ).content.decode()

    assert _titles(first)[:3] == ["线索00", "线索01", "线索02"] and len(_titles(first)) == 20
    assert _titles(second) == ["线索20", "线索21", "线索22"]
    assert "下一页" in first and "下一页" not in second


def test_a_bad_filter_is_an_error_message_not_a_crash(desk):
    response = desk("rep").get("/app/lead", {"filters": json.dumps([["no_such_field", "=", 1]])})

    assert response.status_code == 400
    assert "no_such_field" in response.content.decode()


def test_custom_field_is_a_column_and_a_filter_with_no_ui_code(desk):
    do_insert_doc(
        "Administrator",
        "Custom Field",
        {
            "dt": "Lead",
            "fieldname": "wechat_id",
            "label": "WeChat ID",
            "fieldtype": "Data",
            "insert_after": "mobile_no",
        },
    )
    _leads("rep", "有微信", wechat_id="wx-001")
    _leads("rep", "没微信")
    client = desk("rep")

    page = client.get(
        "/app/lead", {"columns": "wechat_id", "filters": json.dumps([["wechat_id", "=", "wx-001"]])}
    ).content.decode()

    assert _titles(page) == ["有微信"]
    assert "wx-001" in page and "WeChat ID" in page
    # the filter builder and the column picker offer it too
    assert 'value="wechat_id"' in client.get("/app/lead").content.decode()


def test_saved_views_are_personal_unless_shared(desk):
    rep, rep2 = desk("rep"), desk("rep2")
    query = "f_source=Exhibition&columns=city"
    rep.post("/app/lead/views", {"title": "我的展会", "query": query}, htmx=False)
    rep.post("/app/lead/views", {"title": "团队展会", "query": query, "is_shared": "1"}, htmx=False)

    assert "我的展会" in rep.get("/app/lead").content.decode()
    other = rep2.get("/app/lead").content.decode()
    assert "团队展会" in other and "我的展会" not in other

    view = get_model("Saved View").objects.get(title="我的展会")
    assert view.filters == [["source", "=", "Exhibition"]] and view.columns == ["city"]
    _leads("rep", "展会A", source="Exhibition")
    _leads("rep", "网站B", source="Website")
    assert _titles(rep.get("/app/lead", {"view": view.name}).content.decode()) == ["展会A"]


def test_bulk_assign_and_set_value(desk):
    names = _leads("manager", "甲", "乙")
    client = desk("manager")

    assigned = client.post(
        "/app/lead/bulk", {"names": names, "bulk_action": "assign", "assign_to": "rep"}
    )
    updated = client.post(
        "/app/lead/bulk",
        {"names": names, "bulk_action": "set_value", "field": "city", "value": "无锡"},
    )

    assert assigned.status_code == updated.status_code == 204
    assert set(Assignment.objects.filter(user="rep").values_list("docname", flat=True)) == set(
        names
    )
    assert set(get_model("Lead").objects.filter(name__in=names).values_list("city", flat=True)) == {
        "无锡"
    }
    # the assignee now sees them under the "own" scope
    assert len(_titles(desk("rep").get("/app/lead").content.decode())) == 2


def test_bulk_action_is_all_or_nothing(desk):
    mine = _leads("manager", "经理的线索")
    theirs = _leads("south", "华南的线索")  # outside the manager's department
    client = desk("manager")

    response = client.post(
        "/app/lead/bulk",
        {"names": mine + theirs, "bulk_action": "set_value", "field": "city", "value": "南京"},
    )

    assert "未做任何更改" in json.loads(response["HX-Trigger"])["desk:toast"]["message"]
    assert list(get_model("Lead").objects.filter(city="南京")) == []


def test_export_respects_permissions_and_permlevels(desk):
    _leads("rep", "导出甲")
    _leads("south", "导出乙")

    response = desk("manager").get("/app/lead/export", {"file_type": "csv"})
    body = response.content.decode("utf-8-sig")

    assert response.status_code == 200
    assert "导出甲" in body and "导出乙" not in body
    # a Sales User has no export right on Lead
    assert desk("rep").get("/app/lead/export", {"file_type": "csv"}).status_code == 404


def test_the_count_is_exact_up_to_the_desk_cap_then_says_more_than(desk, monkeypatch):
    from lowcode.desk.lib import listing

    monkeypatch.setattr(listing, "DESK_COUNT_CAP", 3)
    client = desk("rep")
    _leads("rep", "一", "二", "三")
    assert "共 3 条记录" in client.get("/app/lead").content.decode()

    _leads("rep", "四")
    page = client.get("/app/lead").content.decode()
    assert "超过 3 条记录" in page
    assert len(_titles(page)) == 4  # the rows themselves are not capped


def test_a_saved_view_keeps_a_text_filter_as_the_list_applied_it(desk):
    client = desk("rep")
    client.post("/app/lead/views", {"title": "苏州", "query": "f_city=苏"}, htmx=False)

    view = get_model("Saved View").objects.get(title="苏州")
    assert view.filters == [["city", "like", "%苏%"]]


def test_a_saved_view_with_broken_filters_is_refused_not_a_crash(desk):
    response = desk("rep").post(
        "/app/lead/views", {"title": "坏的", "query": "filters=%5Bnot-json"}, htmx=False
    )

    assert response.status_code == 400
    assert not get_model("Saved View").objects.filter(title="坏的").exists()
