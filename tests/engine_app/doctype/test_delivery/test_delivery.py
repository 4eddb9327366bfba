"""Controller of the test-only Test Delivery: the target of the Test Order mapping."""

from __future__ import annotations

from decimal import Decimal

from lowcode.storage.document import Document


class TestDelivery(Document):
    pass


def after_map(source, target, user: str) -> None:
    """Mapping postprocess: the delivery's amount is the sum of its mapped rows."""
    target.amount = sum(
        (Decimal(row.qty or 0) * Decimal(row.rate or 0) for row in target.get_children("items")),
        Decimal(0),
    )
