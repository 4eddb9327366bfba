"""System Managers are warned on the desk when no scheduler has ticked for 10 minutes."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lowcode.jobs.scheduler import do_record_failure, do_record_tick
from lowcode.models import SchedulerHeartbeat

WARNING = "/app/scheduler-warning"
TITLE = "调度器已超过 10 分钟未运行"


def test_a_site_whose_scheduler_never_ran_warns_system_managers_only(desk):
    sysman, rep = desk("sysman"), desk("rep")

    # the page asks for the banner once loaded, for System Managers only
    assert f'hx-get="{WARNING}"' in sysman.get("/app").content.decode()
    assert f'hx-get="{WARNING}"' not in rep.get("/app").content.decode()

    banner = sysman.get(WARNING).content.decode()
    assert TITLE in banner
    assert "本站点从未运行过调度器。" in banner
    assert rep.get(WARNING).content.decode() == ""


def test_a_recent_tick_silences_the_warning_and_a_stale_one_brings_it_back(desk):
    sysman = desk("sysman")
    started = timezone.now()

    # when: a scheduler process ticks
    do_record_tick("host:1", started)
    # then
    assert sysman.get(WARNING).content.decode() == ""

    # when: it failed since and then went silent for 11 minutes
    do_record_failure("host:1", started, "OperationalError: database is locked", 3)
    SchedulerHeartbeat.objects.update(last_tick=timezone.now() - dt.timedelta(minutes=11))
    # then: the banner is back, with the last tick and the error
    banner = sysman.get(WARNING).content.decode()
    assert TITLE in banner
    assert "上次运行：" in banner
    assert "最近错误：OperationalError: database is locked" in banner
