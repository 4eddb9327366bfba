"""Lists for thumbs (issue 17 item 5): quick chips, cards with the fields that matter, card
actions through the action layer, more rows as the list scrolls. Declared in hooks.py
``desk_list_cards`` (the CRM's Lead and Follow-up Task here)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

import tests.engine_app.hooks as engine_hooks
from lowcode.desk.actions import do_save_view
from lowcode.desk.checks import run_checks
from lowcode.documents.actions import do_insert_doc
from lowcode.query import reads


def _titles(page: str) -> list[str]:
    return re.findall(r'class="row-title" href="[^"]+">([^<]+)</a>', page)


def _chips(page: str) -> dict[str, str]:
    """Chip label → its href."""
    return {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(
            r'<a class="chip[^"]*"[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', page
        )
    }


def _lead(owner: str, name: str, due: dt.date | None = None, **values) -> str:
    data = {"lead_name": name, "status": "Open", **values}
    if due is not None:
        data["next_followup_on"] = due.isoformat()
    return do_insert_doc(owner, "Lead", data).name


@pytest.fixture
def leads(users):
    today = timezone.localdate()
    _lead("rep", "今天跟进", today, mobile_no="13812345678", expected_amount=120000)
    _lead("rep", "昨天该跟进", today - dt.timedelta(days=1))
    _lead("rep", "明天跟进", today + dt.timedelta(days=1))
    _lead("rep", "已无效", today - dt.timedelta(days=3), status="Invalid")
    _lead("manager", "经理的线索", today)
    return today


def test_chips_mine_due_today_and_overdue_narrow_the_list(desk, leads):
    client = desk("manager")  # the manager reads the department's leads

    page = client.get("/app/lead").content.decode()
    chips = _chips(page)
    today = client.get(chips["今日待跟进"]).content.decode()
    overdue = client.get(chips["已逾期"]).content.decode()
    mine = client.get(chips["我的"]).content.decode()

    assert list(chips) == ["我的", "今日待跟进", "已逾期"]
    assert sorted(_titles(today)) == ["今天跟进", "经理的线索"]
    assert _titles(overdue) == ["昨天该跟进"]  # an invalid lead is no longer to do
    assert _titles(mine) == ["经理的线索"]


def test_chips_combine_and_a_tapped_chip_turns_off(desk, leads):
    client = desk("manager")

    both = client.get("/app/lead", {"chip": "mine,today"}).content.decode()
    chips = _chips(both)

    assert _titles(both) == ["经理的线索"]
    assert 'aria-pressed="true" data-chip="mine"' in both
    assert (
        "chip=today" in chips["我的"] and "mine" not in chips["我的"]
    )  # tapping 我的 turns it off
    assert "chip=mine%2Coverdue" in chips["已逾期"] or "chip=mine,overdue" in chips["已逾期"]


def test_saved_views_are_chips_too(desk, leads):
    do_save_view("rep", "Lead", title="高意向", query="f_priority=High", is_shared=False)

    page = desk("rep").get("/app/lead").content.decode()

    assert "高意向" in _chips(page)


def test_a_card_shows_the_phone_to_dial_the_next_follow_up_and_the_amount(desk, leads):
    page = desk("rep").get("/app/lead", {"chip": "today"}).content.decode()

    row = re.search(
        r'<tr id="[^"]+" class="list-row" data-doctype="Lead".*?</tr>', page, re.S
    ).group(0)
    assert '<a class="tel" href="tel:+8613812345678">13812345678</a>' in row
    assert re.search(r'class="card-only" data-label="下次跟进">' + leads.isoformat(), row)
    assert "120,000.00" in row


def test_a_cards_long_press_offers_call_and_a_prefilled_follow_up(desk, leads):
    page = desk("rep").get("/app/lead", {"chip": "today"}).content.decode()

    actions = re.search(r'<div class="row-actions".*?</div>', page, re.S).group(0)
    name = re.search(r'data-doctype="Lead" data-name="([^"]+)"', page).group(1)
    assert 'class="sheet-btn tel" href="tel:+8613812345678"' in actions
    link = re.search(r'<a class="sheet-btn" href="([^"]+)">写跟进记录</a>', actions).group(1)
    opened = desk("rep").get(link.replace("&amp;", "&"))
    assert opened.status_code == 302
    assert opened["Location"] == f"/app/follow-up-record/new?lead={name}"  # prefilled


def test_a_follow_up_from_another_users_card_is_not_found(desk, leads):
    name = re.search(
        r'data-name="([^"]+)"', desk("rep").get("/app/lead", {"chip": "today"}).content.decode()
    ).group(1)

    response = desk("south").get(f"/app/lead/{name}/card-action", {"action": "0"})

    assert response.status_code == 404


def test_more_rows_load_as_the_list_scrolls(desk, users):
    for i in range(25):
        _lead("rep", f"线索{i:02d}")
    client = desk("rep")

    first = client.get("/app/lead", {"order_by": "lead_name asc"}).content.decode()
    more_url = re.search(
        r'<tr class="more-row" hx-get="([^"]+)" hx-trigger="intersect once"', first
    ).group(1)
    more = client.get(
        more_url.replace("&amp;", "&"), headers={"HX-Request": "true"}
    ).content.decode()

    assert len(_titles(first)) == 20
    assert "<html" not in more and "<table" not in more
    assert _titles(more) == [f"线索{i:02d}" for i in range(20, 25)]
    assert "more-row" not in more  # the last page asks for nothing more


def _task(assignee: str, subject: str) -> str:
    data = {"subject": subject, "status": "Open", "assigned_to": assignee, "due_date": "2026-12-01"}
    return do_insert_doc(assignee, "Follow-up Task", data).name


def test_mark_done_from_the_card_saves_through_the_action_layer(desk, users):
    name = _task("rep", "回访苏州恒力")
    client = desk("rep")
    page = client.get("/app/follow-up-task").content.decode()
    assert re.search(r'<textarea name="result" rows="2" required>', page)
    row_id = re.search(r'<tr id="([^"]+)" class="list-row"', page).group(1)

    unanswered = client.post(f"/app/follow-up-task/{name}/card-action", {"action": "0"})
    response = client.post(
        f"/app/follow-up-task/{name}/card-action",
        {"action": "0", "row_id": row_id, "result": "已电话回访，客户满意"},
    )
    again = client.post(
        f"/app/follow-up-task/{name}/card-action", {"action": "0", "result": "再来一次"}
    )

    fields = ["status", "completed_on", "result"]
    stored = reads.get_list("rep", "Follow-up Task", fields, [["name", "=", name]])
    assert (
        "处理结果" in json.loads(unanswered.headers["HX-Trigger"])["desk:toast"]["message"]
    )  # the sheet asks for it
    assert stored[0]["status"] == "Done" and stored[0]["completed_on"]  # the controller ran
    assert stored[0]["result"] == "已电话回访，客户满意"
    body = response.content.decode()
    assert body.startswith(f'<tr id="{row_id}"') and "已完成" in body
    assert "标记完成" not in body  # done: the action is no longer offered
    assert "已不能执行" in json.loads(again.headers["HX-Trigger"])["desk:toast"]["message"]


def test_a_card_action_on_a_record_the_user_may_not_write_is_refused(desk, users):
    name = _task("rep", "回访宁波东海")

    response = desk("south").post(f"/app/follow-up-task/{name}/card-action", {"action": "0"})

    stored = reads.get_list("manager", "Follow-up Task", ["status"], [["name", "=", name]])
    assert stored[0]["status"] == "Open"
    assert response.status_code in (204, 404)


def test_desk_e011_a_list_card_declaration_naming_unknown_things(db, monkeypatch):
    monkeypatch.setattr(
        engine_hooks,
        "desk_list_cards",
        {
            "No Such DocType": {},
            "Lead": {"due_field": "no_such_date", "actions": [{"label": "x", "new": "Nope"}]},
        },
        raising=False,
    )

    found = sorted(m.msg for m in run_checks(databases=["default"]) if m.id == "desk.E011")

    assert found == [
        "desk_list_cards names unknown DocType 'No Such DocType'",
        "desk_list_cards['Lead'] names unknown field 'no_such_date' of 'Lead'",
        "desk_list_cards['Lead']: action opens unknown DocType 'Nope'",
    ]
