"""A board by a Link to a configuration list (Opportunity Stage): every stage, in its order;
moves are the opportunity's own save (stage history, reasons, the lost reason)."""

from __future__ import annotations

import pytest

from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.storage.factory import get_model
from tests.lowcode.desk.test_boards import JSON, board

pytestmark = pytest.mark.django_db
KANBAN = "/app/opportunity/view/kanban"
MOVE = "/app/opportunity/view/kanban/move"


def stages() -> list[str]:
    """The enabled stages in funnel order, as an administrator configured them."""
    return list(
        get_model("Opportunity Stage")
        .objects.filter(enabled=True)
        .order_by("stage_order", "name")
        .values_list("name", flat=True)
    )


def opportunity(stage: str, **values) -> str:
    customer = do_insert_doc("rep", "Customer", {"customer_name": "苏州精工机械有限公司"}).name
    data = {
        "opportunity_name": "数控改造",
        "customer": customer,
        "sales_owner": "rep",
        "amount": 200000,
        "expected_close_date": "2026-12-31",
        "stage": stage,
        **values,
    }
    return do_insert_doc("rep", "Opportunity", data).name


def move(client, name: str, value: str, **extra):
    data = {"name": name, "field": "stage", "value": value, **extra}
    return client.post(MOVE, data, htmx=False, **JSON)


def test_the_board_groups_by_stage_in_funnel_order_with_empty_stages_too(desk):
    # given one opportunity in the second stage, and a stage an administrator put first
    funnel = stages()
    mine = opportunity(funnel[1])
    do_insert_doc(
        "Administrator",
        "Opportunity Stage",
        {"stage_name": "线索培育", "stage_order": 0, "probability": 5, "stage_type": "Open"},
    )
    # when the rep opens the board with no field chosen
    html = desk("rep").get(KANBAN).content.decode()
    columns = board(desk("rep"), KANBAN)
    # then the stage field is the default, columns follow stage_order, not the alphabet or use
    assert '<option value="stage" selected>' in html
    assert list(columns) == ["线索培育", *funnel]
    assert list(columns) != sorted(columns)
    assert columns[funnel[1]]["cards"] == [mine]
    assert all(columns[s]["count"] == 0 for s in columns if s != funnel[1])
    assert 'data-reason-field="stage_reason"' in html


def test_a_disabled_stage_is_no_column(desk):
    funnel = stages()
    opportunity(funnel[1])
    do_save_doc("Administrator", "Opportunity Stage", funnel[0], {"enabled": 0})
    assert list(board(desk("rep"), KANBAN)) == funnel[1:]


def test_a_move_is_the_opportunitys_save_and_records_the_stage_history(desk):
    funnel = stages()
    name = opportunity(funnel[0])
    client = desk("rep")
    # when the card moves forward
    assert move(client, name, funnel[1]).status_code == 200
    # then the controller wrote the history row
    history = get_model("Opportunity Stage Change").objects.filter(parent=name).order_by("idx")
    assert [(h.from_stage, h.to_stage) for h in history][-1] == (funnel[0], funnel[1])
    # a move back needs a reason: refused naming the field, then taken with the reason given
    refused = move(client, name, funnel[0])
    assert refused.status_code == 417
    assert [e["field"] for e in refused.json()["errors"]] == ["stage_reason"]
    assert get_model("Opportunity").objects.get(name=name).stage == funnel[1]
    back = move(client, name, funnel[0], reason="客户预算推迟到明年")
    assert back.status_code == 200, back.content
    last = get_model("Opportunity Stage Change").objects.filter(parent=name).order_by("-idx")[0]
    assert (last.to_stage, last.reason) == (funnel[0], "客户预算推迟到明年")


def test_a_move_to_the_lost_stage_names_the_missing_lost_reason(desk):
    lost = get_model("Opportunity Stage").objects.get(stage_type="Lost").name
    name = opportunity(stages()[0])
    # when, even with a stage reason given on the board
    refused = move(desk("rep"), name, lost, reason="客户选择了竞品")
    # then the field the board cannot ask for is named, in Chinese, and nothing moved
    assert refused.status_code == 417
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert list(errors) == ["lost_reason"]
    assert "输单原因" in errors["lost_reason"]
    assert get_model("Opportunity").objects.get(name=name).stage == stages()[0]
