"""Role permission manager: the matrix writes Custom DocPerms that replace the JSON rules."""

from __future__ import annotations

import re

import pytest

from lowcode.documents.actions import do_insert_doc
from lowcode.meta import registry
from lowcode.meta.doctype import PERM_VERBS
from lowcode.storage.factory import get_model

BASE = "/app/permissions/lead"


def _matrix(page: str) -> list[tuple[str, str]]:
    return re.findall(r'class="perm-row[^"]*" data-role="([^"]+)" data-permlevel="(\d+)"', page)


def _post_rows(rows: list[dict], **extra) -> dict:
    """The matrix form as the browser posts it (hidden 0, then 1 for a ticked box)."""
    data: dict = dict(extra)
    for i, row in enumerate(rows):
        data[f"rows.{i}.role"] = row["role"]
        data[f"rows.{i}.permlevel"] = str(row.get("permlevel", 0))
        data[f"rows.{i}.scope"] = row.get("scope", "all")
        for verb in PERM_VERBS:
            data[f"rows.{i}.{verb}"] = ["0", "1"] if verb in row.get("verbs", ()) else ["0"]
    return data


def _standard_rows(doctype: str = "Lead") -> list[dict]:
    return [
        {"role": p.role, "permlevel": p.permlevel, "scope": p.scope, "verbs": set(p.verbs)}
        for p in registry.base_definitions()[doctype].permissions
    ]


def _docperms() -> list[tuple]:
    model = get_model("Custom DocPerm")
    return list(
        model.objects.filter(parent_doctype="Lead")
        .order_by("creation")
        .values_list("role", "permlevel", "scope", "read", "allow_delete")
    )


@pytest.mark.parametrize("username", ["rep", "manager", "nobody"])
def test_non_admins_get_not_found_on_every_permission_url(desk, username):
    client = desk(username)

    assert client.get("/app/permissions").status_code == 404
    assert client.get(BASE).status_code == 404
    assert client.post(BASE, _post_rows(_standard_rows(), op="save")).status_code == 404
    assert client.post(BASE, {"op": "reset"}).status_code == 404
    assert _docperms() == []


def test_the_matrix_shows_the_standard_rules_with_every_verb_and_scope(desk):
    page = desk("sysman").get(BASE).content.decode()

    assert _matrix(page) == [(r["role"], str(r["permlevel"])) for r in _standard_rows()]
    for verb in PERM_VERBS:
        assert f'name="rows.0.{verb}"' in page
    assert "仅本人" in page and "本部门及下级" in page
    assert "标准" in page


def test_taking_read_from_sales_user_hides_the_list_from_a_rep(desk):
    do_insert_doc("rep", "Lead", {"lead_name": "王伟", "status": "Open"})
    rep = desk("rep")
    assert rep.get("/app/lead").status_code == 200
    rows = _standard_rows()
    for row in rows:
        if row["role"] == "Sales User":
            row["verbs"] = set()

    response = desk("sysman").post(BASE, _post_rows(rows, op="save"))

    assert response.status_code == 200
    assert len(_docperms()) == len(rows)
    assert ("Sales User", 0, "own", 0, 0) in _docperms()
    assert rep.get("/app/lead").status_code == 404
    assert desk("manager").get("/app/lead").status_code == 200


def test_widening_a_scope_lets_a_rep_see_colleagues_records(desk):
    do_insert_doc("rep2", "Lead", {"lead_name": "同事的线索", "status": "Open"})
    rows = _standard_rows()
    for row in rows:
        if row["role"] == "Sales User":
            row["scope"] = "department"

    desk("sysman").post(BASE, _post_rows(rows, op="save"))

    assert "同事的线索" in desk("rep").get("/app/lead").content.decode()


def test_add_and_remove_rows_rerender_without_saving(desk):
    admin = desk("sysman")
    rows = _standard_rows()

    added = admin.post(
        BASE, _post_rows(rows, op="add", add_role="Service User", add_permlevel="0")
    ).content.decode()
    assert _matrix(added)[-1] == ("Service User", "0")
    assert 'id="perm-dirty"' in added
    removed = admin.post(BASE, _post_rows(rows, op="remove:4")).content.decode()
    assert ("Sales User", "0") not in _matrix(removed)
    assert _docperms() == []

    admin.post(BASE, _post_rows([*rows, {"role": "Service User", "verbs": {"read"}}], op="save"))
    assert ("Service User", 0, "all", 1, 0) in _docperms()


