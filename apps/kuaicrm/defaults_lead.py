"""Default lead rules (seed 001 §1.1 线索分配, §1.2 线索评分), installed after migrate.

- **Scoring**: one Lead Scoring Rule on source, company size, budget, industry and a known
  decision maker; each criterion carries a Chinese label, so the Score Log explains a score
  in the sales team's words. Installed only while Lead has no Scoring Rule at all (enabled
  or not): an administrator's own model, or a default they disabled, is never touched.
- **Assignment**: a Territory rule (the lead's territory against the region of each sales
  user's department, walking up the tree) tried first, then Load Balancing over every active
  Sales User (fewest open leads). Installed only while Lead has no Assignment Rule, and
  only once there are active Sales Users (a rule needs at least one user): a site that
  migrates before creating its reps gets the rules on a later migrate.

Edit them under 规则 (Rules) like any other rule. Not part of ``kuaicrm.setup.install_defaults``
on purpose: tests that create leads start without rules.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from lowcode.sdk import HasRole, UserProfile, do_insert_doc, get_hooks, get_model

ADMINISTRATOR = "Administrator"
SALES_USER = "Sales User"
# Lead.status values that are still work for the assignee (load balancing counts these).
OPEN_STATUSES = "Open,Contacted,Qualified,Nurturing"

# Points sum to at most 100 (20 + 30 + 25 + 15 + 10); the bands in lead.py make 60+ High.
SCORING_CRITERIA: list[dict[str, Any]] = [
    {"fieldname": "source", "operator": "=", "value": "Referral", "points": 20, "label": "来源：转介绍"},
    {"fieldname": "source", "operator": "=", "value": "Exhibition", "points": 15, "label": "来源：展会"},
    {"fieldname": "source", "operator": "in", "value": "Website,Advertisement,Social Media",
     "points": 10, "label": "来源：网站/广告/社交媒体"},
    {"fieldname": "source", "operator": "=", "value": "Cold Call", "points": 5, "label": "来源：电话营销"},
    {"fieldname": "company_size", "operator": "in", "value": "1000-4999,5000+", "points": 30,
     "label": "公司规模：1000人以上"},
    {"fieldname": "company_size", "operator": "=", "value": "200-999", "points": 20,
     "label": "公司规模：200-999人"},
    {"fieldname": "company_size", "operator": "=", "value": "50-199", "points": 10,
     "label": "公司规模：50-199人"},
    {"fieldname": "budget_range", "operator": "=", "value": "Over 2M", "points": 25,
     "label": "预算：200万以上"},
    {"fieldname": "budget_range", "operator": "=", "value": "500k-2M", "points": 18,
     "label": "预算：50万-200万"},
    {"fieldname": "budget_range", "operator": "=", "value": "100k-500k", "points": 10,
     "label": "预算：10万-50万"},
    {"fieldname": "industry", "operator": "in",
     "value": "Manufacturing,Energy,Chemicals,Automotive,Electronics", "points": 15,
     "label": "重点行业：制造/能源/化工/汽车/电子"},
    {"fieldname": "designation", "operator": "is set", "points": 10, "label": "已知决策人职务"},
]  # fmt: skip


def _sales_users() -> list[str]:
    holders = HasRole.objects.filter(role=SALES_USER).values_list("user__username", flat=True)
    return sorted(
        get_user_model()
        .objects.filter(username__in=list(holders), is_active=True)
        .values_list("username", flat=True)
    )


def _regions(users: list[str]) -> dict[str, str]:
    """Each user's region: their department's, or the nearest ancestor department's."""
    doctype = get_hooks("department_doctype")
    if not doctype:
        return {}
    parent_field = get_hooks("department_parent_field") or "parent_department"
    tree = {
        name: (parent, region)
        for name, parent, region in get_model(doctype).objects.values_list(
            "name", parent_field, "region"
        )
    }
    departments = dict(
        UserProfile.objects.filter(user__username__in=users).values_list(
            "user__username", "department"
        )
    )
    regions = {}
    for user in users:
        department, seen = departments.get(user), set()
        while department and department in tree and department not in seen:
            seen.add(department)
            parent, region = tree[department]
            if region:
                regions[user] = region
                break
            department = parent
    return regions


def install_lead_rules() -> int:
    """Create the default Lead scoring and assignment rules when Lead has none; return how many."""
    created = 0
    if not get_model("Scoring Rule").objects.filter(document_type="Lead").exists():
        do_insert_doc(
            ADMINISTRATOR,
            "Scoring Rule",
            {
                "title": "线索评分（默认）",
                "document_type": "Lead",
                "score_field": "score",
                "criteria": [dict(row) for row in SCORING_CRITERIA],
            },
            ignore_permissions=True,
        )
        created += 1
    users = _sales_users()
    if users and not get_model("Assignment Rule").objects.filter(document_type="Lead").exists():
        regions = _regions(users)
        if regions:
            do_insert_doc(
                ADMINISTRATOR,
                "Assignment Rule",
                {
                    "title": "线索按区域分配（默认）",
                    "document_type": "Lead",
                    "strategy": "Territory",
                    "match_field": "territory",
                    "status_field": "status",
                    "open_values": OPEN_STATUSES,
                    "priority": 20,
                    "users": [{"user": u, "territory": regions[u]} for u in sorted(regions)],
                },
                ignore_permissions=True,
            )
            created += 1
        do_insert_doc(
            ADMINISTRATOR,
            "Assignment Rule",
            {
                "title": "线索负载均衡分配（默认）",
                "document_type": "Lead",
                "strategy": "Load Balancing",
                "status_field": "status",
                "open_values": OPEN_STATUSES,
                "priority": 10,
                "users": [{"user": u} for u in users],
            },
            ignore_permissions=True,
        )
        created += 1
    return created
