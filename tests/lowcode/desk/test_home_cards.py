"""Cards an app adds to the home page through hooks ``desk_home_cards``: one engine template
renders the spec (figures, progress bars, rows with links); None or a refusal leaves it out."""

from __future__ import annotations

import pytest
from django.core.checks import Error

import tests.engine_app.hooks as engine_hooks
from lowcode.desk.checks import run_checks
from lowcode.exceptions import PermissionError

HERE = "tests.lowcode.desk.test_home_cards"


def sample_card(request, user):
    """A card for the manager only; the rep is refused, everyone else gets none."""
    if user == "rep":
        raise PermissionError("no")
    if user != "manager":
        return None
    return {
        "key": "Team Cash",
        "title": "团队回款",
        "figures": [
            {"label": "逾期应收", "value": "¥1,230.00", "tone": "red", "href": "/app/payment-plan"},
            {"label": "外链", "value": "7", "href": "https://evil.example/x"},
            {"label": "协议相对", "value": "8", "href": "//evil.example/x"},
        ],
        "progress": [
            {"label": "本月回款额", "percent": 135.0, "caption": "¥13,500 / ¥10,000", "tone": "green"},
            {"label": "本年签约额", "percent": None},
        ],
        "rows": [{"title": "苏州精密", "detail": "逾期 45 天", "pill": "<b>红</b>", "tone": "red",
                  "href": "/app/payment-plan/PP-0001"}],
        "note": "数据每 5 分钟更新",
        "more": {"label": "应收账龄", "href": "/app/query-report/Receivables%20Aging"},
        "unknown": "<script>",
    }  # fmt: skip


@pytest.fixture
def with_card(monkeypatch):
    monkeypatch.setattr(engine_hooks, "desk_home_cards", [f"{HERE}.sample_card"], raising=False)


def card_html(page: str) -> str:
    start = page.index('<section class="card home-card" data-card="team-cash"')
    return page[start : page.index("</section>", start)]


def test_an_apps_card_is_rendered_from_its_spec(desk, with_card):
    page = desk("manager").get("/app").content.decode()
    card = card_html(page)
    assert '<h2 id="h-card-team-cash">团队回款</h2>' in card
    assert (
        '<a class="figure tone-red" href="/app/payment-plan"><span class="figure-label">逾期应收'
        '</span><span class="figure-value">¥1,230.00</span></a>'
    ) in card
    # links leave the site never: the two foreign figures are shown without one
    assert "evil.example" not in card
    assert '<div class="figure"><span class="figure-label">外链</span>' in card
    # a bar over 100 % is full, its text says the real figure; no target is a dash
    assert 'aria-valuenow="100"' in card and 'style="width: 100.0%"' in card
    assert '<b class="progress-percent">135.0%</b>' in card
    assert '<b class="progress-percent">—</b>' in card
    assert '<a href="/app/payment-plan/PP-0001"><b>苏州精密</b>' in card
    assert "&lt;b&gt;红&lt;/b&gt;" in card  # the spec is data, escaped
    assert "数据每 5 分钟更新" in card
    assert (
        '<a class="card-more" href="/app/query-report/Receivables%20Aging">应收账龄 →</a>' in card
    )
    assert "&lt;script&gt;" not in card and "<script>" not in card  # unknown keys are dropped


def test_none_or_a_refusal_leaves_the_card_out(desk, with_card):
    for user in ("rep", "rep2"):
        assert 'data-card="team-cash"' not in desk(user).get("/app").content.decode()


def test_desk_e009_a_card_path_that_does_not_import(db, monkeypatch):
    monkeypatch.setattr(
        engine_hooks, "desk_home_cards", [f"{HERE}.no_such_card", f"{HERE}.HERE"], raising=False
    )
    found = [m for m in run_checks(databases=["default"]) if m.id == "desk.E009"]
    assert found == [
        Error(
            f"desk_home_cards entry '{HERE}.{name}' is not an importable function.",
            hint="Give the dotted path of f(request, user) returning a card spec or None.",
            obj=f"{HERE}.{name}",
            id="desk.E009",
        )
        for name in ("no_such_card", "HERE")
    ]
