"""Item rows and totals shared by the selling documents (Contract, Sales Order).

The rules, one place for every document that carries priced items:

- a row's net unit price ``rate`` is its list price less the discount: the percentage wins
  when both are given (``discount_amount`` is then derived from it); without a list price the
  entered rate stands (orders written before list prices existed keep theirs);
- ``amount = qty × rate``, ``tax_amount = amount × tax_rate %``, each rounded to the cent with
  ``lowcode.money.round_money`` (ROUND_HALF_UP), and the totals add the rounded row values,
  so a printed document always adds up;
- an empty tax rate means no tax on top (the rate already includes it, or none applies).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lowcode.sdk import get_model, money_in_words, round_money

HUNDRED = Decimal(100)
# The item fields a quotation, contract and order share: copied unchanged by the mappings
# between them and by a renewal; everything else on a row is computed (compute_row).
ITEM_FIELDS = (
    "product",
    "item_name",
    "qty",
    "uom",
    "price_list_rate",
    "discount_percentage",
    "discount_amount",
    "rate",
    "tax_rate",
)


def dec(value: Any) -> Decimal:
    """Return a stored number (Decimal, float, int, None) as a Decimal."""
    if value is None or value == "":
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def fill_from_product(row) -> None:
    """Copy the product's name, unit and list price into the empty places of a row."""
    product = row.get("product")
    if not product:
        return
    found = (
        get_model("Product")
        .objects.filter(name=product)
        .values("product_name", "uom", "standard_rate")
        .first()
    )
    if not found:
        return
    if not row.get("item_name"):
        row.item_name = found["product_name"]
    if not row.get("uom"):
        row.uom = found["uom"]
    if row.get("price_list_rate") in (None, "") and found["standard_rate"] is not None:
        row.price_list_rate = found["standard_rate"]


def compute_row(row) -> Decimal:
    """Set the row's rate, amount and tax; return its discount per unit."""
    qty = dec(row.get("qty"))
    list_price = row.get("price_list_rate")
    discount = Decimal(0)
    if list_price not in (None, ""):
        list_price = dec(list_price)
        percentage = dec(row.get("discount_percentage"))
        if percentage:
            discount = round_money(list_price * percentage / HUNDRED)
            row.discount_amount = discount
        else:
            discount = dec(row.get("discount_amount"))
        row.rate = max(list_price - discount, Decimal(0))
    row.amount = round_money(qty * dec(row.get("rate")))
    tax_rate = row.get("tax_rate")
    row.tax_amount = round_money(row.amount * dec(tax_rate) / HUNDRED) if tax_rate else Decimal(0)
    row.amount_with_tax = row.amount + row.tax_amount
    return discount


def compute_totals(doc, table: str = "items") -> None:
    """Compute every row of ``table`` and the document's totals and amount in words."""
    total_qty = net_total = total_tax = discount_total = Decimal(0)
    for row in doc.get_children(table):
        fill_from_product(row)
        discount = compute_row(row)
        total_qty += dec(row.get("qty"))
        net_total += row.amount
        total_tax += row.tax_amount
        discount_total += round_money(discount * dec(row.get("qty")))
    doc.total_qty, doc.net_total, doc.total_tax = total_qty, net_total, total_tax
    doc.discount_total = discount_total
    doc.grand_total = net_total + total_tax
    doc.in_words = money_in_words(doc.grand_total)


def split_by_percentage(total: Decimal, percentages: list[Decimal]) -> list[Decimal]:
    """Split ``total`` by percentages summing to 100; the last share takes the rounding rest."""
    shares = [round_money(total * p / HUNDRED) for p in percentages]
    if shares:
        shares[-1] = round_money(total) - sum(shares[:-1], Decimal(0))
    return shares
