"""Customer visits (seed 000 flow 2) end to end through the HTTP API, with the supervisor.

Plan → the supervisor approves (the customer's and opportunity's owners are told) → check-in
with location and photos (the server's clock) → record (one Follow-up Record) → issues become
follow-up tasks → report → the supervisor returns it, the rep resubmits, the supervisor passes.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from lowcode.documents.actions import do_assign_doc, do_insert_doc
from lowcode.storage.factory import get_model
from tests.kuaicrm.workflow.visit_helpers import SUZHOU, upload
from tests.lowcode.workflow.helpers import act, actions_of, inbox, state_after

pytestmark = pytest.mark.django_db
V = "Customer Visit"
CHECK_IN = "/api/method/kuaicrm.visit_check_in"


@pytest.fixture
def account(users):
    """苏州精工: rep2's customer, with an opportunity whose sales owner is south; the rep is
    assigned to both (the "own" scope includes assignees), so he may visit them."""
    customer = do_insert_doc("rep2", "Customer", {"customer_name": "苏州精工机械有限公司"}).name
    opportunity = do_insert_doc(
        "rep2",
        "Opportunity",
        {
            "opportunity_name": "苏州精工 数控改造",
            "customer": customer,
            "sales_owner": "south",
            "amount": 300000,
            "expected_close_date": "2026-12-31",
            "stage": get_model("Opportunity Stage").objects.order_by("stage_order").first().name,
        },
    ).name
    do_assign_doc("Administrator", "Customer", customer, "rep")
    do_assign_doc("Administrator", "Opportunity", opportunity, "rep")
    return {"customer": customer, "opportunity": opportunity}


@pytest.fixture
def api(api):
    """One client per user for the whole test (a new API key would revoke the last one)."""
    clients: dict = {}

    def client(username: str = "Administrator"):
        if username not in clients:
            clients[username] = api(username)
        return clients[username]

    return client


def approved_plan(api, account=None) -> str:
    rep = api("rep")
    data = {"visit_title": "拜访苏州精工", "purpose": "续约", "visit_date": "2026-11-20"}
    if account:
        data.update(account)
    created = rep.post("/api/resource/Customer Visit", data)
    assert created.status_code == 200, created.content
    name = created.json()["data"]["name"]
    assert state_after(rep, V, name, "Submit Plan") == "Plan Approval"
    assert state_after(api("manager"), V, name, "Approve") == "Plan Approved"
    return name


def visit_of(client, name: str) -> dict:
    response = client.get(f"/api/resource/Customer Visit/{name}")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def subjects_for(client, about: str | None = None) -> list[str]:
    """The user's notification subjects; ``about``: only those about that visit."""
    response = client.get("/api/method/lowcode.notify.get_notifications", {"limit": 100})
    assert response.status_code == 200, response.content
    rows = response.json()["message"]
    return [r["subject"] for r in rows if about is None or r["document_name"] == about]


