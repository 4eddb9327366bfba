"""``make run``'s order on a fresh site: migrate (no reps yet), then load-demo, then leads.

The default assignment rules need the sales users, which only the demo creates; they must
exist and assign after the first load-demo, not after a second migrate. The order-to-cash demo
(kuaicrm/fixtures/demo_cash.py) must leave every state of the story, each approval taken by
the people the workflow asked (its Workflow Log), and reports that show figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
KUAICRM = Path(sys.executable).with_name("kuaicrm")

PROBE = """
import json
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model
from lowcode.models import Assignment
rules = sorted(get_model("Assignment Rule").objects.filter(document_type="Lead")
               .values_list("strategy", flat=True))
demo = list(get_model("Lead").objects.filter(lead_name__startswith="演示").values_list("name", flat=True))
assigned = Assignment.objects.filter(ref_doctype="Lead", docname__in=demo).values("docname").distinct()
lead = do_insert_doc("Administrator", "Lead", {"lead_name": "新线索", "territory": "华南"})
users = list(Assignment.objects.filter(ref_doctype="Lead", docname=lead.name)
             .values_list("user", flat=True))
print("PROBE " + json.dumps({"rules": rules, "demo": len(demo), "assigned": assigned.count(),
                             "new_lead_users": users}))
"""


def run(env: dict, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [str(KUAICRM), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"kuaicrm {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> dict:
    """`make run` on a fresh site: new-site migrates before any rep exists, then load-demo."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "KUAICRM_DB_NAME", "KUAICRM_SITE")
    }
    env.update(KUAICRM_SITES_DIR=str(tmp_path_factory.mktemp("sites")), KUAICRM_SITE="fresh")
    run(env, "new-site", "fresh")
    run(env, "migrate")
    run(env, "load-demo")
    return env


