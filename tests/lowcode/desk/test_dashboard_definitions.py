"""A Number Card or Dashboard Chart naming a DocType or field that does not exist is refused
when saved (field-named, in Chinese), instead of vanishing from the dashboard."""

from __future__ import annotations

import pytest

from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db


def errors(response) -> dict[str, str]:
    assert response.status_code == 417, response.content.decode()[:500]
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_chart_on_a_doctype_that_does_not_exist_is_refused_on_its_field(api):
    response = api("sysman").post(
        "/api/resource/Dashboard Chart",
        {"chart_name": "按来源", "document_type": "Leed", "group_by": "source"},
    )

    assert errors(response) == {"document_type": "单据类型：未找到文档类型 Leed"}
    assert not get_model("Dashboard Chart").objects.exists()


def test_a_chart_names_each_missing_field_by_its_chinese_label(api):
    response = api("sysman").post(
        "/api/resource/Dashboard Chart",
        {"chart_name": "按来源", "document_type": "Lead", "group_by": "sauce",
         "function": "Sum", "aggregate_field": "company_name",
         "filters_json": '[["stauts", "=", "Open"]]'},
    )  # fmt: skip

    found = errors(response)
    assert found["group_by"] == "分组字段：线索没有字段 sauce"
    assert found["aggregate_field"].startswith("汇总字段：")
    assert "company_name" in found["aggregate_field"]
    assert found["filters_json"].startswith("筛选条件：") and "stauts" in found["filters_json"]


def test_a_number_card_on_a_missing_doctype_is_refused_and_a_good_chart_saves(api):
    admin = api("sysman")

    card = admin.post("/api/resource/Number Card", {"label": "线索数", "document_type": "Lead "})
    chart = admin.post(
        "/api/resource/Dashboard Chart",
        {"chart_name": "按来源", "document_type": "Lead", "group_by": "source",
         "filters_json": '{"status": "Open"}'},
    )  # fmt: skip

    assert set(errors(card)) == {"document_type"}
    assert chart.status_code == 200, chart.content.decode()[:500]


def test_saving_a_record_named_in_chinese_through_the_desk_redirects_to_it(desk):
    from urllib.parse import quote

    client = desk("sysman")

    response = client.post(
        "/app/dashboard-chart/new",
        {"chart_name": "按来源", "document_type": "Lead", "group_by": "source",
         "function": "Count", "chart_type": "Bar", "max_groups": "10", "is_public": "1"},
    )  # fmt: skip

    assert response.status_code == 204, response.content.decode()[:800]
    target = response["HX-Redirect"]
    # URL-encoded, not MIME-encoded (=?utf-8?b?…?=), which the browser followed to a 404
    assert target == "/app/dashboard-chart/" + quote("按来源")
    assert client.get(target).status_code == 200


def test_a_chart_whose_doctype_is_gone_tells_a_system_manager_instead_of_vanishing(api, desk):
    admin = api("sysman")
    admin.post(
        "/api/resource/Dashboard Chart",
        {"chart_name": "按来源", "document_type": "Lead", "group_by": "source"},
    )
    admin.post("/api/resource/Number Card", {"label": "线索数", "document_type": "Lead"})
    # the DocType is deleted later (a run-time DocType removed): the stored figures outlive it
    get_model("Dashboard Chart").objects.update(document_type="Site Visit Plan")
    get_model("Number Card").objects.update(document_type="Site Visit Plan")

    seen_by_admin = desk("sysman").get("/app/dashboard").content.decode()
    seen_by_rep = desk("rep").get("/app/dashboard").content.decode()

    assert seen_by_admin.count("未找到文档类型 Site Visit Plan") == 2
    assert "按来源" in seen_by_admin and "线索数" in seen_by_admin
    assert "Site Visit Plan" not in seen_by_rep