def test_a_visit_runs_from_plan_to_archive_with_the_supervisor(workflows, api, account):
    rep, manager = api("rep"), api("manager")
    # given a plan: the rep cannot approve it; the supervisor (head of 华东销售部) is asked
    created = rep.post(
        "/api/resource/Customer Visit",
        {"visit_title": "拜访苏州精工", "visit_date": "2026-11-20", **account},
    )
    name = created.json()["data"]["name"]
    state_after(rep, V, name, "Submit Plan")
    assert act(rep, V, name, "Approve").status_code == 403
    assert name in inbox(manager, "pending")
    # a rejected plan is revised and resubmitted
    assert (
        state_after(manager, V, name, "Reject", comment="请补充拜访目的", reason="目的不清")
        == "Plan Revision"
    )
    rep.put(f"/api/resource/Customer Visit/{name}", {"purpose": "续约并介绍新机型"})
    assert state_after(rep, V, name, "Resubmit") == "Plan Approval"
    assert state_after(manager, V, name, "Approve") == "Plan Approved"

    # when the rep checks in with one tap: location, address and a photo uploaded first
    photo = upload(rep)
    checked = rep.post(
        CHECK_IN, {"visit": name, **SUZHOU, "photos": [{"photo": photo, "caption": "客户门头"}]}
    )
    assert checked.status_code == 200, checked.content
    assert checked.json()["message"]["workflow_state"] == "Visited"
    visit = visit_of(rep, name)
    assert (visit["checkin_latitude"], visit["checkin_longitude"]) == (31.298886, 120.585316)
    # the client's address is not taken: no geocoder is configured, the customer has none
    assert visit["checkin_address"] is None
    # the photo kept is the server's stamped JPEG copy of the upload, with its caption
    [(stamped, caption)] = [(p["photo"], p["caption"]) for p in visit["photos"]]
    assert (caption, stamped.endswith(".jpg"), stamped != photo) == ("客户门头", True, True)
    assert visit["checkin_time"]
    # the supervisor reviewing the visit sees the photo; a manager elsewhere does not
    assert manager.get(stamped).status_code == 200
    assert api("south_manager").get(stamped).status_code == 404

    # the record lists two issues: they become follow-up tasks
    saved = rep.put(
        f"/api/resource/Customer Visit/{name}",
        {
            "visit_record": "客户对交付周期有顾虑",
            "issues": [
                {"issue": "交付周期需书面确认"},
                {"issue": "备件价格", "assigned_to": "rep2"},
            ],
        },
    )
    assert saved.status_code == 200, saved.content
    assert state_after(rep, V, name, "Record Visit") == "Recorded"
    assert actions_of(rep, V, name) == ["Create Follow-up Task"]
    state_after(rep, V, name, "Create Follow-up Task")
    state_after(rep, V, name, "Start Tracking")
    tasks = get_model("Follow-up Task").objects.filter(customer_visit=name)
    assert sorted(t.assigned_to for t in tasks) == ["rep", "rep2"]
    assert act(rep, V, name, "Submit Report").status_code == 417  # tasks still open
    for task, client in ((t, api(t.assigned_to)) for t in tasks):
        done = client.put(
            f"/api/resource/Follow-up Task/{task.name}", {"status": "Done", "result": "已确认"}
        )
        assert done.status_code == 200, done.content

    # then the report goes to the supervisor, who returns it once
    rep.put(f"/api/resource/Customer Visit/{name}", {"visit_report": "续约意向明确"})
    assert state_after(rep, V, name, "Submit Report") == "Report Review"
    assert name in inbox(manager, "pending")
    assert "Pass" not in actions_of(rep, V, name)
    assert (
        state_after(manager, V, name, "Return", comment="请写明报价计划", reason="缺少报价计划")
        == "Report Revision"
    )
    assert name not in inbox(manager, "pending")
    rep.put(f"/api/resource/Customer Visit/{name}", {"visit_report": "续约意向明确,下周报价"})
    assert state_after(rep, V, name, "Resubmit Report") == "Report Review"
    assert state_after(manager, V, name, "Pass") == "Visit Archived"
    assert inbox(rep, "submitted")[name]["colour"] == "green"

    # the rep heard of every decision; the supervisor was asked at each of his steps
    # each names the visit by its title, not its code (issue 17)
    rep_heard = [s for s in subjects_for(rep, name) if "拜访苏州精工" in s and name not in s]
    assert sum("当前状态“计划已批准”" in s for s in rep_heard) == 1, rep_heard
    assert sum("当前状态“修改报告”" in s for s in rep_heard) == 1, rep_heard
    assert sum("当前状态“拜访已归档”" in s for s in rep_heard) == 1, rep_heard
    asked = [s for s in subjects_for(manager, name) if "拜访苏州精工" in s and "等待您审批" in s]
    assert len(asked) == 4, asked  # plan twice (after the revision), report twice
    log = rep.get("/api/method/lowcode.workflow.get_log", {"doctype": V, "name": name})
    assert [e["comment"] for e in log.json()["message"] if e["action"] == "Return"] == [
        "请写明报价计划"
    ]


def test_an_approved_plan_is_announced_to_the_accounts_owners(workflows, api, account):
    # when
    name = approved_plan(api, account)
    # then the customer's owner and the opportunity's sales owner learn of the visit
    for owner in ("rep2", "south"):
        told = [s for s in subjects_for(api(owner)) if "拜访计划已批准" in s]
        assert told == [
            "拜访计划已批准：拜访苏州精工（苏州精工机械有限公司，2026-11-20），拜访人 rep"
        ]
    # the visit's owner hears of it once, from the workflow; the approver is not told
    assert [s for s in subjects_for(api("rep")) if "拜访计划已批准" in s] == []
    assert [s for s in subjects_for(api("rep"), name) if "计划已批准" in s]
    assert [s for s in subjects_for(api("manager")) if "拜访计划已批准" in s] == []


