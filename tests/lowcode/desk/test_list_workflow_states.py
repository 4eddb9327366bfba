"""Workflow states in lists, filters and boards: shown in the user's language (issue 17 item 12)."""

from __future__ import annotations

import re

from lowcode.documents.actions import do_insert_doc
from lowcode.workflow.loader import sync_workflows


def _visit(owner: str, title: str) -> str:
    customer = do_insert_doc(owner, "Customer", {"customer_name": f"{title}客户"}).name
    data = {"visit_title": title, "customer": customer, "visit_date": "2026-11-20"}
    return do_insert_doc(owner, "Customer Visit", data).name


def test_the_visit_list_shows_workflow_states_in_chinese(desk):
    # given the visit approval workflow and a rep's planned visit
    sync_workflows()
    _visit("rep", "拜访恒力")

    # when the rep opens the Customer Visit list
    page = desk("rep").get("/app/customer-visit").content.decode()

    # then the state column says 制定拜访计划, never the English key
    cells = re.findall(r'<td data-label="[^"]*">(.*?)</td>', page, re.S)
    assert any("制定拜访计划" in c for c in cells), cells
    assert not re.search(r">\s*Planning\s*<", page)


def test_the_state_filter_offers_translated_states_and_matches_exactly(desk):
    sync_workflows()
    _visit("rep", "拜访恒力")
    client = desk("rep")

    page = client.get("/app/customer-visit").content.decode()
    filtered = client.get("/app/customer-visit", {"f_workflow_state": "Plan Approval"})

    assert re.search(r'<option value="Plan Approval"\s*>主管审批</option>', page)
    assert "拜访恒力" not in filtered.content.decode()


def test_a_board_card_shows_the_state_in_chinese(desk):
    sync_workflows()
    _visit("rep", "拜访恒力")

    page = desk("rep").get("/app/customer-visit/view/kanban", {"field": "customer"})

    assert page.status_code == 200, page.content.decode()[:300]
    assert "制定拜访计划" in page.content.decode()
    assert not re.search(r"<dd>\s*Planning\s*</dd>", page.content.decode())
