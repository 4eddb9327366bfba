"""Engine rules: delegation, timers (remind, escalate), loader idempotency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.workflow.actions import do_apply_workflow, do_process_workflow_timers
from lowcode.workflow.engine import approval_progress
from lowcode.workflow.loader import sync_workflows
from tests.lowcode.workflow.helpers import set_workflow_setting

pytestmark = pytest.mark.django_db
C = "Contract"


def _contract_in_legal(amount: float = 1000) -> str:
    """A small contract in Legal Review; legal's approval completes it (finance is skipped)."""
    # Finance reviews every contract unless the administrator sets a threshold.
    set_workflow_setting("contract_finance_threshold", 500000)
    doc = do_insert_doc("rep", C, {"contract_title": "测试合同", "amount": amount})
    do_apply_workflow("rep", C, doc.name, "Submit")
    do_apply_workflow("manager", C, doc.name, "Approve")
    return doc.name


def test_loader_is_idempotent_and_follows_content(workflows):
    assert set(workflows) >= {"Contract Approval", "Lead Qualification"}
    assert sync_workflows() == []


def test_loader_rewrites_a_changed_workflow_without_duplicating_rows(workflows):
    Workflow, State = get_model("Workflow"), get_model("Workflow Document State")
    rows = State.objects.filter(parent="Contract Approval").count()
    Workflow.objects.filter(name="Contract Approval").update(source_hash="stale")
    assert sync_workflows() == ["Contract Approval"]
    assert State.objects.filter(parent="Contract Approval").count() == rows == 19


def test_delegate_gets_the_action_and_may_take_it(workflows):
    today = timezone.localdate()
    do_insert_doc(
        "legal2",
        "Workflow Delegation",
        {"user": "legal2", "delegate": "finance1", "from_date": today, "to_date": today},
    )
    name = _contract_in_legal()
    Action = get_model("Workflow Action")
    delegated = Action.objects.get(reference_name=name, status="Open", delegated_from="legal2")
    assert delegated.user == "finance1"
    do_apply_workflow("legal1", C, name, "Approve")
    doc = do_apply_workflow("finance1", C, name, "Approve")
    assert doc.workflow_state == "Approved"


def test_expired_delegation_is_ignored(workflows):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    do_insert_doc(
        "legal2",
        "Workflow Delegation",
        {"user": "legal2", "delegate": "finance1", "from_date": yesterday, "to_date": yesterday},
    )
    name = _contract_in_legal()
    assert (
        get_model("Workflow Action")
        .objects.filter(reference_name=name, user="legal2", status="Open")
        .exists()
    )


def test_timers_remind_then_escalate_once(workflows):
    name = _contract_in_legal()
    Notification, Log = get_model("Notification Log"), get_model("Workflow Log")
    before = Notification.objects.filter(document_name=name).count()
    # 25 hours later: reminders only (remind after 24h, escalate after 48h)
    assert do_process_workflow_timers(timezone.now() + dt.timedelta(hours=25)) == (2, 0)
    assert Notification.objects.filter(document_name=name).count() == before + 2
    later = timezone.now() + dt.timedelta(hours=49)
    assert do_process_workflow_timers(later) == (0, 2)
    assert do_process_workflow_timers(later) == (0, 0)
    # legal users sit in 华东销售部, headed by manager, who now holds the escalated actions
    escalated = get_model("Workflow Action").objects.filter(
        reference_name=name, user="manager", status="Open"
    )
    assert sorted(escalated.values_list("delegated_from", flat=True)) == ["legal1", "legal2"]
    assert Log.objects.filter(reference_name=name, action="Escalation").count() == 2
    # each escalated slot is one decision: one approval fills one slot, never both
    assert do_apply_workflow("manager", C, name, "Approve").workflow_state == "Legal Review"
    progress = approval_progress(get_model(C).objects.get(name=name))
    assert (progress["approved"], progress["total"], len(progress["waiting"])) == (1, 2, 1)
    assert do_apply_workflow("manager", C, name, "Approve").workflow_state == "Approved"
    assert not get_model("Workflow Action").objects.filter(reference_name=name, status="Open")


def test_fixtures_load_on_a_site_without_users(site):
    # a new site: roles exist, nobody holds them yet
    assert sorted(sync_workflows()) == [
        "Churn Warning",
        "Commission Statement Approval",
        "Contract Approval",
        "Invoice Request",
        "Lead Qualification",
        "Quotation Approval",
        "Sales Order Approval",
        "Visit Approval",
    ]
    assert get_model("Workflow").objects.filter(is_active=True).count() == 8
