"""The lead flow (seed 000 flow 1, seed 003) through the HTTP API with the workflows loaded:
configurable sources, the quality gate and the way back to the submitter, the 24-hour first
touch, task reminders, assignment, status in step with the workflow, close and archive, and
the default scoring and assignment rules."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.utils import timezone

from kuaicrm.defaults_lead import install_lead_rules
from kuaicrm.tasks import check_first_contact, remind_follow_up_tasks
from lowcode.documents.actions import do_insert_doc
from lowcode.models import Assignment
from lowcode.storage.factory import get_model
from tests.lowcode.workflow.conftest import approvers, workflows  # noqa: F401
from tests.lowcode.workflow.helpers import act, actions_of, state_after

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("workflows")]
L = "Lead"
LEADS = "/api/resource/Lead"
COMPLETE = {
    "company_name": "苏州精工",
    "mobile_no": "13800138000",
    "designation": "采购总监",
    "company_size": "200-999",
    "budget_range": "500k-2M",
}


def new_lead(client, **values) -> str:
    response = client.post(LEADS, {"lead_name": "王先生", **values})
    assert response.status_code == 200, response.content
    return response.json()["data"]["name"]


def lead(name: str):
    return get_model(L).objects.get(name=name)


def subjects(user: str, name: str) -> list[str]:
    return list(
        get_model("Notification Log")
        .objects.filter(for_user=user, document_name=name)
        .order_by("creation")
        .values_list("subject", flat=True)
    )


def test_a_system_manager_adds_a_lead_source_and_leads_save_with_it(api):
    rep, sysman = api("rep"), api("sysman")
    # given: 直播 is not a source yet
    refused = rep.post(LEADS, {"lead_name": "直播客户", "source": "直播"})
    assert refused.status_code == 417
    assert [e["field"] for e in refused.json()["errors"]] == ["source"]
    # when: Customize Form's way, a Property Setter on the Select's options
    options = sysman.get("/api/method/lowcode.api.get_meta", {"doctype": L}).json()["message"]
    current = next(f["options"] for f in options["fields"] if f["fieldname"] == "source")
    setter = sysman.post(
        "/api/resource/" + quote("Property Setter"),
        {
            "doc_type": L,
            "field_name": "source",
            "property": "options",
            "value": current + "\n直播",
            "property_type": "Text",
        },
    )
    assert setter.status_code == 200, setter.content
    # then
    name = new_lead(rep, source="直播")
    assert rep.get(f"{LEADS}/{name}").json()["data"]["source"] == "直播"
    assert rep.post(LEADS, {"lead_name": "乙", "source": "抖音"}).status_code == 417


def test_an_incomplete_lead_goes_back_to_its_submitter_with_the_reason(api):
    submitter, rep = api("rep2"), api("rep")
    name = new_lead(submitter, company_name="无锡某厂")
    # the engine's assign action hands it to rep, who then sees it
    assigned = submitter.post(
        "/api/method/frappe.desk.form.assign_to.add",
        {"doctype": L, "name": name, "assign_to": ["rep"]},
    )
    assert assigned.status_code == 200, assigned.content
    assert rep.get(f"{LEADS}/{name}").status_code == 200
    # the quality gate names what is missing, in Chinese
    refused = act(rep, L, name, "Qualify")
    assert refused.status_code == 417
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert set(errors) == {"company_size", "budget_range", "designation", "mobile_no"}
    assert errors["company_size"] == "线索需填写公司规模才能确认合格"
    # the submitter may not return their own lead; the rep may, with a reason
    assert "Return to Submitter" not in actions_of(submitter, L, name)
    assert act(rep, L, name, "Return to Submitter").status_code == 417
    reason = "缺少公司规模、预算和决策人"
    assert state_after(rep, L, name, "Return to Submitter", reason=reason) == "Returned"
    returned = lead(name)
    assert (returned.returned_reason, returned.status) == (reason, "Open")
    assert any(reason in s for s in subjects("rep2", name))
    # resubmitting needs the same information
    again = act(submitter, L, name, "Resubmit")
    assert again.status_code == 417
    assert "线索需填写预算范围才能重新提交" in again.json()["message"]
    fixed = submitter.put(f"{LEADS}/{name}", {**COMPLETE, "company_name": "无锡某厂"})
    assert fixed.status_code == 200, fixed.content
    assert state_after(submitter, L, name, "Resubmit") == "New"
    assert state_after(rep, L, name, "Qualify") == "Qualified"


def test_the_first_contact_job_warns_the_assignee_then_alerts_the_supervisor_once(api):
    rep = api("rep")
    now = timezone.now()
    name = new_lead(rep)
    later = new_lead(rep, first_contact_due=(now + dt.timedelta(hours=48)).isoformat())
    touched = new_lead(rep, first_contact_due=(now - dt.timedelta(hours=1)).isoformat())
    # a deadline older than the job's one-week lookback is history, not an alert
    stale = new_lead(rep, first_contact_due=(now - dt.timedelta(days=10)).isoformat())
    # (what a Follow-up Record on the lead records)
    get_model(L).objects.filter(name=touched).update(first_contacted_on=now)
    handed = rep.post("/api/method/kuaicrm.reassign_lead", {"lead": name, "assign_to": "rep2"})
    assert handed.status_code == 200, handed.content
    due = lead(name).first_contact_due

    # when: the hourly job runs two hours before the deadline, twice
    assert check_first_contact(due - dt.timedelta(hours=2)) == (1, 0)
    assert check_first_contact(due - dt.timedelta(hours=2)) == (0, 0)

    # then: the assignee (not the owner) is warned, once
    warned = [s for s in subjects("rep2", name) if s.startswith("首次联系即将超时")]
    assert len(warned) == 1
    assert not [s for s in subjects("rep", name) if "首次联系" in s]
    assert subjects("rep", later) == []

    # when: the deadline passes (two runs, as overlapping schedulers would)
    past_due = due + dt.timedelta(hours=1)
    assert check_first_contact(past_due) == (0, 1)
    assert check_first_contact(past_due) == (0, 0)

    # then: overdue, the assignee told and 苏州组's supervisor (华东销售部's head) alerted once
    stored = lead(name)
    assert (stored.first_contact_status, stored.first_contact_alerted) == ("Overdue", True)
    assert len([s for s in subjects("rep2", name) if s.startswith("首次联系已超时")]) == 1
    alerts = [s for s in subjects("manager", name) if s.startswith("首次联系超时预警")]
    assert len(alerts) == 1 and "rep2" in alerts[0]
    assert subjects("manager", touched) == subjects("manager", stale) == []
    seen = api("manager").get(
        "/api/resource/" + quote("Notification Log"), {"fields": ["subject", "document_name"]}
    )
    assert {"subject": alerts[0], "document_name": name} in seen.json()["data"]


def test_reassigning_an_untouched_lead_restarts_its_first_contact_clock(api):
    manager = api("manager")
    past = timezone.now() - dt.timedelta(hours=5)
    name = new_lead(api("rep"), first_contact_due=past.isoformat())
    check_first_contact()
    assert lead(name).first_contact_alerted
    before = timezone.now()

    response = manager.post(
        "/api/method/kuaicrm.reassign_lead", {"lead": name, "assign_to": "rep2"}
    )

    assert response.status_code == 200, response.content
    stored = lead(name)
    assert stored.first_contact_due >= before + dt.timedelta(hours=24)
    assert (stored.first_contact_alerted, stored.first_contact_reminded) == (False, False)
    assert list(
        Assignment.objects.filter(ref_doctype=L, docname=name).values_list("user", flat=True)
    ) == ["rep2"]
    assert any("已分配给您" in s for s in subjects("rep2", name))
    # a lead already contacted keeps its deadline
    contacted = new_lead(api("rep"))
    get_model(L).objects.filter(name=contacted).update(first_contacted_on=timezone.now())
    due = lead(contacted).first_contact_due
    manager.post("/api/method/kuaicrm.reassign_lead", {"lead": contacted, "assign_to": "rep2"})
    assert lead(contacted).first_contact_due == due
    # someone who may not write the lead cannot hand it on
    refused = api("south").post(
        "/api/method/kuaicrm.reassign_lead", {"lead": name, "assign_to": "south"}
    )
    assert refused.status_code == 404


def test_follow_up_tasks_due_today_or_overdue_are_reminded_once(api):
    rep = api("rep")
    today = timezone.localdate()
    tasks = "/api/resource/" + quote("Follow-up Task")
    names = {}
    for label, due, status in (
        ("昨天", today - dt.timedelta(days=1), "Open"),
        ("今天", today, "Open"),
        ("明天", today + dt.timedelta(days=1), "Open"),
        ("已完成", today - dt.timedelta(days=1), "Done"),
    ):
        response = rep.post(
            tasks,
            {
                "subject": f"回访{label}",
                "assigned_to": "rep",
                "due_date": str(due),
                "status": status,
                "result": "已回访" if status == "Done" else "",
            },
        )
        assert response.status_code == 200, response.content
        names[label] = response.json()["data"]["name"]

    assert remind_follow_up_tasks() == 2
    assert remind_follow_up_tasks() == 0

    assert subjects("rep", names["昨天"]) == [
        f"跟进任务已逾期：回访昨天（截止 {today - dt.timedelta(days=1):%Y-%m-%d}）"
    ]
    assert subjects("rep", names["今天"]) == ["跟进任务今日到期：回访今天"]
    assert subjects("rep", names["明天"]) == subjects("rep", names["已完成"]) == []
    assert rep.get(f"{tasks}/{names['今天']}").json()["data"]["reminded"] in (1, True)


def _to_contacted(rep, manager, name: str) -> None:
    assert state_after(rep, L, name, "Qualify") == "Qualified"
    assert state_after(manager, L, name, "Assign") == "Assigned"
    assert state_after(rep, L, name, "Plan Follow-up") == "Follow-up Planned"
    assert state_after(rep, L, name, "Make Contact") == "Contacted"


def test_status_follows_the_workflow_through_the_nurture_loop(api):
    rep, manager = api("rep"), api("manager")
    name = new_lead(rep, **COMPLETE)
    assert lead(name).status == "Open"
    state_after(rep, L, name, "Qualify")
    assert lead(name).status == "Qualified"
    state_after(manager, L, name, "Assign")
    state_after(rep, L, name, "Plan Follow-up")
    assert lead(name).status == "Qualified"
    state_after(rep, L, name, "Make Contact")
    contacted = lead(name)
    # the Contact step records the first touch when no follow-up record did
    assert contacted.status == "Contacted"
    assert contacted.first_contacted_on is not None
    assert contacted.first_contact_status == "On Time"
    for action, status in (
        ("Hesitant", "Nurturing"),
        ("Re-evaluate", "Contacted"),
        ("Contact Again", "Contacted"),
        ("Interested", "Contacted"),
    ):
        state_after(rep, L, name, action)
        assert lead(name).status == status, action
    # a filtered list by status finds it
    rows = rep.get(LEADS, {"filters": [["status", "=", "Contacted"]]}).json()["data"]
    assert name in {r["name"] for r in rows}


def test_an_invalid_lead_needs_a_close_reason_then_is_archived_read_only(api):
    rep, sysman = api("rep"), api("sysman")
    name = new_lead(rep, **COMPLETE)
    # when: marked invalid without a close reason
    refused = act(rep, L, name, "Mark Invalid", reason="空号")
    # then: the close reason is named, in Chinese
    assert refused.status_code == 417
    assert refused.json()["errors"] == [
        {"field": "close_reason", "rule": "reqd", "message": "需填写关闭原因才能关闭线索"}
    ]
    assert lead(name).get("workflow_state") == "New"
    rep.put(f"{LEADS}/{name}", {"close_reason": "Unreachable"})
    assert state_after(rep, L, name, "Mark Invalid", reason="空号") == "Invalid"
    invalid = lead(name)
    assert (invalid.status, invalid.close_details) == ("Invalid", "空号")
    assert state_after(rep, L, name, "Archive") == "Archived Invalid"
    archived = rep.get(f"{LEADS}/{name}").json()["data"]
    assert archived["archived"] in (1, True) and archived["archived_on"]
    # archived leads are read-only
    edit = rep.put(f"{LEADS}/{name}", {"notes": "再试一次"})
    assert edit.status_code == 403
    assert "已归档" in edit.json()["message"]
    assert lead(name).notes in (None, "")
    # except for a System Manager
    assert sysman.put(f"{LEADS}/{name}", {"notes": "数据修正"}).status_code == 200


def test_no_intent_needs_a_close_reason_too(api):
    rep, manager = api("rep"), api("manager")
    name = new_lead(rep, **COMPLETE)
    _to_contacted(rep, manager, name)
    refused = act(rep, L, name, "No Intent", reason="预算取消")
    assert [e["field"] for e in refused.json()["errors"]] == ["close_reason"]
    rep.put(f"{LEADS}/{name}", {"close_reason": "No Budget"})
    assert state_after(rep, L, name, "No Intent", reason="预算取消") == "Closed"
    assert lead(name).status == "Closed"
    state_after(rep, L, name, "Archive")
    assert lead(name).archived


def test_default_rules_score_with_chinese_reasons_and_assign_by_load(api):
    # given: the after-migrate defaults, installed once
    assert install_lead_rules() == 2  # scoring + load balancing (no department has a region)
    assert install_lead_rules() == 0
    busy = do_insert_doc("Administrator", L, {"lead_name": "先到"}).name
    first = sorted(Assignment.objects.filter(docname=busy).values_list("user", flat=True))
    # when
    name = new_lead(
        api("manager"),
        source="Referral",
        company_size="5000+",
        budget_range="Over 2M",
        industry="Energy",
        designation="总经理",
    )
    # then: 20 + 30 + 25 + 15 + 10, High, explained in Chinese
    stored = lead(name)
    assert (stored.score, stored.priority) == (100, "High")
    log = api("manager").get(
        "/api/method/lowcode.rules.get_score_log", {"doctype": L, "name": name}
    )
    labels = [c["label"] for c in log.json()["message"]["criteria"]]
    assert labels == [
        "来源：转介绍",
        "公司规模：1000人以上",
        "预算：200万以上",
        "重点行业：制造/能源/化工/汽车/电子",
        "已知决策人职务",
    ]
    # the second lead goes to a sales user other than the one already holding an open lead
    second = list(Assignment.objects.filter(docname=name).values_list("user", flat=True))
    assert len(first) == 1 and len(second) == 1 and second != first


def test_default_rules_assign_by_territory_when_departments_have_regions(api):
    from lowcode.documents.actions import do_save_doc

    do_save_doc("Administrator", "Department", "华南销售部", {"region": "华南"})
    do_save_doc("Administrator", "Department", "华东销售部", {"region": "华东"})
    assert install_lead_rules() == 3

    south = do_insert_doc("manager", L, {"lead_name": "广州客户", "territory": "华南"}).name
    east = do_insert_doc("manager", L, {"lead_name": "苏州客户", "territory": "华东"}).name

    assert list(Assignment.objects.filter(docname=south).values_list("user", flat=True)) == [
        "south"
    ]
    assert Assignment.objects.get(docname=east).user in {"rep", "rep2"}
