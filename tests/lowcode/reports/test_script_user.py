"""Script reports receive the running user, so they can read through the permission layer."""

from __future__ import annotations

from lowcode.reports.engine import call_execute

from .test_reports import RUN, make_report, orders


def test_a_script_report_taking_the_user_sees_only_that_users_scope(api):
    # given orders of rep and rep2 (苏州组, under the manager's 华东销售部) and south (华南)
    orders("rep", ("r1", "Open", 100), ("r2", "Closed", 7))
    orders("rep2", ("s1", "Open", 1000))
    orders("south", ("x1", "Open", 5000))
    make_report("Test Order Mine", "Script Report", is_standard=1)

    def rows(user: str) -> dict:
        response = api(user).get(RUN, {"report_name": "Test Order Mine"})
        assert response.status_code == 200, response.content
        return {r["status"]: (r["count"], r["total"]) for r in response.json()["message"]["result"]}

    # then each runner's figures cover the documents they may read, no more
    assert rows("rep") == {"Open": (1, 100.0), "Closed": (1, 7.0)}
    assert rows("manager") == {"Open": (2, 1100.0), "Closed": (1, 7.0)}
    assert rows("south") == {"Open": (1, 5000.0)}


def test_execute_is_called_with_the_user_only_when_it_takes_one():
    seen: list[tuple] = []

    def plain(filters):
        seen.append(("plain", filters))

    def positional(filters, user):
        seen.append(("positional", filters, user))

    def keyword(filters, *, user=None):
        seen.append(("keyword", filters, user))

    def variadic(*args):
        seen.append(("variadic", *args))

    for execute in (plain, positional, keyword, variadic):
        call_execute(execute, {"a": 1}, "rep")
    assert seen == [
        ("plain", {"a": 1}),
        ("positional", {"a": 1}, "rep"),
        ("keyword", {"a": 1}, "rep"),
        ("variadic", {"a": 1}, "rep"),
    ]
