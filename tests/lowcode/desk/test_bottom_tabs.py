"""The phone's bottom bar: the engine names no CRM DocType; apps declare their tabs in
``desk_bottom_tabs`` (the CRM: leads), the engine's default is the first DocType of the sidebar."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kuaicrm.hooks
import lowcode.desk

BASE = Path(lowcode.desk.__file__).parent / "templates" / "desk" / "base.html"


def bottom_bar(html: str) -> list[tuple[str, str]]:
    """(href, visible label) of each link in the bottom bar."""
    bar = html[html.index('<nav class="bottomnav"') : html.index("</nav>", html.index("bottomnav"))]
    return [
        (href, re.sub(r"<[^>]+>", "", inner).strip())
        for href, inner in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', bar, re.S)
    ]


def test_the_engine_template_names_no_crm_doctype():
    assert "/app/lead" not in BASE.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_the_crm_bar_reads_as_before_with_leads_a_tap_away(desk):
    page = desk("rep").get("/app/lead").content.decode()

    assert bottom_bar(page) == [
        ("/app", "⌂首页"), ("/app/lead", "☷线索"), ("/app/approvals", "✓审批"),
        ("/app/notifications", "通知"),
    ]  # fmt: skip
    assert re.search(r'<a href="/app/lead" aria-current="page">', page)


@pytest.mark.django_db
def test_an_app_declares_its_tabs_and_the_engine_has_a_default(desk, monkeypatch):
    monkeypatch.setattr(kuaicrm.hooks, "desk_bottom_tabs", [{"doctype": "Customer", "icon": "★"}])
    tabs = bottom_bar(desk("rep").get("/app").content.decode())
    assert ("/app/customer", "★客户") in tabs and "/app/lead" not in dict(tabs)

    # no app names tabs: the first business DocType of the sidebar (the CRM's order: Lead)
    monkeypatch.delattr(kuaicrm.hooks, "desk_bottom_tabs")
    tabs = bottom_bar(desk("rep").get("/app").content.decode())
    assert ("/app/lead", "☷线索") in tabs


@pytest.mark.django_db
def test_a_tab_the_user_may_not_read_is_left_out(desk, monkeypatch):
    monkeypatch.setattr(kuaicrm.hooks, "desk_bottom_tabs", [{"doctype": "Custom Field"}])

    assert "/app/custom-field" not in dict(bottom_bar(desk("rep").get("/app").content.decode()))
