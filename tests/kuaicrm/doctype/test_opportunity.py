"""Opportunity (商机) through the HTTP API: stages, history, dwell, probability, forecast, team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model

OPPORTUNITIES = "/api/resource/Opportunity"
STAGES = "/api/resource/Opportunity Stage"
CHANGE_STAGE = "/api/method/kuaicrm.change_opportunity_stage"
DWELL = "/api/method/kuaicrm.opportunity_dwell"


def doc_path(name: str) -> str:
    return f"{OPPORTUNITIES}/{name}"


@pytest.fixture
def customer(users):
    return do_insert_doc("rep", "Customer", {"customer_name": "苏州精工机械"}).name


def create(client, customer: str, **values) -> dict:
    data = {
        "opportunity_name": "数控机床采购",
        "customer": customer,
        "amount": 200000,
        "expected_close_date": "2026-09-30",
        **values,
    }
    response = client.post(OPPORTUNITIES, data)
    assert response.status_code == 200, response.content
    return response.json()["data"]


def move(client, name: str, stage: str, **params):
    return client.post(CHANGE_STAGE, {"name": name, "stage": stage, **params})


def backdate_stage(name: str, hours: float) -> None:
    """Pretend the opportunity entered its current stage ``hours`` ago."""
    get_model("Opportunity").objects.filter(name=name).update(
        stage_changed_on=timezone.now() - dt.timedelta(hours=hours)
    )


def history_of(doc: dict) -> list[dict]:
    """The stage history rows without their save stamps (every save restamps child rows)."""
    return [
        {k: v for k, v in row.items() if k not in ("modified", "modified_by")}
        for row in doc["stage_history"]
    ]


def errors_of(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json().get("errors", [])}


# ---------------------------------------------------------------------- creation
def test_a_direct_opportunity_starts_at_the_first_open_stage_owned_by_its_creator(api, customer):
    rep = api("rep")

    opp = create(rep, customer)

    assert opp["name"].startswith(f"OPP-{timezone.localdate():%Y}-")
    assert (opp["stage"], opp["status"]) == ("初步接触", "Open")
    assert (opp["sales_owner"], opp["department"]) == ("rep", "苏州组")
    assert opp["stage_probability"] == 10
    assert opp["probability"] == 10
    assert opp["weighted_amount"] == 20000
    assert opp["forecast_category"] == "Pipeline"
    assert opp["furthest_stage_order"] == 1
    assert opp["closed_on"] is None
    [initial] = opp["stage_history"]
    assert initial["from_stage"] is None
    assert initial["to_stage"] == "初步接触"
    assert (initial["changed_by"], initial["dwell_hours"], initial["amount"]) == ("rep", 0, 200000)


def test_the_default_stage_is_the_first_enabled_open_stage_by_order(api, customer):
    admin = api("Administrator")
    assert admin.put(f"{STAGES}/初步接触", {"enabled": 0}).status_code == 200

    opp = create(api("rep"), customer)

    assert (opp["stage"], opp["probability"], opp["furthest_stage_order"]) == ("需求确认", 30, 2)


def test_a_disabled_stage_cannot_be_chosen(api, customer):
    api("Administrator").put(f"{STAGES}/方案报价", {"enabled": 0})

    response = api("rep").post(
        OPPORTUNITIES,
        {
            "opportunity_name": "停用阶段",
            "customer": customer,
            "amount": 1,
            "expected_close_date": "2026-09-30",
            "stage": "方案报价",
        },
    )

    assert response.status_code == 417
    assert errors_of(response)["stage"] == "阶段 方案报价 已停用"


def test_products_are_priced_from_the_catalogue_and_make_the_amount(api, customer):
    admin = api("Administrator")
    for name, rate in (("立式加工中心 VMC850", 380000), ("主轴维保服务", 12000)):
        admin.post("/api/resource/Product", {"product_name": name, "standard_rate": rate})
    rep = api("rep")

    # given: no amount, one row at the standard price, one at a negotiated rate
    opp = create(
        rep,
        customer,
        amount=None,
        items=[
            {"product": "立式加工中心 VMC850", "qty": 2},
            {"product": "主轴维保服务", "qty": 3, "rate": 10000},
        ],
    )

    # then
    assert [(r["rate"], r["amount"]) for r in opp["items"]] == [(380000, 760000), (10000, 30000)]
    assert opp["amount"] == 790000
    assert opp["weighted_amount"] == 79000

    # when: a row changes, the amount still following the rows follows it
    items = opp["items"]
    items[0]["qty"] = 3
    saved = rep.put(doc_path(opp["name"]), {"items": items}).json()["data"]
    assert saved["amount"] == 1170000

    # when: someone types another amount, later row changes leave it alone
    rep.put(doc_path(opp["name"]), {"amount": 1000000})
    items[1]["qty"] = 1
    saved = rep.put(doc_path(opp["name"]), {"items": items}).json()["data"]
    assert saved["items"][1]["amount"] == 10000
    assert saved["amount"] == 1000000


def test_an_opportunity_from_a_lead_keeps_the_lead_link(api, customer):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "王磊", "customer": customer}).name
    opp = do_insert_doc(
        "rep",
        "Opportunity",
        {
            "opportunity_name": "线索转商机",
            "customer": customer,
            "amount": 50000,
            "expected_close_date": "2026-10-01",
            "lead": lead,
        },
    )
    rep = api("rep")

    # a client cannot relink it afterwards: lead is read-only and set by the conversion
    other = do_insert_doc("rep", "Lead", {"lead_name": "李娜"}).name
    saved = rep.put(doc_path(opp.name), {"lead": other}).json()["data"]

    assert saved["lead"] == lead
    assert saved["stage"] == "初步接触"


# ---------------------------------------------------------------------- stages and history
def test_stage_moves_append_history_with_the_hours_spent_in_the_stage_left(api, customer):
    rep = api("rep")
    opp = create(rep, customer)
    name = opp["name"]

    backdate_stage(name, 48)
    moved = move(rep, name, "需求确认", reason="客户确认预算和采购时间")
    assert moved.status_code == 200, moved.content
    assert moved.json()["message"]["probability"] == 30
    backdate_stage(name, 10)
    assert move(rep, name, "方案报价").status_code == 200

    saved = rep.get(doc_path(name)).json()["data"]
    history = saved["stage_history"]
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        (None, "初步接触"),
        ("初步接触", "需求确认"),
        ("需求确认", "方案报价"),
    ]
    assert [round(h["dwell_hours"]) for h in history] == [0, 48, 10]
    assert [h["reason"] for h in history] == [None, "客户确认预算和采购时间", None]
    assert {h["changed_by"] for h in history} == {"rep"}
    assert saved["stage_reason"] is None  # recorded with its move, not carried to the next
    assert (saved["status"], saved["furthest_stage_order"]) == ("Open", 3)
    assert (saved["stage_probability"], saved["probability"]) == (50, 50)
    changed = dt.datetime.fromisoformat(saved["stage_changed_on"])
    assert changed == dt.datetime.fromisoformat(history[-1]["changed_on"])


def test_dwell_per_stage_sums_the_history_and_counts_the_current_stage_until_now(api, customer):
    rep = api("rep")
    name = create(rep, customer)["name"]
    backdate_stage(name, 30)
    move(rep, name, "需求确认")
    backdate_stage(name, 20)
    move(rep, name, "初步接触", reason="需求有变，重新接触")
    backdate_stage(name, 6)

    response = rep.get(DWELL, {"name": name})

    assert response.status_code == 200, response.content
    stages = {s["stage"]: s for s in response.json()["message"]["stages"]}
    assert list(stages) == ["初步接触", "需求确认"]
    assert round(stages["初步接触"]["hours"]) == 36  # 30 before, 6 since coming back
    assert stages["初步接触"]["visits"] == 2
    assert stages["初步接触"]["current"] is True
    assert round(stages["需求确认"]["hours"]) == 20
    assert stages["需求确认"]["current"] is False


def test_moving_back_needs_a_reason_and_never_lowers_the_furthest_stage(api, customer):
    rep = api("rep")
    name = create(rep, customer)["name"]
    move(rep, name, "方案报价")

    refused = move(rep, name, "需求确认")

    assert refused.status_code == 417
    assert "阶段变更原因" in errors_of(refused)["stage_reason"]
    moved = move(rep, name, "需求确认", reason="客户要求重新评估需求")
    assert moved.status_code == 200, moved.content
    saved = rep.get(doc_path(name)).json()["data"]
    assert (saved["stage"], saved["furthest_stage_order"]) == ("需求确认", 3)
    assert saved["stage_history"][-1]["reason"] == "客户要求重新评估需求"


def test_a_lost_opportunity_needs_a_lost_reason_named_in_chinese(api, customer):
    rep = api("rep")
    name = create(rep, customer)["name"]
    move(rep, name, "商务谈判")

    refused = rep.put(doc_path(name), {"stage": "输单", "stage_reason": "客户选择了其他供应商"})

    assert refused.status_code == 417
    assert errors_of(refused)["lost_reason"] == "输单商机必须填写输单原因"
    assert get_model("Opportunity").objects.get(name=name).stage == "商务谈判"  # nothing written

    lost = move(rep, name, "输单", reason="客户选择了其他供应商", lost_reason="Competitor")
    assert lost.status_code == 200, lost.content
    saved = rep.get(doc_path(name)).json()["data"]
    assert (saved["status"], saved["lost_reason"]) == ("Lost", "Competitor")
    assert (saved["probability"], saved["weighted_amount"]) == (0, 0)
    assert saved["forecast_category"] == "Omitted"
    assert saved["closed_on"] == timezone.localdate().isoformat()
    assert saved["furthest_stage_order"] == 4  # losing is not progress


def test_losing_without_any_reason_names_both_fields(api, customer):
    rep = api("rep")
    name = create(rep, customer)["name"]

    refused = move(rep, name, "输单")

    assert refused.status_code == 417
    assert set(errors_of(refused)) == {"stage_reason", "lost_reason"}


def test_winning_closes_at_100_and_reopening_needs_a_reason(api, customer):
    rep = api("rep")
    name = create(rep, customer)["name"]

    won = move(rep, name, "成交", reason="合同签订")

    assert won.status_code == 200, won.content
    saved = rep.get(doc_path(name)).json()["data"]
    assert (saved["status"], saved["probability"], saved["forecast_category"]) == (
        "Won",
        100,
        "Closed",
    )
    assert saved["weighted_amount"] == saved["amount"]
    assert saved["closed_on"] == timezone.localdate().isoformat()
    assert saved["furthest_stage_order"] == 5

    assert move(rep, name, "商务谈判").status_code == 417
    reopened = move(rep, name, "商务谈判", reason="合同被客户法务退回")
    assert reopened.status_code == 200, reopened.content
    saved = rep.get(doc_path(name)).json()["data"]
    assert (saved["status"], saved["closed_on"], saved["probability"]) == ("Open", None, 75)
    assert saved["forecast_category"] == "Commit"
    assert saved["furthest_stage_order"] == 5


def test_moving_to_the_current_stage_is_refused(api, customer):
    rep = api("rep")
    name = create(rep, customer)["name"]

    response = move(rep, name, "初步接触")

    assert response.status_code == 417
    assert errors_of(response)["stage"] == "商机已处于阶段 初步接触"


def test_changing_the_stage_needs_write_permission_and_post(api, customer):
    name = create(api("rep"), customer)["name"]

    assert move(api("rep2"), name, "需求确认").status_code == 404
    assert api("rep2").get(DWELL, {"name": name}).status_code == 404
    assert api("rep").get(CHANGE_STAGE, {"name": name, "stage": "需求确认"}).status_code == 400
    assert move(api("manager"), name, "需求确认").status_code == 200  # department scope


def test_history_rows_and_read_only_fields_ignore_what_a_client_sends(api, customer):
    rep = api("rep")
    opp = create(rep, customer)
    name = opp["name"]
    move(rep, name, "需求确认", reason="预算确认")
    stored = rep.get(doc_path(name)).json()["data"]

    # when: a client rewrites a row, invents one, and sets counters and status
    forged = [dict(row) for row in stored["stage_history"]]
    forged[1].update(reason="篡改的原因", dwell_hours=999, from_stage="商务谈判")
    forged.append({"from_stage": "需求确认", "to_stage": "成交", "dwell_hours": 1})
    response = rep.put(
        doc_path(name),
        {
            "stage_history": forged,
            "status": "Won",
            "furthest_stage_order": 5,
            "followup_count": 40,
            "probability": 99,
            "closed_on": "2026-01-01",
        },
    )

    # then: the save is accepted but none of it is stored
    assert response.status_code == 200, response.content
    saved = rep.get(doc_path(name)).json()["data"]
    assert history_of(saved) == history_of(stored)
    assert (saved["status"], saved["furthest_stage_order"], saved["followup_count"]) == (
        "Open",
        2,
        0,
    )
    assert (saved["probability"], saved["closed_on"]) == (30, None)

    # and sending no rows does not delete the history either
    rep.put(doc_path(name), {"stage_history": []})
    assert len(rep.get(doc_path(name)).json()["data"]["stage_history"]) == 2


# ---------------------------------------------------------------------- probability, forecast
def test_a_manual_probability_needs_a_reason_and_holds_while_open(api, customer):
    rep = api("rep")
    name = create(rep, customer)["name"]

    refused = rep.put(doc_path(name), {"probability_override": 1, "manual_probability": 65})

    assert refused.status_code == 417
    assert errors_of(refused)["override_reason"] == "调整原因为必填项"
    blank = rep.put(
        doc_path(name),
        {"probability_override": 1, "manual_probability": 65, "override_reason": "   "},
    )
    assert "override_reason" in errors_of(blank)
    saved = rep.put(
        doc_path(name),
        {"probability_override": 1, "manual_probability": 65, "override_reason": "老客户复购"},
    ).json()["data"]
    assert (saved["probability"], saved["weighted_amount"]) == (65, 130000)
    move(rep, name, "需求确认")
    assert rep.get(doc_path(name)).json()["data"]["probability"] == 65
    move(rep, name, "成交", reason="签约")
    assert rep.get(doc_path(name)).json()["data"]["probability"] == 100


def test_a_manual_probability_stays_within_0_and_100(api, customer):
    rep = api("rep")
    name = create(rep, customer)["name"]

    response = rep.put(
        doc_path(name),
        {"probability_override": 1, "manual_probability": 120, "override_reason": "试试"},
    )

    assert response.status_code == 417
    assert errors_of(response)["manual_probability"] == "手动概率必须在 0 到 100 之间"


def test_the_forecast_category_follows_the_stage_unless_chosen(api, customer):
    rep = api("rep")
    opp = create(rep, customer)
    name = opp["name"]
    assert opp["forecast_category"] == "Pipeline"

    # the stage's default on a move
    move(rep, name, "方案报价")
    assert rep.get(doc_path(name)).json()["data"]["forecast_category"] == "Best Case"
    # a rep's choice stays while the stage stays
    rep.put(doc_path(name), {"forecast_category": "Commit"})
    rep.put(doc_path(name), {"opportunity_name": "数控机床采购（二期）"})
    assert rep.get(doc_path(name)).json()["data"]["forecast_category"] == "Commit"
    # a choice made with the move wins over the new stage's default
    rep.put(doc_path(name), {"stage": "商务谈判", "forecast_category": "Best Case"})
    assert rep.get(doc_path(name)).json()["data"]["forecast_category"] == "Best Case"
    # a new opportunity created at a later stage starts with that stage's default
    assert create(rep, customer, stage="商务谈判")["forecast_category"] == "Commit"
    # an explicit non-default choice at creation is kept
    assert create(rep, customer, forecast_category="Omitted")["forecast_category"] == "Omitted"
    # Closed is for won deals only
    refused = rep.put(doc_path(name), {"forecast_category": "Closed"})
    assert refused.status_code == 417
    assert errors_of(refused)["forecast_category"] == "商机未关闭时预测类别不能为“已关闭”"


# ---------------------------------------------------------------------- team and permissions
def test_collaborators_see_the_opportunity_and_other_reps_do_not(api, customer):
    rep = api("rep")
    name = create(rep, customer, collaborators=[{"user": "south"}])["name"]
    context.reset()

    assert api("south").get(doc_path(name)).status_code == 200
    assert api("south").put(doc_path(name), {"amount": 210000}).status_code == 200
    assert api("south_manager").get(doc_path(name)).status_code == 200  # south's department
    assert api("rep2").get(doc_path(name)).status_code == 404
    listed = api("rep2").get(OPPORTUNITIES).json()["data"]
    assert name not in {row["name"] for row in listed}

    # when: the collaborator is removed, so is their access
    assert rep.put(doc_path(name), {"collaborators": []}).status_code == 200
    context.reset()
    assert api("south").get(doc_path(name)).status_code == 404
    assert api("south_manager").get(doc_path(name)).status_code == 404


def test_the_sales_owner_sees_an_opportunity_someone_else_created(api, customer):
    manager = api("manager")
    name = create(manager, customer, sales_owner="rep")["name"]
    context.reset()

    assert api("rep").get(doc_path(name)).json()["data"]["department"] == "苏州组"

    # when: handed over to another rep
    manager.put(doc_path(name), {"sales_owner": "south"})
    context.reset()

    assert api("rep").get(doc_path(name)).status_code == 404
    saved = api("south").get(doc_path(name)).json()["data"]
    assert saved["department"] == "华南销售部"


# ---------------------------------------------------------------------- stage configuration
def stage(name: str, order: int, probability: int, stage_type: str = "Open", **values) -> dict:
    return {
        "stage_name": name,
        "stage_order": order,
        "probability": probability,
        "stage_type": stage_type,
        **values,
    }


def test_only_one_enabled_won_stage_and_one_lost_stage(api, users):
    admin = api("Administrator")

    second_won = admin.post(STAGES, stage("框架协议", 7, 100, "Won"))
    second_lost = admin.post(STAGES, stage("客户放弃", 8, 0, "Lost"))
    disabled_won = admin.post(STAGES, stage("旧成交", 9, 100, "Won", enabled=0))

    assert second_won.status_code == 417
    assert errors_of(second_won)["stage_type"] == "只能有一个启用的赢单类型阶段：成交 已是该类型"
    assert second_lost.status_code == 417
    assert "stage_type" in errors_of(second_lost)
    assert disabled_won.status_code == 200, disabled_won.content
    only_won = admin.put(f"{STAGES}/成交", {"enabled": 0})
    assert only_won.status_code == 417
    assert errors_of(only_won)["enabled"] == "必须有且只有一个启用的赢单类型阶段"
    assert admin.put(f"{STAGES}/成交", {"stage_type": "Open"}).status_code == 417


def test_stage_probabilities_are_checked(api, users):
    admin = api("Administrator")

    too_high = admin.post(STAGES, stage("样品测试", 3, 120))
    won_low = admin.put(f"{STAGES}/成交", {"probability": 90})
    lost_high = admin.put(f"{STAGES}/输单", {"probability": 5})

    assert errors_of(too_high)["probability"] == "概率必须在 0 到 100 之间"
    assert errors_of(won_low)["probability"] == "赢单阶段的概率必须为 100"
    assert lost_high.status_code == 417
    assert "probability" in errors_of(lost_high)
    assert admin.post(STAGES, stage("样品测试", 3, 40)).status_code == 200


def test_a_stage_in_use_cannot_be_disabled_retyped_or_deleted(api, customer):
    admin = api("Administrator")
    name = create(api("rep"), customer)["name"]
    move(api("rep"), name, "需求确认")

    disabled = admin.put(f"{STAGES}/需求确认", {"enabled": 0})
    deleted = admin.delete(f"{STAGES}/需求确认")
    only_in_history = admin.delete(f"{STAGES}/初步接触")

    assert disabled.status_code == 417
    assert errors_of(disabled)["enabled"] == "有 1 个商机处于阶段 需求确认，请先将它们移到其他阶段"
    assert deleted.status_code == 417
    assert only_in_history.status_code == 417
    assert "阶段历史" in only_in_history.json()["message"]
    assert get_model("Opportunity Stage").objects.filter(name="初步接触").exists()
    # an unused stage goes
    assert admin.post(STAGES, stage("样品测试", 3, 40)).status_code == 200
    assert admin.delete(f"{STAGES}/样品测试").status_code == 202
    # and an unused one may be disabled
    assert admin.put(f"{STAGES}/方案报价", {"enabled": 0}).status_code == 200
