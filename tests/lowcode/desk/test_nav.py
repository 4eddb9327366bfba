"""The sidebar: business DocTypes in the order the apps ask for, configuration under 设置."""

from __future__ import annotations

import re

from lowcode.desk.lib import nav
from lowcode.hooks_loader import get_hooks


def sidebar_sections(html: str) -> dict[str, list[str]]:
    """The sidebar's links under each heading (业务, 设置), as their visible labels."""
    sidebar = html[
        html.index('<nav id="sidebar"') : html.index("</nav>", html.index('id="sidebar"'))
    ]
    sections: dict[str, list[str]] = {}
    current = ""
    for heading, label in re.findall(r"<h2>([^<]+)</h2>|<a [^>]*>([^<]+)</a>", sidebar):
        if heading:
            current = heading
            sections[current] = []
        elif current:
            sections[current].append(label)
    return sections


def test_a_sales_rep_finds_the_daily_work_first(desk):
    # when
    sections = sidebar_sections(desk("rep").get("/app").content.decode())
    # then the CRM's order comes first, in Chinese; whatever else the rep may read follows
    business = sections["业务"]
    assert business[:10] == [
        "线索",
        "客户",
        "商机",
        "报价单",
        "跟进记录",
        "客户拜访",
        "跟进任务",
        "联系人",
        "合同",
        "销售订单",
    ]
    # configuration DocTypes (modules Setup, Printing) are not business entries
    for config in ("客户等级", "客户标签", "公海", "商机阶段", "打印格式", "信头"):
        assert config not in business


def test_doctypes_the_hook_does_not_name_follow_alphabetically(users):
    # when
    entries = [e["doctype"] for e in nav.main_entries("sysman")]
    # then the named ones lead in the hook's order, every other one follows by name, none lost
    order = get_hooks("desk_nav_order")
    named = [d for d in entries if d in order]
    assert named == [d for d in order if d in entries]
    assert entries[: len(named)] == named
    rest = entries[len(named) :]
    assert rest and rest == sorted(rest)
    readable = nav.readable_doctypes("sysman")
    assert sorted(entries) == sorted(e["doctype"] for e in readable if not e["is_settings"])
