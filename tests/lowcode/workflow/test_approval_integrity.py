"""Approval integrity as a property: no write route moves a document past its workflow.

For every workflow fixture, seeded random walks of writes by every kind of user through every
write route (REST PUT, frappe.client.save / set_value / submit / cancel, the desk form and its
submit/cancel commands, kanban moves, bulk edits, import in update mode, a server script's
save) must leave (workflow state, docstatus) where it was, except:

- a workflow action the user was offered (get_transitions) moves it to that action's state
  (or leaves it while a 会签 waits for more approvers), and a kanban move to a state counts
  as that action;
- a change to a field that routes the approval, made after an approver agreed, sends it back
  to the initial state with a "Restart Approval" log.

After every step the docstatus is the one the state declares, so docstatus 1 and final states
are reached only through permitted transitions.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from django.utils import timezone

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.users import do_create_user
from lowcode.workflow import engine
from tests.conftest import PASSWORD
from tests.lowcode.dataio.conftest import csv_bytes, make_import, run_import  # noqa: F401
from tests.lowcode.desk.conftest import desk  # noqa: F401
from tests.lowcode.scripts.conftest import make_script, scripts_on  # noqa: F401

pytestmark = pytest.mark.django_db

WALKERS = (
    "rep",
    "rep2",
    "manager",
    "sysman",
    "legal1",
    "legal2",
    "finance1",
    "finance2",
    "director",
    "opsvp",
    "Administrator",
)
STEPS = 48
SEEDS = (11, 29)
SLUGS = {
    "Lead": "lead",
    "Customer Visit": "customer-visit",
    "Contract": "contract",
    "Sales Order": "sales-order",
    "Churn Warning": "churn-warning",
    "Quotation": "quotation",
    "Invoice": "invoice",
    "Commission Statement": "commission-statement",
}


def _customer() -> str:
    return do_insert_doc("rep", "Customer", {"customer_name": "常州恒远精密机械有限公司"}).name


def _product() -> str:
    """A catalogue product with a cost (a quotation's margin needs one)."""
    if not get_model("Product").objects.filter(name="数控车床 CK6150").exists():
        do_insert_doc(
            "Administrator",
            "Product",
            {"product_name": "数控车床 CK6150", "standard_rate": 158000, "standard_cost": 118500},
        )
    return "数控车床 CK6150"


def _new_document(doctype: str, customer: str):
    """A fresh document of the rep's, in its workflow's initial state."""
    data = {
        "Lead": {
            "lead_name": "王先生",
            "company_name": "苏州精工",
            "mobile_no": "13800138000",
            "designation": "采购总监",
            "company_size": "200-999",
            "budget_range": "500k-2M",
        },
        "Customer Visit": {
            "visit_title": "拜访恒远",
            "visit_date": "2026-12-20",
            "customer": customer,
        },
        "Contract": {"contract_title": "年度服务合同", "customer": customer, "amount": 900000},
        "Sales Order": {
            "customer": customer,
            "items": [{"item_name": "数控机床 CK6150", "qty": 2, "rate": 150000}],
        },
        "Churn Warning": {
            "customer": customer,
            "indicator": "Declining Orders",
            "risk_level": "High",
            # what each step's controller asks for, so the walk can get through
            "cause_analysis": "竞品降价",
            "retention_plan": "总经理拜访",
            "execution_record": "两次报价均被拒",
            "loss_reason": "Competitor",
        },
        "Quotation": {
            "customer": customer,
            "valid_till": str(timezone.localdate() + dt.timedelta(30)),
            "items": [{"product": _product(), "qty": 2, "discount_percentage": 5}],
        },
        "Invoice": {
            "customer": customer,
            "invoice_type": "VAT General Invoice",
            "buyer_title": "常州恒远精密机械有限公司",
            "grand_total": 11300,
            # what Issue Invoice asks for, so the walk can get through
            "invoice_no": "04410001",
            "invoice_date": "2026-12-07",
        },
        # a manager makes the rep's statement (kuaicrm.make_commission_statements does)
        "Commission Statement": {"user": "rep", "period": "2026-03"},
    }[doctype]
    return do_insert_doc("manager" if doctype == "Commission Statement" else "rep", doctype, data)


def _edit(doctype: str, rng: random.Random) -> dict:
    """An ordinary edit, routing fields included (amount, a sales order's items)."""
    return {
        "Lead": {"designation": rng.choice(["采购经理", "总经理"])},
        "Customer Visit": {"purpose": rng.choice(["设备验收", "续约洽谈"])},
        "Contract": {"amount": rng.choice([1000, 100000, 900000, 5000000])},
        "Sales Order": {
            "items": [{"item_name": "数控机床", "qty": 1, "rate": rng.choice([1000, 400000])}]
        },
        "Churn Warning": {"risk_level": rng.choice(["Low", "High"])},
        "Quotation": {
            "items": [{"product": _product(), "qty": 1, "discount_percentage": rng.choice([0, 15])}]
        },
        "Invoice": {"grand_total": rng.choice([500, 11300]), "buyer_phone": "0519-8888"},
        "Commission Statement": {"remarks": rng.choice(["三月提成", "已核对回款"])},
    }[doctype]


def _snapshot(doctype: str, name: str) -> tuple[str, int]:
    doc = get_model(doctype).objects.get(name=name)
    return doc.get(engine.get_workflow(doctype).state_field), doc.docstatus


def _last_log_action(doctype: str, name: str) -> str | None:
    return (
        get_model("Workflow Log")
        .objects.filter(reference_doctype=doctype, reference_name=name)
        .order_by("-timestamp", "-creation")
        .values_list("action", flat=True)
        .first()
    )


class Walk:
    """One seeded walk over one document; every step checks the invariant."""

    def __init__(self, doctype, name, rng, clients, imports, scripts):
        self.doctype, self.name, self.rng = doctype, name, rng
        self.api, self.desk = clients
        self.make_import, self.run_import = imports
        self.make_script = scripts
        self.workflow = engine.get_workflow(doctype)
        self.field = self.workflow.state_field
        self.desks: dict = {}
        self.moves = 0
        self.states: list[str] = []

    # ---------------------------------------------------------------- routes
    def _desk(self, user):
        if user not in self.desks:
            self.desks[user] = self.desk(user)
        return self.desks[user]

    def _target(self):
        return self.rng.choice([s.state for s in self.workflow.states])

    def rest_put(self, user):
        payload = self.rng.choice(
            [{self.field: self._target()}, {"docstatus": 1}, _edit(self.doctype, self.rng)]
        )
        self.api(user).put(f"/api/resource/{self.doctype}/{self.name}", payload)

    def client_save(self, user):
        current = self.api("Administrator").get(f"/api/resource/{self.doctype}/{self.name}")
        doc = {**current.json()["data"], self.field: self._target(), "docstatus": 1}
        doc.update(_edit(self.doctype, self.rng))
        doc.pop("modified", None)
        self.api(user).post("/api/method/frappe.client.save", {"doc": json.dumps(doc)})

    def client_set_value(self, user):
        fieldname, value = self.rng.choice(
            [
                (self.field, self._target()),
                ("docstatus", "1"),
                *_edit(self.doctype, self.rng).items(),
            ]
        )
        self.api(user).post(
            "/api/method/frappe.client.set_value",
            {
                "doctype": self.doctype,
                "name": self.name,
                "fieldname": fieldname,
                "value": value if isinstance(value, str) else json.dumps(value),
            },
        )

    def client_submit(self, user):
        doc = json.dumps({"doctype": self.doctype, "name": self.name})
        self.api(user).post("/api/method/frappe.client.submit", {"doc": doc})

    def client_cancel(self, user):
        self.api(user).post(
            "/api/method/frappe.client.cancel", {"doctype": self.doctype, "name": self.name}
        )

    def desk_save(self, user):
        slug = SLUGS[self.doctype]
        values = {self.field: self._target()}
        values.update({k: v for k, v in _edit(self.doctype, self.rng).items() if k != "items"})
        self._desk(user).post(f"/app/{slug}/{self.name}", values)

    def desk_command(self, user):
        command = self.rng.choice(["submit", "cancel"])
        self._desk(user).post(f"/app/{SLUGS[self.doctype]}/{self.name}/do/{command}")

    def bulk_edit(self, user):
        fieldname, value = self.rng.choice(
            [(self.field, self._target()), *_edit(self.doctype, self.rng).items()]
        )
        self._desk(user).post(
            f"/app/{SLUGS[self.doctype]}/bulk",
            {
                "names": [self.name],
                "bulk_action": "set_value",
                "field": fieldname,
                "value": value if isinstance(value, str) else json.dumps(value),
            },
        )

    def import_update(self, user):
        rows = [["ID (name)", f"State ({self.field})"], [self.name, self._target()]]
        try:
            name = self.make_import(
                self.api(user),
                csv_bytes(rows),
                reference_doctype=self.doctype,
                import_type="Update Existing Records",
            )
        except AssertionError:
            return  # this user may not import this DocType at all
        self.run_import(self.api(user), name)

    def script_save(self, user):
        target = self._target()
        self.make_script(
            f"bypass{self.moves}",
            script_type="API",
            api_method=f"bypass{self.moves}",
            script=(
                f"d = frappe.get_doc({self.doctype!r}, {self.name!r})\n"
                f"d.{self.field} = {target!r}\n"
                "d.docstatus = 1\n"
                "d.save()\n"
            ),
        )
        self.api(user).post(f"/api/method/bypass{self.moves}")

    BYPASSES = (
        "rest_put",
        "client_save",
        "client_set_value",
        "client_submit",
        "client_cancel",
        "desk_save",
        "desk_command",
        "bulk_edit",
        "import_update",
        "script_save",
    )

    # ---------------------------------------------------------------- permitted moves
    def allowed_after(self, user, actions: set[str] | None = None, target: str | None = None):
        doc = get_model(self.doctype).objects.get(name=self.name)
        return {
            (t.next_state, self.workflow.get_state(t.next_state).doc_status)
            for t in engine.get_transitions(user, doc)
            if (actions is None or t.action in actions)
            and (target is None or t.next_state == target)
        }

    def workflow_action(self, user):
        doc = get_model(self.doctype).objects.get(name=self.name)
        # Go deep: act as someone who is offered an action, so the walk reaches approval
        # states, docstatus 1 and final states, where the other routes are tried next.
        offered_to = [u for u in WALKERS if engine.get_transitions(u, doc)]
        if offered_to and user not in offered_to:
            user = self.rng.choice(offered_to)
        offered = engine.get_transitions(user, doc)
        if not offered:
            return set()
        action = self.rng.choice(offered).action
        allowed = self.allowed_after(user, {action})
        self.api(user).post(
            "/api/method/lowcode.workflow.apply_action",
            {
                "doctype": self.doctype,
                "name": self.name,
                "action": action,
                "reason": "按流程处理",
                "risk_note": "已评估",
            },
        )
        return allowed

    def kanban_move(self, user):
        target = self._target()
        allowed = self.allowed_after(user, target=target)
        self._desk(user).post(
            f"/app/{SLUGS[self.doctype]}/view/kanban/move",
            {"name": self.name, "field": self.field, "value": target},
            HTTP_ACCEPT="application/json",
        )
        return allowed

    # ---------------------------------------------------------------- the walk
    def step(self) -> str:
        user = self.rng.choice(WALKERS)
        # Half the steps advance the document, so the bypasses are tried in every state it reaches.
        route = (
            "workflow_action"
            if self.rng.random() < 0.5
            else self.rng.choice([*self.BYPASSES, "kanban_move"])
        )
        before = _snapshot(self.doctype, self.name)
        self.moves += 1
        allowed = getattr(self, route)(user) or set()
        after = _snapshot(self.doctype, self.name)
        restarted = (
            after == (self.workflow.initial_state, 0)
            and before[1] == 0
            and _last_log_action(self.doctype, self.name) == "Restart Approval"
        )
        assert after == before or after in allowed or restarted, (
            f"{route} by {user} moved {self.doctype} {self.name} from {before} to {after}"
        )
        state = self.workflow.get_state(after[0])
        assert state is not None and state.doc_status == after[1], (after, route)
        self.states.append(after[0])
        return route


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("doctype", list(SLUGS))
def test_no_write_route_moves_a_document_past_its_workflow(
    doctype,
    seed,
    workflows,
    api,
    desk,  # noqa: F811
    scripts_on,  # noqa: F811
    make_script,  # noqa: F811
    make_import,  # noqa: F811
    run_import,  # noqa: F811
):
    for username, role in (("director", "Sales Director"), ("opsvp", "Operations VP")):
        do_create_user(username, PASSWORD, roles=[role], department="销售中心", full_name=username)
    context.reset()
    doc = _new_document(doctype, _customer())
    walk = Walk(
        doctype,
        doc.name,
        random.Random(seed),
        (api, desk),
        (make_import, run_import),
        make_script,
    )
    taken = [walk.step() for _ in range(STEPS)]
    visited = set(walk.states)
    # the walk really exercised the routes (a seed that only read would prove nothing)
    assert len(set(taken)) >= 8, taken
    # and it got past the first approval (or to an end), so the routes were tried on
    # approved and submitted documents too
    ends = {s.state for s in walk.workflow.states if s.is_final or s.doc_status}
    assert len(visited) >= 3 or visited & ends, visited
