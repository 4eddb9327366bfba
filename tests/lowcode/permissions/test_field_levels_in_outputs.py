"""Fields above the reader's permlevels stay out of every output that carries values.

Customer's ``annual_revenue`` and Lead's ``internal_rating`` are permlevel 1: a Sales User
may read the document but not those fields; their Sales Manager may.
"""

from __future__ import annotations

import json

import pytest

from lowcode.permissions.core import readable_version

VERSIONS = "/api/method/lowcode.api.get_versions"


def changed_fields(versions: list[dict]) -> set[str]:
    return {change[0] for v in versions for change in v["data"].get("changed", [])}


@pytest.mark.parametrize(
    ("doctype", "create", "hidden", "value", "visible"),
    [
        ("Customer", {"customer_name": "苏州精工"}, "annual_revenue", 98765432, ("city", "苏州")),
        ("Lead", {"lead_name": "王磊"}, "internal_rating", "Hot", ("city", "无锡")),
        ("Test Order", {"title": "发货单"}, "secret_margin", 4321, ("priority", 3)),
    ],
)
def test_versions_hide_fields_above_the_readers_permlevel(
    api, doctype, create, hidden, value, visible
):
    # given: the rep's document, and a manager who sets a permlevel-1 field beside a plain one
    rep, manager = api("rep"), api("manager")
    created = rep.post(f"/api/resource/{doctype}", create)
    assert created.status_code == 200, created.content
    name = created.json()["data"]["name"]
    # (Test Order's Sales Manager reads level 1 but may not write it: a System Manager does)
    writer = api("sysman") if doctype == "Test Order" else manager
    saved = writer.put(f"/api/resource/{doctype}/{name}", {hidden: value, visible[0]: visible[1]})
    assert saved.status_code == 200, saved.content

    # when
    seen_by_rep = rep.get(VERSIONS, {"doctype": doctype, "name": name}).json()["message"]
    seen_by_manager = manager.get(VERSIONS, {"doctype": doctype, "name": name}).json()["message"]

    # then: the rep sees the plain change only; the manager sees both
    assert visible[0] in changed_fields(seen_by_rep)
    assert hidden not in changed_fields(seen_by_rep)
    assert str(value) not in json.dumps(seen_by_rep, ensure_ascii=False)
    assert hidden in changed_fields(seen_by_manager)


def test_readable_version_filters_table_rows_by_their_table_field(users):
    data = {
        "changed": [["title", "a", "b"], ["secret_margin", 1, 2]],
        "added": [["items", {"name": "r1"}]],
        "removed": [["items", {"name": "r0"}]],
        "row_changed": [["items", 0, "r1", [["qty", 1, 2]]]],
        "merged_from": "TO-1",
    }

    shown = readable_version("rep", "Test Order", data)

    assert shown["changed"] == [["title", "a", "b"]]
    assert shown["added"] == data["added"] and shown["row_changed"] == data["row_changed"]
    assert shown["merged_from"] == "TO-1"
    assert readable_version("sysman", "Test Order", data)["changed"] == data["changed"]
