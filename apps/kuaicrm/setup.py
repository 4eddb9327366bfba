"""Default configuration every KuaiCRM site starts with (idempotent; admins may edit it after).

Seed 004 gives the customer levels, the issue the opportunity stages; one customer pool per
sales region plus a default pool. A record is created only when missing, so an
administrator's edits survive every ``kuaicrm migrate``.
"""

from __future__ import annotations

from typing import Any

from lowcode.sdk import do_insert_doc, get_model

CUSTOMER_LEVELS: list[dict[str, Any]] = [
    {"level_code": "A", "level_name": "重点客户", "color": "#ff0000", "priority": 1},
    {"level_code": "B", "level_name": "普通客户", "color": "#00ff00", "priority": 2},
    {"level_code": "C", "level_name": "潜力客户", "color": "#0000ff", "priority": 3},
]

OPPORTUNITY_STAGES: list[dict[str, Any]] = [
    {"stage_name": "初步接触", "stage_order": 1, "probability": 10, "forecast_category": "Pipeline"},
    {"stage_name": "需求确认", "stage_order": 2, "probability": 30, "forecast_category": "Pipeline"},
    {"stage_name": "方案报价", "stage_order": 3, "probability": 50, "forecast_category": "Best Case"},
    {"stage_name": "商务谈判", "stage_order": 4, "probability": 75, "forecast_category": "Commit"},
    {"stage_name": "成交", "stage_order": 5, "probability": 100, "stage_type": "Won",
     "forecast_category": "Closed"},
    {"stage_name": "输单", "stage_order": 6, "probability": 0, "stage_type": "Lost",
     "forecast_category": "Omitted"},
]  # fmt: skip

# Days without follow-up / without a deal before a customer returns to the pool, by level:
# the best customers are given the longest (an A customer is worth waiting for).
POOL_RULES: list[dict[str, Any]] = [
    {"customer_level": "A", "days_without_followup": 60, "days_without_deal": 365},
    {"customer_level": "B", "days_without_followup": 30, "days_without_deal": 180},
    {"customer_level": "C", "days_without_followup": 15, "days_without_deal": 90},
    {"customer_level": None, "days_without_followup": 15, "days_without_deal": 90},
]
CUSTOMER_POOLS: list[dict[str, Any]] = [
    {"pool_name": "华东公海", "territory": "华东"},
    {"pool_name": "华南公海", "territory": "华南"},
    {"pool_name": "华北公海", "territory": "华北"},
    {"pool_name": "默认公海", "is_default": 1},
]


def install_defaults() -> int:
    """Create the default levels, stages and pools that do not exist yet; return how many."""
    created = 0
    for doctype, key, rows in (
        ("Customer Level", "level_code", CUSTOMER_LEVELS),
        ("Opportunity Stage", "stage_name", OPPORTUNITY_STAGES),
        ("Customer Pool", "pool_name", CUSTOMER_POOLS),
    ):
        model = get_model(doctype)
        for row in rows:
            if model.objects.filter(name=row[key]).exists():
                continue
            data = dict(row)
            if doctype == "Customer Pool":
                data["rules"] = [dict(rule) for rule in POOL_RULES]
            do_insert_doc("Administrator", doctype, data, ignore_permissions=True)
            created += 1
    return created