def probe(env: dict, code: str) -> dict:
    line = next(x for x in run(env, "shell", "-c", code).splitlines() if x.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


def test_first_load_demo_installs_the_assignment_rules_and_they_assign(fresh):
    # then: both default rules exist, the demo's leads were assigned, and a new lead is too
    result = probe(fresh, PROBE)
    assert result["rules"] == ["Load Balancing", "Territory"]
    assert result["demo"] > 0
    assert result["assigned"] == result["demo"]
    assert result["new_lead_users"] == ["zhao.lei"]  # the demo's only 华南 rep


# The order-to-cash story as the demo leaves it: states, who decided each approval (Workflow
# Log), files, amounts, and what the reports show (run as 王强, head of 销售中心).
PROBE_O2C = """
import datetime as dt, importlib, json
from django.utils import timezone
from lowcode.storage.factory import get_model as m
from lowcode.permissions.core import get_roles
today = timezone.localdate()
def logs(doctype, name):
    return [[l.from_state, l.action, l.to_state, l.user, sorted(get_roles(l.user))]
            for l in m("Workflow Log").objects.filter(reference_doctype=doctype,
                                                     reference_name=name).order_by("timestamp", "name")]
out = {"quotations": {}, "contracts": {}, "orders": {}, "invoices": {}, "statements": {}}
for q in m("Quotation").objects.order_by("name"):
    out["quotations"][q.name] = {"status": q.status, "docstatus": q.docstatus,
        "amended_from": q.amended_from, "discount": float(q.max_discount_percentage or 0),
        "log": logs("Quotation", q.name),
        "waiting": sorted(m("Workflow Action").objects.filter(reference_doctype="Quotation",
                          reference_name=q.name, status="Open").values_list("user", flat=True))}
for c in m("Contract").objects.filter(docstatus=1).order_by("name"):
    scan = m("File").objects.filter(file_url=c.signed_scan).values(
        "attached_to_doctype", "attached_to_name", "attached_to_field", "content_type").first()
    out["contracts"][c.name] = {"state": c.workflow_state, "end_in": (c.end_date - today).days,
        "reminded": bool(c.expiry_reminded_on), "scan": scan, "log": logs("Contract", c.name),
        "amounts": [float(c.get(f) or 0) for f in ("amount", "invoiced_amount",
                    "collected_amount", "delivered_amount")]}
for o in m("Sales Order").objects.filter(docstatus=1).order_by("name"):
    out["orders"][o.name] = {"delivery": o.delivery_status, "state": o.workflow_state,
                             "log": logs("Sales Order", o.name)}
out["installments"] = [[i.status, float(i.amount), float(i.paid_amount or 0),
                        (today - i.due_date).days]
                       for i in m("Payment Plan Installment").objects.filter(parenttype="Payment Plan")]
out["plans"] = sorted(m("Payment Plan").objects.values_list("status", flat=True))
out["receipts"] = [[r.docstatus, float(r.amount)] for r in m("Payment Receipt").objects.all()]
for i in m("Invoice").objects.order_by("name"):
    out["invoices"][i.name] = {"status": i.status, "total": float(i.grand_total),
        "reversal_of": i.reversal_of, "no": i.invoice_no, "log": logs("Invoice", i.name)}
out["targets"] = sorted({(t.target_type, t.period_type, "user" if t.user else "department")
                         for t in m("Sales Target").objects.all()})
out["tiers"] = [len(r.get_children("tiers")) for r in m("Commission Rule").objects.all()]
for s in m("Commission Statement").objects.all():
    out["statements"][s.name] = {"status": s.status, "docstatus": s.docstatus,
        "total": float(s.total_commission or 0), "lines": len(s.get_children("lines")),
        "log": logs("Commission Statement", s.name)}
out["company"] = list(m("Company").objects.filter(is_default=1).values_list("logo", "stamp"))
reports = {}
for report, filters in [("receivables_aging", {}), ("collection_forecast", {}),
                        ("contract_execution", {}), ("quotation_analysis", {}),
                        ("target_attainment", {}), ("target_attainment", {"target_type": "Collected Amount"}),
                        ("commission_summary", {})]:
    module = importlib.import_module(f"kuaicrm.reports.{report}.{report}")
    rows = module.execute(filters, "wang.qiang")[1]
    reports[report + "/" + filters.get("target_type", "")] = json.loads(json.dumps(rows, default=str))
out["reports"] = reports
print("PROBE " + json.dumps(out, default=str))
"""
SALES_MANAGER, FINANCE_USER, LEGAL_USER = "Sales Manager", "Finance User", "Legal User"


def _deciders(log: list, action: str, from_state: str | None = None) -> list[tuple[str, list]]:
    """(user, roles) of each ``action`` taken in the Workflow Log (from ``from_state``)."""
    return [
        (user, roles)
        for start, taken, _to, user, roles in log
        if taken == action and (from_state is None or start == from_state)
    ]


@pytest.fixture(scope="module")
def o2c(fresh) -> dict:
    return probe(fresh, PROBE_O2C)


def test_demo_quotations_stand_in_every_state_and_approvals_are_in_the_log(o2c):
    quotes = o2c["quotations"]
    statuses = {q["status"] for q in quotes.values()}
    assert statuses >= {"Draft", "Pending Approval", "Approved", "Sent", "Accepted", "Lost",
                        "Expired", "Cancelled"}  # fmt: skip
    # a revision: the cancelled quotation amended as <name>-1, itself accepted
    revisions = {n: q for n, q in quotes.items() if q["amended_from"]}
    assert revisions, quotes.keys()
    for name, revision in revisions.items():
        assert name == f"{revision['amended_from']}-1"
        assert quotes[revision["amended_from"]]["docstatus"] == 2
        assert revision["status"] == "Accepted"
    # 会签 half-way: one sales manager agreed, finance still has open slots
    (pending,) = [q for q in quotes.values() if q["status"] == "Pending Approval"]
    assert [roles for _u, roles in _deciders(pending["log"], "Approve")] and all(
        SALES_MANAGER in roles for _u, roles in _deciders(pending["log"], "Approve")
    )
    assert {"qian.hui", "feng.tao"} <= set(pending["waiting"])
    # every approved quotation got there through the workflow: over the discount threshold by
    # the 会签's two slots (a sales manager, one finance user: any of them speaks for finance),
    # under it by the rep's Submit straight to Approved
    for name, quote in quotes.items():
        if quote["docstatus"] == 0:
            continue
        into_approved = [row for row in quote["log"] if row[2] == "Approved"]
        assert into_approved, (name, quote["log"])
        if quote["discount"] > 10:
            deciders = _deciders(quote["log"], "Approve", "Pending Approval")
            finance = {u for u, roles in deciders if FINANCE_USER in roles}
            assert len(finance) == 1 and finance <= {"qian.hui", "feng.tao"}, deciders
            assert any(SALES_MANAGER in roles for _u, roles in deciders)
        else:
            assert into_approved[0][1] == "Submit"


def test_demo_contracts_were_approved_signed_with_a_scan_and_one_is_due_for_renewal(o2c):
    contracts = o2c["contracts"]
    assert len(contracts) >= 5
    # signed (已签约, its start still ahead) and in execution (started by the daily job)
    assert {c["state"] for c in contracts.values()} == {"Signed", "In Execution"}
    for name, contract in contracts.items():
        log = contract["log"]
        # manager → legal → finance, each by someone holding that role, then signed
        assert any(SALES_MANAGER in r for _u, r in _deciders(log, "Approve", "Manager Review"))
        assert any(LEGAL_USER in r for _u, r in _deciders(log, "Approve", "Legal Review"))
        assert any(FINANCE_USER in r for _u, r in _deciders(log, "Approve", "Finance Review"))
        assert _deciders(log, "Sign", "Approved"), (name, log)
        assert contract["scan"] == {
            "attached_to_doctype": "Contract",
            "attached_to_name": name,
            "attached_to_field": "signed_scan",
            "content_type": "application/pdf",
        }
    renewals = [c for c in contracts.values() if 0 <= c["end_in"] <= 30]
    assert renewals and all(c["reminded"] for c in renewals)
    # progress: something invoiced, collected and delivered against a contract's amount
    amount, invoiced, collected, delivered = map(
        max, zip(*(c["amounts"] for c in contracts.values()), strict=True)
    )
    assert min(invoiced, collected, delivered) > 0 and amount > 0


def test_demo_order_payment_plans_receipts_and_invoices(o2c):
    partly = [o for o in o2c["orders"].values() if o["delivery"] == "Partly Delivered"]
    assert partly and partly[0]["state"] == "Approved"
    assert any(FINANCE_USER in r for _u, r in _deciders(partly[0]["log"], "Approve", "Countersign"))
    overdue = [i for i in o2c["installments"] if i[0] == "Overdue"]
    assert overdue and all(days > 0 for *_rest, days in overdue)
    assert "Overdue" in o2c["plans"]
    paid_in_part = [i for i in o2c["installments"] if 0 < i[2] < i[1]]
    paid_in_full = [i for i in o2c["installments"] if i[0] == "Paid"]
    assert paid_in_part and paid_in_full
    assert o2c["receipts"] and {docstatus for docstatus, _ in o2c["receipts"]} == {1}
    invoices = o2c["invoices"]
    reversed_ = [n for n, i in invoices.items() if i["status"] == "Reversed"]
    assert reversed_
    (red,) = [i for i in invoices.values() if i["reversal_of"] == reversed_[0]]
    assert red["status"] == "Issued" and red["total"] == -invoices[reversed_[0]]["total"]
    for invoice in invoices.values():
        if invoice["status"] in ("Issued", "Reversed"):
            issued = _deciders(invoice["log"], "Issue Invoice", "Requested")
            assert issued and FINANCE_USER in issued[0][1] and invoice["no"]
    assert _deciders(invoices[reversed_[0]]["log"], "Reverse Invoice", "Issued")


def test_demo_targets_commission_and_what_the_reports_show(o2c):
    assert {(t, p, whose) for t, p, whose in map(tuple, o2c["targets"])} >= {
        (kind, period, whose)
        for kind in ("Signed Amount", "Collected Amount")
        for period in ("Month", "Year")
        for whose in ("user", "department")
    } | {("Signed Amount", "Quarter", "user"), ("Signed Amount", "Quarter", "department")}
    assert o2c["tiers"] and max(o2c["tiers"]) >= 2
    approved = [s for s in o2c["statements"].values() if s["status"] == "Approved"]
    assert approved and approved[0]["docstatus"] == 1 and approved[0]["total"] > 0
    assert approved[0]["lines"] > 0
    assert any(SALES_MANAGER in r for _u, r in _deciders(approved[0]["log"], "Approve"))
    assert o2c["company"] and all(o2c["company"][0])
    reports = o2c["reports"]
    aging = reports["receivables_aging/"]
    assert sum(float(r.get("overdue") or 0) for r in aging) > 0
    assert len([k for k in ("days_0_30", "days_31_60") if any(r.get(k) for r in aging)]) == 2
    assert len(reports["collection_forecast/"]) > 2
    assert any(float(r.get("collected_amount") or 0) for r in reports["contract_execution/"])
    assert any(float(r.get("win_rate") or 0) > 0 for r in reports["quotation_analysis/"])
    for key in ("target_attainment/", "target_attainment/Collected Amount"):
        assert any(float(r.get("attainment") or 0) > 0 for r in reports[key]), reports[key]
    assert {r["status"] for r in reports["commission_summary/"]} >= {"Approved"}
