"""Child rows cost a constant number of queries: links looked up per target, rows inserted at once.

A document whose rows repeat the same links (a commission statement's 60 lines naming 30
receipts, one customer, two rules) paid one link look-up and one INSERT per row
(bench_commission.py: 50 statements in 6 s, two thirds of it link look-ups).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lowcode import context
from lowcode.documents.actions import do_insert_doc
from lowcode.storage.factory import get_model

ROLES = ["Sales User", "Sales Manager", "System Manager"]


def insert_queries(rows: int) -> int:
    items = [
        {"item_code": f"ITEM-{i}", "qty": 1, "rate": 10, "role": ROLES[i % len(ROLES)]}
        for i in range(rows)
    ]
    context.reset()
    with CaptureQueriesContext(connection) as captured:
        doc = do_insert_doc("Administrator", "Test Delivery", {"title": "发货", "items": items})
    stored = get_model("Test Delivery Item").objects.filter(parent=doc.name).order_by("idx")
    assert [(r.item_code, r.role) for r in stored] == [(i["item_code"], i["role"]) for i in items]
    return len(captured)


@pytest.mark.django_db
def test_inserting_rows_takes_the_same_queries_for_3_or_30_rows(site):
    insert_queries(3)  # metadata and roles loaded once
    assert insert_queries(30) == insert_queries(3)


@pytest.mark.django_db
def test_a_row_linking_a_missing_record_is_still_refused(site):
    from lowcode.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Nobody Role"):
        do_insert_doc(
            "Administrator",
            "Test Delivery",
            {
                "title": "发货",
                "items": [
                    {"item_code": "A", "role": "Sales User"},
                    {"item_code": "B", "role": "Nobody Role"},
                ],
            },
        )