def test_the_system_manager_row_cannot_be_removed(desk):
    rows = [r for r in _standard_rows() if r["role"] != "System Manager"]

    response = desk("sysman").post(BASE, _post_rows(rows, op="save"))

    page = response.content.decode()
    assert 'id="perm-errors"' in page
    assert "系统管理员必须保留级别 0 的读取权限" in page
    assert _docperms() == []


def test_bad_rows_are_named_and_nothing_is_written(desk):
    # A second Sales User rule at level 0 with the standard rule's own scope says nothing new.
    rows = [
        *_standard_rows(),
        {"role": "Sales User", "scope": "own", "verbs": {"export"}},
        {"role": "Ghost", "verbs": {"read"}},
    ]

    page = desk("sysman").post(BASE, _post_rows(rows, op="save")).content.decode()

    assert "在级别 0 有两条数据范围为“仅本人”的规则" in page
    assert "角色 Ghost 不存在" in page
    assert _docperms() == []


def test_reset_to_standard_deletes_the_custom_docperms(desk):
    admin = desk("sysman")
    rows = _standard_rows()
    for row in rows:
        if row["role"] == "Sales User":
            row["verbs"] = set()
    admin.post(BASE, _post_rows(rows, op="save"))
    assert desk("rep").get("/app/lead").status_code == 404

    page = admin.post(BASE, {"op": "reset"}).content.decode()

    assert _docperms() == []
    assert _matrix(page) == [(r["role"], str(r["permlevel"])) for r in _standard_rows()]
    assert desk("rep").get("/app/lead").status_code == 200


def test_the_matrix_page_reads_a_bounded_number_of_queries(desk, django_assert_max_num_queries):
    client = desk("sysman")
    client.get(BASE)

    with django_assert_max_num_queries(12):
        assert client.get(BASE).status_code == 200


def test_a_second_rule_of_a_role_at_a_level_reads_the_department_and_writes_only_own(desk):
    # given: rep and rep2 share 苏州组; each owns a Lead
    mine = do_insert_doc("rep", "Lead", {"lead_name": "王伟", "status": "Open"}).name
    theirs = do_insert_doc("rep2", "Lead", {"lead_name": "李娜", "status": "Open"}).name
    admin = desk("sysman")
    rows = _standard_rows()
    for row in rows:
        if row["role"] == "Sales User":
            row.update(scope="department", verbs={"read", "report"})

    # when: the admin adds a second Sales User rule at level 0 with scope own …
    page = admin.post(
        BASE,
        _post_rows(rows, op="add", add_role="Sales User", add_permlevel="0", add_scope="own"),
    ).content.decode()
    assert _matrix(page).count(("Sales User", "0")) == 2
    assert 'id="perm-dirty"' in page
    # … ticks write in it and saves
    rows.append({"role": "Sales User", "permlevel": 0, "scope": "own", "verbs": {"write"}})
    page = admin.post(BASE, _post_rows(rows, op="save")).content.decode()

    # then: the matrix says what the two rules add up to, in plain Chinese
    assert 'id="perm-errors"' not in page
    assert "读取、报表：本部门及下级 · 修改：仅本人" in page
    assert [r[0] for r in _docperms()].count("Sales User") == 2
    # and the rep reads the colleague's lead but may not save it; their own saves
    rep = desk("rep")
    assert rep.get(f"/app/lead/{theirs}").status_code == 200
    response = rep.post(f"/app/lead/{theirs}", {"lead_name": "改名", "status": "Open"})
    assert response.status_code == 404  # the desk answers a refused write like a missing page
    assert get_model("Lead").objects.get(name=theirs).lead_name == "李娜"
    rep.post(f"/app/lead/{mine}", {"lead_name": "王伟二", "status": "Open"})
    assert get_model("Lead").objects.get(name=mine).lead_name == "王伟二"


def test_the_combined_effect_of_unsaved_rows_is_said_as_they_change(desk):
    rows = [
        *_standard_rows(),
        {"role": "Sales User", "scope": "department", "verbs": {"read", "export"}},
    ]

    page = desk("sysman").post(BASE, _post_rows(rows, op="effect")).content.decode()

    assert '<li data-role="Sales User" data-permlevel="0">' in page
    assert "读取、导出：本部门及下级 · 修改、创建、报表：仅本人" in page
    assert _docperms() == []  # nothing saved
