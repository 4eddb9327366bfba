"""Scheduler Event scripts run once per period; Permission Query scripts narrow every read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode.documents.actions import do_insert_doc
from lowcode.exceptions import ValidationError
from lowcode.jobs.scheduler import tick
from lowcode.scripts.actions import do_run_scheduled_scripts
from lowcode.storage.factory import get_model

pytestmark = pytest.mark.django_db


def _moment(hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 5, 4, hour, minute))


def _count(title: str) -> int:
    return get_model("Test Order").objects.filter(title=title).count()


@pytest.fixture
def hourly(make_script):
    make_script(
        "hourly-order",
        script_type="Scheduler Event",
        event_frequency="Hourly",
        script="frappe.get_doc({'doctype': 'Test Order', 'title': 'hourly'}).insert()",
    )


def test_scheduler_event_runs_once_per_period(scripts_on, hourly):
    assert do_run_scheduled_scripts(_moment(9, 5)) == ["hourly-order"]
    assert do_run_scheduled_scripts(_moment(9, 40)) == []
    assert _count("hourly") == 1
    assert do_run_scheduled_scripts(_moment(10, 0)) == ["hourly-order"]
    assert _count("hourly") == 2


def test_cron_scheduler_event(scripts_on, make_script):
    make_script(
        "quarter",
        script_type="Scheduler Event",
        event_frequency="Cron",
        cron_format="*/15 * * * *",
        script="frappe.get_doc({'doctype': 'Test Order', 'title': 'cron'}).insert()",
    )
    for minute in (0, 0, 7, 15, 29, 30):
        do_run_scheduled_scripts(_moment(8, minute))
    assert _count("cron") == 3


def test_bad_cron_is_refused(make_script, users):
    with pytest.raises(ValidationError) as caught:
        make_script(
            "bad-cron",
            script_type="Scheduler Event",
            event_frequency="Cron",
            cron_format="every minute",
            script="pass",
        )
    assert caught.value.errors[0].fieldname == "cron_format"


def test_a_failing_scheduled_script_does_not_stop_the_others(scripts_on, make_script, hourly):
    make_script("broken", script_type="Scheduler Event", event_frequency="Hourly", script="1 / 0")
    assert sorted(do_run_scheduled_scripts(_moment(9, 5))) == ["broken", "hourly-order"]
    assert _count("hourly") == 1


def test_the_scheduler_tick_runs_scripts(scripts_on, hourly, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        fired = tick(_moment(11, 1))
    assert "all:lowcode.scripts.actions.do_run_scheduled_scripts" in fired
    assert _count("hourly") == 1


def test_disabled_site_runs_no_scheduled_scripts(settings, hourly):
    settings.SITE_CONFIG = {**settings.SITE_CONFIG, "server_script_enabled": False}
    assert do_run_scheduled_scripts(_moment(9, 5)) == []
    assert _count("hourly") == 0


@pytest.fixture
def orders(users):
    low = do_insert_doc("rep", "Test Order", {"title": "low", "priority": 1})
    high = do_insert_doc("rep", "Test Order", {"title": "high", "priority": 7})
    return low.name, high.name


@pytest.fixture
def only_urgent(make_script):
    make_script(
        "only-urgent",
        script_type="Permission Query",
        reference_doctype="Test Order",
        script="if frappe.session.user != 'manager':\n    conditions = [['priority', '>', 5]]",
    )


def test_permission_query_narrows_lists_and_reads(scripts_on, api, orders, only_urgent):
    low, high = orders
    rows = api("rep").get("/api/resource/Test Order", {"fields": ["name"]}).json()["data"]
    assert [r["name"] for r in rows] == [high]
    assert api("rep").get(f"/api/resource/Test Order/{low}").status_code == 404
    assert api("rep").get(f"/api/resource/Test Order/{high}").status_code == 200
    count = api("rep").get("/api/method/frappe.client.get_count", {"doctype": "Test Order"})
    assert count.json()["message"] == 1
    # the script decides per user
    rows = api("manager").get("/api/resource/Test Order", {"fields": ["name"]}).json()["data"]
    assert sorted(r["name"] for r in rows) == sorted([low, high])


def test_permission_query_with_or_filters(scripts_on, api, orders, make_script):
    low, _high = orders
    make_script(
        "either",
        script_type="Permission Query",
        reference_doctype="Test Order",
        script="conditions = {'or_filters': [['title', '=', 'low'], ['priority', '=', 99]]}",
    )
    rows = api("rep").get("/api/resource/Test Order", {"fields": ["name"]}).json()["data"]
    assert [r["name"] for r in rows] == [low]


def test_permission_query_may_not_return_sql(scripts_on, api, orders, make_script):
    make_script(
        "sql",
        script_type="Permission Query",
        reference_doctype="Test Order",
        script="conditions = '1=1) OR (1=1'",
    )
    response = api("rep").get("/api/resource/Test Order")
    assert response.status_code == 417, response.content
    assert "SQL" in response.json()["message"]


def test_permission_query_filters_are_allow_listed(scripts_on, api, orders, make_script):
    make_script(
        "unknown",
        script_type="Permission Query",
        reference_doctype="Test Order",
        script="conditions = [['no_such_field', '=', 1]]",
    )
    response = api("rep").get("/api/resource/Test Order")
    assert response.status_code == 400, response.content
    assert "no_such_field" in response.json()["message"]


def test_disabled_site_runs_no_permission_query(settings, api, orders, only_urgent):
    settings.SITE_CONFIG = {**settings.SITE_CONFIG, "server_script_enabled": False}
    rows = api("rep").get("/api/resource/Test Order", {"fields": ["name"]}).json()["data"]
    assert len(rows) == 2
