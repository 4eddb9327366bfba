"""Changing a Scoring Rule re-scores the existing documents in a background job with progress."""

from __future__ import annotations

import os
import time

import pytest
from django.db import transaction

from lowcode.documents.actions import do_insert_doc
from lowcode.rules import scoring
from lowcode.storage.factory import get_model
from tests.lowcode.jobs.test_jobs import rq_mode, run_worker  # noqa: F401 - rq_mode is a fixture

RULES = "/api/resource/Scoring Rule"
PROGRESS = "/api/method/lowcode.rules.get_rescore_progress"


def _scores(names: list[str]) -> list[int]:
    leads = get_model("Lead").objects.filter(name__in=names).order_by("name")
    return list(leads.values_list("score", flat=True))


def test_a_changed_rule_rescores_existing_documents_with_progress(api, users, inline_jobs):
    # given leads saved before any rule existed
    old = [
        do_insert_doc("rep", "Lead", {"lead_name": f"老线索{i}", "source": "Referral"}).name
        for i in range(3)
    ]
    assert set(_scores(old)) <= {None, 0}
    admin = api("sysman")
    rule = {
        "title": "转介绍加分",
        "document_type": "Lead",
        "score_field": "score",
        "criteria": [{"fieldname": "source", "operator": "=", "value": "Referral", "points": 40}],
    }

    # when a System Manager creates the rule (the job runs once the save commits)
    with inline_jobs(execute=True):
        created = admin.post(RULES, rule)
    assert created.status_code == 200, created.content

    # then the existing leads are scored, with their explanation
    assert _scores(old) == [40, 40, 40]
    total = get_model("Lead").objects.count()
    progress = admin.get(PROGRESS, {"doctype": "Lead"}).json()["message"]
    assert (progress["state"], progress["done"], progress["total"]) == ("done", total, total)
    assert progress["changed"] == 3

    # when the rule changes, every lead follows
    name = created.json()["data"]["name"]
    rule["criteria"][0]["points"] = 15
    # (the test's transaction never commits, so the first request's job would still count as
    # pending and collapse this one, which a real request, committed, never does)
    transaction.get_connection().run_on_commit.clear()
    with inline_jobs(execute=True):
        assert admin.put(f"{RULES}/{name}", rule).status_code == 200
    assert _scores(old) == [15, 15, 15]
    log = get_model("Score Log").objects.get(reference_doctype="Lead", reference_name=old[0])
    assert log.details["criteria"][0]["points"] == 15

    # and only a System Manager reads the progress
    assert api("rep").get(PROGRESS, {"doctype": "Lead"}).status_code == 403


def test_the_job_reports_n_of_n_while_it_runs(users, monkeypatch):
    seen: list[tuple] = []
    do_insert_doc(
        "Administrator",
        "Scoring Rule",
        {
            "title": "来源评分",
            "document_type": "Lead",
            "score_field": "score",
            "criteria": [{"fieldname": "source", "operator": "is set", "points": 5}],
        },
    )
    for i in range(4):
        do_insert_doc("rep", "Lead", {"lead_name": f"线索{i}", "source": "Referral"})
    total = get_model("Lead").objects.count()
    monkeypatch.setattr(scoring, "PROGRESS_EVERY", 1)
    real_set = scoring._set_progress

    def record(doctype, state, done=0, total=None, **more):
        seen.append((state, done, total))
        real_set(doctype, state, done, total, **more)

    monkeypatch.setattr(scoring, "_set_progress", record)

    scoring.rescore_doctype("Lead")

    assert seen[0] == ("running", 0, total)
    assert [s[1] for s in seen if s[0] == "running"] == list(range(total + 1))
    assert seen[-1] == ("done", total, total)
    assert scoring.rescore_progress("Lead")["state"] == "done"


@pytest.mark.redis
@pytest.mark.usefixtures("rq_mode")
def test_the_rescore_runs_on_an_rq_worker_and_reports_progress(
    transactional_db, users, settings, monkeypatch
):
    # the progress lives in the site's shared cache (Redis), read by this process and written
    # by the worker process: both use the same Redis cache, as app nodes do in production
    monkeypatch.setenv("KUAICRM_TEST_SHARED_CACHE", settings.REDIS_URL)
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"kuaicrm-test-{worker_id}",
        }
    }
    # given leads, then a rule saved in a committed transaction: the job goes to Redis
    names = [
        do_insert_doc("rep", "Lead", {"lead_name": f"队列线索{i}", "source": "Referral"}).name
        for i in range(3)
    ]
    with transaction.atomic():
        do_insert_doc(
            "Administrator",
            "Scoring Rule",
            {
                "title": "队列评分",
                "document_type": "Lead",
                "score_field": "score",
                "criteria": [
                    {"fieldname": "source", "operator": "=", "value": "Referral", "points": 35}
                ],
            },
        )
    assert scoring.rescore_progress("Lead")["state"] == "queued"
    assert set(_scores(names)) <= {None, 0}  # nothing ran in this process

    # when a real worker process drains the queue
    done = run_worker()
    assert done.returncode == 0, done.stdout + done.stderr

    # then the progress (in the shared cache) reads done, N of N, and the leads are scored
    deadline = time.monotonic() + 30
    while (scoring.rescore_progress("Lead") or {}).get("state") != "done":
        assert time.monotonic() < deadline, scoring.rescore_progress("Lead")
        time.sleep(0.2)
    total = get_model("Lead").objects.count()
    progress = scoring.rescore_progress("Lead")
    assert (progress["done"], progress["total"]) == (total, total)
    assert _scores(names) == [35, 35, 35]