def test_check_in_needs_the_location_and_a_photo_named_in_chinese(workflows, api):
    rep = api("rep")
    name = approved_plan(api)
    # when the rep completes the visit without checking in
    refused = act(rep, V, name, "Complete Visit")
    # then every missing item is named, in Chinese, and the visit stays where it was
    assert refused.status_code == 417
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert errors == {
        "checkin_latitude": "签到需要填写纬度",
        "checkin_longitude": "签到需要填写经度",
        "photos": "签到至少需要一张照片",
    }
    assert visit_of(rep, name)["workflow_state"] == "Plan Approved"
    # coordinates cannot be typed: only 签到 records them, from the phone's position
    typed = rep.put(
        f"/api/resource/Customer Visit/{name}",
        {"checkin_latitude": 31.3, "checkin_longitude": 120.6},
    )
    assert typed.status_code == 417
    assert {e["field"]: (e["rule"], e["message"]) for e in typed.json()["errors"]} == {
        "checkin_latitude": ("check_in_only", "纬度由签到按手机定位记录，不能手工填写"),
        "checkin_longitude": ("check_in_only", "经度由签到按手机定位记录，不能手工填写"),
    }
    # a position alone is not enough either
    again = rep.post(CHECK_IN, {"visit": name, **SUZHOU})
    assert [e["field"] for e in again.json()["errors"]] == ["photos"]
    rep.put(f"/api/resource/Customer Visit/{name}", {"photos": [{"photo": upload(rep)}]})
    checked = rep.post(CHECK_IN, {"visit": name, **SUZHOU})
    assert checked.json()["message"]["workflow_state"] == "Visited"


def test_coordinates_out_of_range_are_refused(workflows, api):
    rep = api("rep")
    name = approved_plan(api)
    refused = rep.post(
        CHECK_IN,
        {"visit": name, "latitude": 91, "longitude": -181, "photos": [upload(rep)]},
    )
    assert refused.status_code == 417
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert errors == {
        "checkin_latitude": "纬度必须在 -90.0 到 90.0 之间",
        "checkin_longitude": "经度必须在 -180.0 到 180.0 之间",
    }
    # nothing of the refused check-in was kept: no location, no photo row, same state
    visit = visit_of(rep, name)
    assert (visit["checkin_latitude"], visit["photos"], visit["workflow_state"]) == (
        None,
        [],
        "Plan Approved",
    )


def test_the_check_in_time_is_the_servers_and_the_place_stays_as_checked_in(workflows, api):
    rep = api("rep")
    name = approved_plan(api)
    # a client cannot set the check-in time
    typed = rep.put(f"/api/resource/Customer Visit/{name}", {"checkin_time": "2020-01-01 08:00:00"})
    assert typed.status_code == 200, typed.content
    assert typed.json()["data"]["checkin_time"] is None
    # when
    before = timezone.now()
    assert rep.post(CHECK_IN, {"visit": name, **SUZHOU, "photos": [upload(rep)]}).status_code == 200
    after = timezone.now()
    # then the time is the server's at check-in, and stays so
    stored = get_model(V).objects.get(name=name).checkin_time
    assert before <= stored <= after
    rep.put(f"/api/resource/Customer Visit/{name}", {"checkin_time": "2020-01-01 08:00:00"})
    assert get_model(V).objects.get(name=name).checkin_time == stored
    moved = rep.put(f"/api/resource/Customer Visit/{name}", {"checkin_latitude": 39.9})
    assert moved.status_code == 417
    assert moved.json()["errors"][0] == {
        "field": "checkin_latitude",
        "rule": "checked_in",
        "message": "签到后不能修改纬度",
    }
    # more photos may still be added after the check-in
    photos = visit_of(rep, name)["photos"] + [{"photo": upload(rep), "caption": "设备铭牌"}]
    assert rep.put(f"/api/resource/Customer Visit/{name}", {"photos": photos}).status_code == 200
    assert len(visit_of(rep, name)["photos"]) == 2


