"""Commission (提成): tiers with a cap, the product-group split, approval lock, reversal adjustment.

Hand-worked month (March 2026) for ``rep``:

- Contract items: a CNC machine 300,000 and spare parts 100,000 → receipts allocated to it are
  split 3 : 1 (CNC Machine Tools : Spare Parts).
- R1 200,000 (03-05) → CNC 150,000 + Spare 50,000; R2 160,000 (03-20) → CNC 120,000 + Spare
  40,000; R3 10,000 (03-25) unallocated → all groups 10,000.
- Rule 机床提成 (CNC, progressive 0–100k 2 %, 100k–300k 3 %, 300k+ 5 %, cap 6,000):
  CNC base 270,000 → 2,000 + 5,100 = 7,100, capped to 6,000; effective 2.2222 %:
  R1 3,333.33, R2 2,666.67 (the remainder).
- Rule 通用提成 (all groups, whole amount: from 0 at 1 %, from 50k at 1.5 %): base 90,000 +
  10,000 = 100,000 → 1.5 % on the whole = 1,500: R1 750, R2 600, R3 150.
- Total 7,500.
"""

from __future__ import annotations

import pytest

from kuaicrm.commission import do_make_commission_statements
from lowcode import context
from lowcode.documents.actions import do_insert_doc, do_save_doc
from lowcode.exceptions import DocstatusTransitionError, ValidationError
from lowcode.workflow.actions import do_apply_workflow

from .conftest import call, customer_of, d, message, plan, product, receive, reverse, run, stored

CNC, SPARE = "CNC Machine Tools", "Spare Parts"


@pytest.fixture
def rules(o2c):
    do_insert_doc(
        "fin",
        "Commission Rule",
        {
            "rule_name": "机床提成",
            "product_group": CNC,
            "calculation": "Progressive",
            "effective_from": "2026-01-01",
            "cap_amount": 6000,
            "tiers": [
                {"from_amount": 0, "to_amount": 100000, "rate": 2},
                {"from_amount": 100000, "to_amount": 300000, "rate": 3},
                {"from_amount": 300000, "rate": 5},
            ],
        },
    )
    do_insert_doc(
        "fin",
        "Commission Rule",
        {
            "rule_name": "通用提成",
            "calculation": "Whole Amount",
            "effective_from": "2026-01-01",
            "applies_to_roles": [{"role": "Sales User"}],
            "tiers": [
                {"from_amount": 0, "to_amount": 50000, "rate": 1},
                {"from_amount": 50000, "rate": 1.5},
            ],
        },
    )
    context.reset()


@pytest.fixture
def march(rules):
    """The rep's March: a contract of CNC + spare parts, three receipts (module docstring)."""
    customer = customer_of("rep")
    machine = product("数控车床 CK6150", CNC, 300000)
    parts = product("主轴备件", SPARE, 100000)
    contract = do_insert_doc(
        "rep",
        "Contract",
        {
            "contract_title": "机床及备件合同",
            "customer": customer,
            "sales_owner": "rep",
            "items": [
                {"product": machine, "qty": 1, "rate": 300000, "tax_rate": "0"},
                {"product": parts, "qty": 1, "rate": 100000, "tax_rate": "0"},
            ],
        },
    ).name
    p = plan(
        "rep",
        customer,
        [("2026-03-10", 200000), ("2026-04-10", 200000)],
        contract=contract,
        sales_owner="rep",
    )
    r1 = receive(customer, 200000, "2026-03-05", [(p["rows"][0], 200000)])
    r2 = receive(customer, 160000, "2026-03-20", [(p["rows"][1], 160000)])
    r3 = receive(customer, 10000, "2026-03-25", sales_owner="rep")
    # someone else's receipt in the same month is not the rep's commission
    receive(customer_of("south"), 50000, "2026-03-06", sales_owner="south")
    return {"customer": customer, "r1": r1, "r2": r2, "r3": r3}


