"""Contract Execution (合同执行): signed contracts against what was invoiced, collected, delivered.

One row per signed contract (docstatus 1) the runner may read, newest signing first, from the
progress fields the contract keeps (``invoiced_amount``, ``collected_amount``,
``delivered_amount``, ``outstanding_amount``, maintained by invoices, receipts and deliveries),
with each as a percentage of the contract amount. Filters: customer, sales owner, status and
the sign date window.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from kuaicrm.reports.common import column, date_window, money, rate, text, window_q
from lowcode.sdk import _, permitted_queryset

FIGURES = (
    ("invoiced_amount", "Invoiced Amount"),
    ("collected_amount", "Collected Amount"),
    ("delivered_amount", "Delivered Amount"),
)
ROW_LIMIT = 1000


def columns() -> list[dict]:
    return [
        column("name", _("Contract"), "Link", 140, options="Contract"),
        column("contract_title", _("Contract Title"), "Data", 180),
        column("customer", _("Customer"), "Link", 160, options="Customer"),
        column("sales_owner", _("Sales Owner"), "Link", 120, options="User"),
        column("status", _("Status"), "Data", 100),
        column("sign_date", _("Sign Date"), "Date", 100),
        column("amount", _("Contract Amount"), "Currency", 130),
        *[
            item
            for key, label in FIGURES
            for item in (
                column(key, _(label), "Currency", 120),
                column(key.replace("_amount", "_percent"), _("{label} %", label=_(label)),
                       "Percent", 90),
            )
        ],
        column("outstanding_amount", _("Outstanding Amount"), "Currency", 130),
    ]  # fmt: skip


def execute(filters: dict[str, Any] | None, user: str):
    """Return columns, one row per contract, a bar chart of the totals and a summary."""
    filters = filters or {}
    contracts = permitted_queryset(user, "Contract").filter(docstatus=1)
    for name in ("customer", "sales_owner", "status"):
        value = text(filters, name)
        if value:
            contracts = contracts.filter(**{name: value})
    start, end = date_window(filters)
    contracts = contracts.filter(window_q("sign_date", start, end, False))
    keys = ("amount", *[k for k, _l in FIGURES], "outstanding_amount")
    totals = contracts.aggregate(**{k: Sum(k) for k in keys})
    rows = contracts.order_by("-sign_date", "-name").values(
        "name", "contract_title", "customer", "sales_owner", "status", "sign_date", *keys
    )[:ROW_LIMIT]
    data = []
    for row in rows:
        item = {**row, **{k: money(row[k]) for k in keys}}
        for key, _label in FIGURES:
            item[key.replace("_amount", "_percent")] = rate(item[key], item["amount"])
        data.append(item)
    chart = {
        "data": {
            "labels": [_("Contract Amount"), *[_(label) for _k, label in FIGURES]],
            "datasets": [{"name": _("Amount"),
                          "values": [money(totals[k]) for k in ("amount", *[k for k, _l in FIGURES])]}],
        },
        "type": "bar",
    }  # fmt: skip
    summary = [
        {"label": _("Contract Amount"), "value": money(totals["amount"]), "datatype": "Currency"},
        *[
            {"label": _(label), "value": money(totals[key]), "datatype": "Currency"}
            for key, label in FIGURES
        ],
        {"label": _("Outstanding Amount"), "value": money(totals["outstanding_amount"]),
         "datatype": "Currency"},
    ]  # fmt: skip
    return columns(), data, None, chart, summary