def test_a_photo_must_be_an_image_the_rep_uploaded(workflows, api):
    rep = api("rep")
    name = approved_plan(api)
    not_a_file = rep.post(
        CHECK_IN, {"visit": name, **SUZHOU, "photos": ["/private/files/nothing-here.png"]}
    )
    assert not_a_file.status_code == 417
    assert not_a_file.json()["errors"] == [
        {
            "field": "photo",
            "rule": "file",
            "message": "照片 1 不是已上传的文件",
            "table": "photos",
            "row": 0,
        }
    ]
    text = upload(rep, b"just text", "notes.txt", "text/plain")
    not_an_image = rep.post(CHECK_IN, {"visit": name, **SUZHOU, "photos": [text]})
    assert not_an_image.json()["errors"][0]["message"] == "照片 1 不是图片"
    # someone else's private photo is not the rep's to use
    theirs = upload(api("south"))
    borrowed = rep.post(CHECK_IN, {"visit": name, **SUZHOU, "photos": [theirs]})
    assert borrowed.status_code == 417
    assert api("manager").get(theirs).status_code == 404
    assert visit_of(rep, name)["workflow_state"] == "Plan Approved"


def test_a_visit_to_no_customer_on_file_records_no_follow_up(workflows, api):
    rep = api("rep")
    name = approved_plan(api)
    rep.post(CHECK_IN, {"visit": name, **SUZHOU, "photos": [upload(rep)]})
    rep.put(f"/api/resource/Customer Visit/{name}", {"visit_record": "展会现场拜访"})
    assert state_after(rep, V, name, "Record Visit") == "Recorded"
    assert get_model("Follow-up Record").objects.count() == 0


def test_check_in_is_refused_before_the_plan_is_approved_and_writes_nothing(workflows, api):
    rep = api("rep")
    created = rep.post("/api/resource/Customer Visit", {"visit_title": "拜访苏州精工"})
    name = created.json()["data"]["name"]
    refused = rep.post(CHECK_IN, {"visit": name, **SUZHOU, "photos": [upload(rep)]})
    assert refused.status_code == 403
    visit = visit_of(rep, name)
    assert (visit["checkin_latitude"], visit["photos"], visit["workflow_state"]) == (
        None,
        [],
        "Planning",
    )
    # a colleague cannot check in on the rep's visit (nor see that it exists)
    approved = approved_plan(api)
    other = api("rep2").post(
        CHECK_IN, {"visit": approved, **SUZHOU, "photos": [upload(api("rep2"))]}
    )
    assert other.status_code == 404


def test_a_recorded_visit_is_one_follow_up_of_the_customer(workflows, api, account):
    rep = api("rep")
    name = approved_plan(api, account)
    rep.post(CHECK_IN, {"visit": name, **SUZHOU, "photos": [upload(rep)]})
    # the record is what makes it a follow-up: no record, no recording
    refused = act(rep, V, name, "Record Visit")
    assert refused.status_code == 417
    assert refused.json()["errors"][0]["field"] == "visit_record"
    assert refused.json()["errors"][0]["message"] == "记录拜访需要填写拜访记录"
    rep.put(f"/api/resource/Customer Visit/{name}", {"visit_record": "客户确认续约意向"})
    # when
    assert state_after(rep, V, name, "Record Visit") == "Recorded"
    # then one Follow-up Record (method Visit), the rep's, at the check-in time
    records = rep.get(
        "/api/resource/Follow-up Record",
        {
            "fields": ["name", "followup_method", "customer", "opportunity", "content", "owner"],
            "filters": [["customer", "=", account["customer"]]],
        },
    ).json()["data"]
    assert [
        (r["followup_method"], r["opportunity"], r["content"], r["owner"]) for r in records
    ] == [("Visit", account["opportunity"], "拜访苏州精工\n客户确认续约意向", "rep")]
    record = get_model("Follow-up Record").objects.get(name=records[0]["name"])
    visit = get_model(V).objects.get(name=name)
    assert record.followed_up_on == visit.checkin_time
    # and the counters of what was visited moved with it
    customer = get_model("Customer").objects.get(name=account["customer"])
    opportunity = get_model("Opportunity").objects.get(name=account["opportunity"])
    assert customer.last_followup_on == visit.checkin_time
    assert (opportunity.followup_count, opportunity.last_interaction_on) == (1, visit.checkin_time)
    # the rest of the flow adds no second record
    rep.put(f"/api/resource/Customer Visit/{name}", {"visit_report": "报告"})
    state_after(rep, V, name, "Submit Report")
    state_after(api("manager"), V, name, "Return", reason="缺少跟进结果")
    state_after(rep, V, name, "Resubmit Report")
    assert get_model("Follow-up Record").objects.filter(customer=account["customer"]).count() == 1
