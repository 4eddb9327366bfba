"""Measurement: Lead inserts with 20 scoring criteria and 5 duplicate rules (target 200/s).

Run with ``-s`` to see the rates. Measured on the in-memory SQLite test database with a
small table, next to the same inserts without rules on the same machine (the shared CI
cores make absolute numbers noisy); the duplicate check is one indexed lookup per
DocType, so its cost does not grow with the table.
"""

from __future__ import annotations

import time

from lowcode.documents.actions import do_insert_doc
from lowcode.documents.factory import get_model

N = 300


def insert_leads(prefix: str, mobile_prefix: str) -> float:
    """Insert N leads; return documents per second."""
    started = time.perf_counter()
    for i in range(N):
        do_insert_doc(
            "rep",
            "Lead",
            {
                "lead_name": f"{prefix}{i}",
                "company_name": f"{prefix}{i}有限公司",
                "mobile_no": f"{mobile_prefix}{i:08d}",
                "email_id": f"{mobile_prefix}.{i}@example.com",
                "city": "苏州",
                "source": "Referral",
                "industry": "Energy",
                "expected_amount": 200000,
            },
        )
    return N / (time.perf_counter() - started)


def create_rules() -> None:
    criteria = [
        {"fieldname": "source", "operator": "=", "value": "Referral", "points": 5},
        {"fieldname": "industry", "operator": "in", "value": "Energy,Chemicals", "points": 5},
        {"fieldname": "company_size", "operator": "in", "value": "1000-4999,5000+", "points": 5},
        {"fieldname": "budget_range", "operator": "is set", "points": 5},
        {"fieldname": "expected_amount", "operator": ">=", "value": "100000", "points": 5},
    ] * 4
    do_insert_doc(
        "Administrator",
        "Scoring Rule",
        {"title": "20 条", "document_type": "Lead", "criteria": criteria},
    )
    for fieldname, normaliser, action in (
        ("mobile_no", "Phone", "Block"),
        ("email_id", "Email", "Block"),
        ("company_name", "Company Name", "Warn"),
        ("lead_name", "Exact", "Warn"),
        ("city", "Exact", "Warn"),
    ):
        do_insert_doc(
            "Administrator",
            "Duplicate Rule",
            {
                "title": fieldname,
                "document_type": "Lead",
                "action": action,
                "fields": [{"fieldname": fieldname, "normaliser": normaliser}],
            },
        )


def test_lead_insert_throughput_with_rules(users):
    baseline = insert_leads("基线", "138")  # the same inserts before any rule exists
    create_rules()

    rate = insert_leads("客户", "139")

    print(
        f"\nLead inserts: {baseline:.0f} docs/s without rules, {rate:.0f} docs/s with"
        f" 20 scoring criteria + 5 duplicate rules ({N} each)"
    )
    leads = get_model("Lead").objects.filter(lead_name__startswith="客户")
    assert leads.count() == N
    assert set(leads.values_list("score", flat=True)) == {60}
    keys = get_model("Duplicate Key").objects.filter(reference_name__in=leads.values("name"))
    assert keys.count() == 5 * N
    assert rate > 20  # a floor for a shared CI machine; the measured rates are printed