def lines_of(name: str) -> list[tuple]:
    return sorted(
        (
            row.payment_receipt,
            row.product_group or "",
            d(row.base_amount),
            d(row.commission_amount),
            row.is_adjustment,
        )
        for row in stored("Commission Statement", name).get_children("lines")
    )


def test_tiered_commission_with_cap_and_category_split(march):
    # when the manager makes March's statements in one action
    result = do_make_commission_statements("manager", "2026-03")
    # then the rep's statement holds one line per receipt and product group (docstring)
    name = "CS-2026-03-rep"
    assert name in result["created"]
    r1, r2, r3 = march["r1"], march["r2"], march["r3"]
    assert lines_of(name) == sorted(
        [
            (r1, CNC, d(150000), d("3333.33"), 0),
            (r1, SPARE, d(50000), d(750), 0),
            (r2, CNC, d(120000), d("2666.67"), 0),
            (r2, SPARE, d(40000), d(600), 0),
            (r3, "", d(10000), d(150), 0),
        ]
    )
    statement = stored("Commission Statement", name)
    assert d(statement.collected_amount) == d(370000)
    assert d(statement.total_commission) == d(7500)
    assert statement.status == "Draft"
    # the other department's rep is not the 华东 manager's to compute
    assert "CS-2026-03-south" not in result["created"]


def test_a_hand_edit_of_a_draft_is_recomputed(march):
    do_make_commission_statements("manager", "2026-03")
    name = "CS-2026-03-rep"
    do_save_doc(
        "manager",
        "Commission Statement",
        name,
        {"lines": [{"payment_receipt": march["r1"], "base_amount": 1, "commission_amount": 99999}]},
    )
    assert d(stored("Commission Statement", name).total_commission) == d(7500)


def approve(name: str) -> None:
    do_apply_workflow("manager", "Commission Statement", name, "Submit for Review")
    context.reset()
    do_apply_workflow("manager", "Commission Statement", name, "Approve")
    context.reset()


def test_approved_statement_is_locked(march):
    do_make_commission_statements("manager", "2026-03")
    name = "CS-2026-03-rep"
    approve(name)
    statement = stored("Commission Statement", name)
    assert (statement.status, statement.docstatus) == ("Approved", 1)
    with pytest.raises(DocstatusTransitionError):
        do_save_doc("manager", "Commission Statement", name, {"remarks": "改一下"})
    # a new receipt in March and a recomputation leave the approved statement as it was
    receive(march["customer"], 40000, "2026-03-28", sales_owner="rep")
    result = do_make_commission_statements("manager", "2026-03")
    assert result["locked"] == [name]
    assert d(stored("Commission Statement", name).total_commission) == d(7500)


def test_nobody_approves_their_own_statement(o2c):
    customer = customer_of("manager")
    receive(customer, 1000, "2026-03-02", sales_owner="manager")
    do_make_commission_statements("manager", "2026-03")
    name = "CS-2026-03-manager"
    do_apply_workflow("manager", "Commission Statement", name, "Submit for Review")
    context.reset()
    with pytest.raises(ValidationError, match="不能审批自己的提成单"):
        do_apply_workflow("manager", "Commission Statement", name, "Approve")


def test_reversal_after_approval_makes_an_adjustment_line(march):
    do_make_commission_statements("manager", "2026-03")
    approve("CS-2026-03-rep")
    # when finance reverses R2 after March was approved, and April is computed
    reverse(march["r2"])
    result = do_make_commission_statements("manager", "2026-04")
    # then March is unchanged and April carries the negative lines naming R2
    assert d(stored("Commission Statement", "CS-2026-03-rep").total_commission) == d(7500)
    april = "CS-2026-04-rep"
    assert april in result["created"]
    r2 = march["r2"]
    assert lines_of(april) == sorted(
        [(r2, CNC, d(-120000), d("-2666.67"), 1), (r2, SPARE, d(-40000), d(-600), 1)]
    )
    notes = {row.note for row in stored("Commission Statement", april).get_children("lines")}
    assert all(r2 in note and "CS-2026-03-rep" in note for note in notes)
    statement = stored("Commission Statement", april)
    assert d(statement.adjustment_amount) == d("-3266.67")
    assert d(statement.total_commission) == d("-3266.67")
    # recomputing April does not adjust twice
    do_make_commission_statements("manager", "2026-04")
    assert len(lines_of(april)) == 2


