"""The same English word read in its own meaning on every desk screen (item 9): a lost
opportunity's pill, filter and kanban column say 输单 while a lost customer's says 流失; a
configuration record (an opportunity stage) shows no 草稿 pill; the import result's column
is 结果; a supervisor-routed transition names the supervisor."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from tests.lowcode.desk.test_boards import board
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def lost_stage() -> str:
    return get_model("Opportunity Stage").objects.get(stage_type="Lost").name


def opportunity(stage: str, **values) -> str:
    customer = do_insert_doc("rep", "Customer", {"customer_name": "苏州精工机械有限公司"}).name
    data = {"opportunity_name": "数控改造", "customer": customer, "sales_owner": "rep",
            "amount": 200000, "expected_close_date": "2026-12-31", "stage": stage, **values}  # fmt: skip
    return do_insert_doc("rep", "Opportunity", data).name


def pills(html: str) -> list[str]:
    return re.findall(r'<span class="pill pill-[a-z]+">([^<]*)</span>', html)


def test_a_lost_opportunity_reads_shu_dan_in_its_list_filter_and_board(desk):
    opportunity(lost_stage(), lost_reason="Price", stage_reason="客户选了竞品")
    client = desk("manager")

    listed = client.get("/app/opportunity").content.decode()
    columns = board(client, "/app/opportunity/view/kanban", field="status")
    kanban = client.get("/app/opportunity/view/kanban", {"field": "status"}).content.decode()

    assert "输单" in pills(listed) and "流失" not in pills(listed)
    assert re.search(r'<option value="Lost"[^>]*>输单</option>', listed)  # the status filter
    assert columns["Lost"]["count"] == 1
    by_stage = client.get("/app/opportunity/view/kanban").content.decode()
    assert re.search(r'<option value="Lost"[^>]*>输单</option>', by_stage)  # the board's filter
    headings = re.findall(r'<h2[^>]*id="kanban-h-\d+"[^>]*>(.*?)</h2>', kanban, re.S)
    assert any("输单" in h for h in headings) and not any("流失" in h for h in headings)


def test_a_lost_customer_still_reads_liu_shi(desk):
    do_insert_doc("manager", "Customer", {"customer_name": "无锡流失客户", "status": "Lost"})

    listed = desk("manager").get("/app/customer").content.decode()

    assert "流失" in pills(listed)


def test_configuration_records_show_no_draft_pill(desk):
    listed = desk("sysman").get("/app/opportunity-stage").content.decode()

    assert 'class="row-title"' in listed
    assert "草稿" not in pills(listed)


def test_the_import_result_column_is_jie_guo(desk):
    from tests.lowcode.desk.test_data_import_screen import _upload

    client = desk("manager")
    page = client.get(_upload(client)["Location"]).content.decode()

    assert '<th scope="col">结果</th>' in page
    assert "挽留结果" not in page


@pytest.mark.usefixtures("workflows")
def test_a_supervisor_routed_transition_names_the_supervisor(desk):
    page = desk("Administrator").get("/app/workflow-editor/Contract Approval").content.decode()

    summaries = [s for s in re.findall(r"<summary>(.*?)</summary>", page, re.S) if "→" in s]
    supervised = [s for s in summaries if "上1级主管" in s]
    assert supervised
    assert not [s for s in summaries if "· 已提交" in s or re.search(r"· 1\b", s)]
    # a 会签 by several roles names each in Chinese, not "Sales Director, Operations VP"
    assert not [s for s in summaries if "Sales Director" in s]


def test_the_value_stays_in_the_api_while_the_desk_shows_the_label(api, desk):
    name = opportunity(lost_stage(), lost_reason="Price", stage_reason="客户选了竞品")

    stored = api("rep").get(f"/api/resource/Opportunity/{name}").json()["data"]
    form = desk("rep").get(f"/app/opportunity/{name}").content.decode()

    # the API and the database keep the English value; the form shows the label in context
    assert (stored["status"], stored["lost_reason"]) == ("Lost", "Price")
    shown = re.search(r'id="in-status"[^>]*>([^<]*)<', form)
    assert shown and shown.group(1).strip() == "输单"
    assert api("rep").get(
        "/api/resource/Opportunity", {"filters": '[["status", "=", "Lost"]]'}
    ).json()["data"] == [{"name": name}]


def test_a_scheduled_script_every_tick_reads_mei_ci_diao_du_in_the_list(desk):
    do_insert_doc(
        "Administrator",
        "Server Script",
        {"name": "tick", "script_type": "Scheduler Event", "event_frequency": "All",
         "script": "x = 1"},
    )  # fmt: skip

    page = desk("sysman").get("/app/script-editor").content.decode()

    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*script-editor/tick(?:(?!</tr>).)*</tr>", page, re.S)
    assert row, page[:2000]
    assert "每次调度" in row.group(0) and "所有人" not in row.group(0)
