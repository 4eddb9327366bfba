"""A Role-routed 会签 with ``approver_slots: Role``: one slot per listed role, not per holder.

Seed 003: a quotation over the thresholds is reviewed by 销售经理 and 财务 together; any one
finance clerk speaks for finance. The quotation workflow declares it on its Pending Approval
transitions; the per-user default (every holder a slot) is unchanged.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.meta.registry import get_meta
from lowcode.storage.factory import get_model
from lowcode.users import do_create_user
from lowcode.workflow import engine
from lowcode.workflow.actions import do_apply_workflow
from tests.conftest import PASSWORD
from tests.lowcode.workflow.helpers import act, actions_of, inbox

pytestmark = pytest.mark.django_db
Q = "Quotation"
MANAGER, FINANCE = "Sales Manager", "Finance User"


@pytest.fixture
def pending(workflows):
    """A rep's quotation at a 15 % discount (over the 10 % allowed), submitted: Pending Approval."""
    do_insert_doc(
        "Administrator",
        "Product",
        {"product_name": "数控车床 CK6150", "standard_rate": "158000", "standard_cost": "118500"},
    )
    customer = do_insert_doc("rep", "Customer", {"customer_name": "常州恒远精密机械有限公司"})
    doc = do_insert_doc(
        "rep",
        Q,
        {
            "customer": customer.name,
            "valid_till": timezone.localdate() + timezone.timedelta(days=30),
            "items": [{"product": "数控车床 CK6150", "qty": 2, "discount_percentage": 15}],
        },
    )
    assert do_apply_workflow("rep", Q, doc.name, "Submit").status == "Pending Approval"
    return doc.name


def _open(name: str) -> set[tuple[str, str]]:
    rows = get_model("Workflow Action").objects.filter(reference_name=name, status="Open")
    return {(user, role or "") for user, role in rows.values_list("user", "approver_role")}


def _progress(api, name: str) -> dict:
    response = api("rep").get(
        "/api/method/lowcode.workflow.get_progress", {"doctype": Q, "name": name}
    )
    assert response.status_code == 200, response.content
    return response.json()["message"]


def _state(name: str) -> str:
    return get_model(Q).objects.get(name=name).status


def test_each_holder_of_a_listed_role_gets_an_action_for_that_role(pending):
    assert _open(pending) == {
        ("manager", MANAGER),
        ("finance1", FINANCE),
        ("finance2", FINANCE),
    }


def test_manager_then_one_finance_clerk_completes_the_step(api, pending):
    assert do_apply_workflow("manager", Q, pending, "Approve").status == "Pending Approval"
    assert (_progress(api, pending)["approved"], _progress(api, pending)["total"]) == (1, 2)
    assert do_apply_workflow("finance1", Q, pending, "Approve").status == "Approved"
    assert get_model(Q).objects.get(name=pending).docstatus == 1
    finance2 = get_model("Workflow Action").objects.get(reference_name=pending, user="finance2")
    assert finance2.status == "Cancelled"
    refused = act(api("finance2"), Q, pending, "Approve")
    assert refused.status_code == 403, refused.content


def test_a_filled_role_slot_cancels_the_other_holders_actions(api, pending):
    # finance1 speaks for finance first: finance2's action goes, the manager's stays
    assert do_apply_workflow("finance1", Q, pending, "Approve").status == "Pending Approval"
    assert _open(pending) == {("manager", MANAGER)}
    assert pending not in inbox(api("finance2"), "pending")
    assert actions_of(api("finance2"), Q, pending) == []
    refused = act(api("finance2"), Q, pending, "Approve")
    assert refused.status_code == 403, refused.content
    assert _state(pending) == "Pending Approval"
    assert do_apply_workflow("manager", Q, pending, "Approve").status == "Approved"


def test_progress_names_the_role_still_awaited(api, pending):
    progress = _progress(api, pending)
    assert (progress["approved"], progress["total"]) == (0, 2)
    assert progress["summary"] == "会签 0/2 已同意，等待 销售经理、财务专员"
    do_apply_workflow("manager", Q, pending, "Approve")
    progress = _progress(api, pending)
    assert progress["waiting"] == [FINANCE]
    assert progress["summary"] == "会签 1/2 已同意，等待 财务专员"