def test_a_rep_reads_only_their_own_statement(march, api):
    receive(customer_of("rep2"), 20000, "2026-03-07", sales_owner="rep2")
    message(call(api("manager"), "kuaicrm.make_commission_statements", period="2026-03"))
    mine = api("rep").get("/api/resource/Commission Statement", {"fields": ["name", "user"]})
    assert [row["name"] for row in mine.json()["data"]] == ["CS-2026-03-rep"]
    assert api("rep2").get("/api/resource/Commission Statement/CS-2026-03-rep").status_code == 404
    # and a rep may not make statements
    assert (
        call(api("rep"), "kuaicrm.make_commission_statements", period="2026-03").status_code == 403
    )


def test_commission_summary_report(march, api):
    receive(customer_of("rep2"), 20000, "2026-03-07", sales_owner="rep2")
    do_make_commission_statements("manager", "2026-03")
    approve("CS-2026-03-rep")
    reverse(march["r2"])
    do_make_commission_statements("manager", "2026-04")
    mine = run(api("rep"), "Commission Summary")
    rows = {row["name"]: row for row in mine["result"]}
    assert set(rows) == {"CS-2026-03-rep", "CS-2026-04-rep"}
    assert (rows["CS-2026-03-rep"]["commission"], rows["CS-2026-03-rep"]["status"]) == (
        7500, "Approved",
    )  # fmt: skip
    april = rows["CS-2026-04-rep"]
    assert (april["commission"], april["adjustment_amount"], april["total_commission"]) == (
        0, -3266.67, -3266.67,
    )  # fmt: skip
    team = run(api("manager"), "Commission Summary", {"from_period": "2026-03",
                                                       "to_period": "2026-03"})  # fmt: skip
    assert {row["user"] for row in team["result"]} == {"rep", "rep2"}


def test_a_reversal_during_review_is_recomputed_after_return_not_adjusted(march):
    do_make_commission_statements("manager", "2026-03")
    do_apply_workflow("manager", "Commission Statement", "CS-2026-03-rep", "Submit for Review")
    context.reset()
    reverse(march["r2"])
    # April: nothing collected and nothing approved to adjust → no statement for the rep
    assert "CS-2026-04-rep" not in do_make_commission_statements("manager", "2026-04")["created"]
    do_apply_workflow(
        "manager", "Commission Statement", "CS-2026-03-rep", "Return", reason="R2 已冲销"
    )
    context.reset()
    assert do_make_commission_statements("manager", "2026-03")["updated"] == ["CS-2026-03-rep"]
    # CNC 150,000 → 2,000 + 1,500 = 3,500; all groups 50,000 + 10,000 at 1.5 % = 900
    assert d(stored("Commission Statement", "CS-2026-03-rep").total_commission) == d(4400)
    assert "CS-2026-04-rep" not in do_make_commission_statements("manager", "2026-04")["created"]


def test_recompute_a_draft_from_the_form_and_not_an_approved_one(march, api):
    do_make_commission_statements("manager", "2026-03")
    name = "CS-2026-03-rep"
    receive(march["customer"], 40000, "2026-03-28", sales_owner="rep")
    # all groups 100,000 + 40,000 = 140,000 at 1.5 % = 2,100; CNC still 6,000 (capped)
    done = message(call(api("manager"), "kuaicrm.recompute_commission_statement", name=name))
    assert done == {"name": name, "total_commission": 8100.0}
    # the rep may read it but not recompute it
    assert call(api("rep"), "kuaicrm.recompute_commission_statement", name=name).status_code == 403
    approve(name)
    refused = call(api("manager"), "kuaicrm.recompute_commission_statement", name=name)
    assert refused.status_code == 417
    assert d(stored("Commission Statement", name).total_commission) == d(8100)