def test_a_holder_of_both_roles_fills_only_one_of_them(api, pending):
    # a finance clerk who is also a sales manager of the rep's department
    do_create_user(
        "mgrfin", PASSWORD, roles=[MANAGER, FINANCE], department="华东销售部", full_name="mgrfin"
    )
    context.reset()
    assert do_apply_workflow("rep", Q, pending, "Withdraw").status == "Draft"
    assert do_apply_workflow("rep", Q, pending, "Submit").status == "Pending Approval"
    assert {("mgrfin", MANAGER), ("mgrfin", FINANCE)} <= _open(pending)
    assert do_apply_workflow("mgrfin", Q, pending, "Approve").status == "Pending Approval"
    progress = _progress(api, pending)
    assert (progress["approved"], progress["total"], progress["waiting"]) == (1, 2, [FINANCE])
    # the same person cannot also speak for finance: two people review (seed 003)
    assert ("mgrfin", FINANCE) not in _open(pending)
    refused = act(api("mgrfin"), Q, pending, "Approve")
    assert refused.status_code == 403, refused.content
    assert _state(pending) == "Pending Approval"
    assert do_apply_workflow("finance2", Q, pending, "Approve").status == "Approved"


def test_the_holder_of_an_awaited_role_rejects_with_a_reason(api, pending):
    # finance has spoken through finance1: finance2 no longer decides, the manager still does
    do_apply_workflow("finance1", Q, pending, "Approve")
    refused = act(api("finance2"), Q, pending, "Reject", reason="毛利不足")
    assert refused.status_code == 403, refused.content
    without_reason = act(api("manager"), Q, pending, "Reject")
    assert without_reason.status_code == 417, without_reason.content
    response = act(api("manager"), Q, pending, "Reject", reason="毛利不足")
    assert response.status_code == 200, response.content
    assert response.json()["message"]["workflow_state"] == "Draft"
    log = get_model("Workflow Log").objects.get(reference_name=pending, action="Reject")
    assert (log.user, log.reason) == ("manager", "毛利不足")
    assert _open(pending) == set()


def test_a_delegate_fills_the_delegators_role_slot(pending):
    # finance1 away: the system manager holds finance1's finance slot
    today = timezone.localdate()
    do_insert_doc(
        "finance1",
        "Workflow Delegation",
        {"user": "finance1", "delegate": "sysman", "from_date": today, "to_date": today},
    )
    do_apply_workflow("rep", Q, pending, "Withdraw")
    do_apply_workflow("rep", Q, pending, "Submit")
    delegated = get_model("Workflow Action").objects.get(
        reference_name=pending, status="Open", delegated_from="finance1"
    )
    assert (delegated.user, delegated.approver_role) == ("sysman", FINANCE)
    assert do_apply_workflow("sysman", Q, pending, "Approve").status == "Pending Approval"
    assert _open(pending) == {("manager", MANAGER)}  # finance has spoken, through the delegate
    assert do_apply_workflow("manager", Q, pending, "Approve").status == "Approved"


def test_a_delegate_who_already_spoke_for_another_role_steps_back(pending):
    # finance1 delegates to the manager, who approves as manager first: two people review
    today = timezone.localdate()
    do_insert_doc(
        "finance1",
        "Workflow Delegation",
        {"user": "finance1", "delegate": "manager", "from_date": today, "to_date": today},
    )
    do_apply_workflow("rep", Q, pending, "Withdraw")
    do_apply_workflow("rep", Q, pending, "Submit")
    assert do_apply_workflow("manager", Q, pending, "Approve").status == "Pending Approval"
    assert _open(pending) == {("finance2", FINANCE)}
    assert do_apply_workflow("finance2", Q, pending, "Approve").status == "Approved"


def test_per_user_slots_stay_the_default(api, pending):
    # the administrator turns the quotation's slots back to one per user
    workflow = get_model("Workflow").objects.get(document_type=Q, is_active=True)
    fields = [f.fieldname for f in get_meta("Workflow Transition").fields if f.holds_value]
    rows = [
        {**{f: row.get(f) for f in ["name", *fields]}, "approver_slots": "User"}
        for row in workflow.get_children("transitions")
    ]
    do_save_doc("Administrator", "Workflow", workflow.name, {"transitions": rows})
    context.reset()
    definition = engine.get_workflow(Q)
    assert {t.approver_slots for t in definition.outgoing("Pending Approval")} == {"User"}
    do_apply_workflow("rep", Q, pending, "Withdraw")
    do_apply_workflow("rep", Q, pending, "Submit")
    assert _open(pending) == {("manager", ""), ("finance1", ""), ("finance2", "")}
    do_apply_workflow("manager", Q, pending, "Approve")
    do_apply_workflow("finance1", Q, pending, "Approve")
    progress = _progress(api, pending)
    assert (progress["approved"], progress["total"], progress["waiting"]) == (2, 3, ["finance2"])
    assert do_apply_workflow("finance2", Q, pending, "Approve").status == "Approved"
