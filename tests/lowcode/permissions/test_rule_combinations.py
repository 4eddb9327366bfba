"""Several permission rules per role and level ("read my department, write only my own").

Sales User on Lead gets two rules at level 0, set through the admin action as the matrix
and the API do: read + report + export with scope department, write + create with scope
own. Every read path then shows the department, every write path checks the write rule.

Departments (conftest): 销售中心 → 华东销售部 → 苏州组, and 销售中心 → 华南销售部.
rep, rep2: 苏州组, Sales User; south: 华南销售部, Sales User; manager: 华东销售部, Sales Manager.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from lowcode import context
from lowcode.admin import docperms
from lowcode.desk.lib import dashboard, search
from lowcode.documents.actions import do_insert_doc
from lowcode.meta import registry
from lowcode.reports import builder

LEAD = "Lead"


def _standard(doctype: str = LEAD) -> list[dict]:
    return [
        {"role": p.role, "permlevel": p.permlevel, "scope": p.scope, "verbs": set(p.verbs)}
        for p in registry.base_definitions()[doctype].permissions
    ]


def _with(rows: list[dict], role: str, *extra: dict, level: int = 0) -> list[dict]:
    """The standard rules with ``role``'s rules at ``level`` replaced by ``extra``."""
    kept = [r for r in rows if not (r["role"] == role and r["permlevel"] == level)]
    return kept + [{"role": role, "permlevel": level, **e} for e in extra]


READ_DEPT_WRITE_OWN = (
    {"scope": "department", "verbs": {"read", "report", "export"}},
    {"scope": "own", "verbs": {"write", "create"}},
)


@pytest.fixture
def leads(users):
    """One Lead owned by each of rep, rep2 (same group), south (other dept) and manager."""
    names = {}
    for owner in ("rep", "rep2", "south", "manager"):
        doc = do_insert_doc(owner, LEAD, {"lead_name": f"{owner} 的线索", "status": "Open"})
        names[owner] = doc.name
    return names


@pytest.fixture
def dept_read_own_write(leads):
    docperms.do_save_docperms(
        "sysman", LEAD, _with(_standard(), "Sales User", *READ_DEPT_WRITE_OWN)
    )
    context.reset()
    return leads


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content.decode()[:300]
    return {row["name"] for row in response.json()["data"]}


def test_sales_user_reads_the_department_on_every_read_path(api, dept_read_own_write):
    leads = dept_read_own_write
    rep = api("rep")
    expected = {leads["rep"], leads["rep2"]}  # not south's (another department), not the manager's

    # list: /api/resource and frappe.client.get_list
    listed = _names(rep.get("/api/resource/Lead", {"fields": ["name"], "limit_page_length": 0}))
    assert listed == expected
    response = rep.get("/api/method/frappe.client.get_list", {"doctype": LEAD, "fields": ["name"]})
    assert {r["name"] for r in response.json()["message"]} == expected
    # counts: exact and the list view's
    assert rep.get("/api/method/frappe.client.get_count", {"doctype": LEAD}).json()["message"] == 2
    count = rep.get("/api/method/frappe.desk.reportview.get_count", {"doctype": LEAD}).json()
    assert count["message"] == 2
    # form: a colleague's document opens, another department's is "not found"
    assert rep.get(f"/api/resource/Lead/{leads['rep2']}").status_code == 200
    assert rep.get(f"/api/resource/Lead/{leads['south']}").status_code == 404
    # report: the Report Builder reads the same rows
    report = builder.run("rep", LEAD, {"fields": ["name"]}, [])
    assert {r["name"] for r in report["result"]} == expected
    # export: the same rows as the list
    response = rep.get("/api/method/lowcode.dataio.export", {"doctype": LEAD, "fields": ["name"]})
    assert response.status_code == 200, response.content.decode()[:300]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row[0] for row in table[1:]} == expected
    # desk search and a dashboard number card read through the same layer
    found = {
        row["name"]
        for group in search.global_search("rep", "的线索")
        if group["doctype"] == LEAD
        for row in group["rows"]
    }
    assert found == expected
    assert dashboard.card_value("rep", LEAD, "Count", None, []) == 2


def test_sales_user_gets_403_writing_a_colleagues_document_and_saves_their_own(
    api, dept_read_own_write
):
    leads = dept_read_own_write
    rep = api("rep")

    response = rep.put(f"/api/resource/Lead/{leads['rep2']}", {"lead_name": "改名"})
    assert response.status_code == 403, response.content.decode()[:300]
    response = rep.post(
        "/api/method/frappe.client.set_value",
        {"doctype": LEAD, "name": leads["rep2"], "fieldname": "lead_name", "value": "改名"},
    )
    assert response.status_code == 403
    response = rep.post(
        "/api/method/frappe.desk.form.assign_to.add",
        {"doctype": LEAD, "name": leads["rep2"], "assign_to": ["rep"]},
    )
    assert response.status_code == 403
    assert rep.delete(f"/api/resource/Lead/{leads['rep2']}").status_code in (403, 404)

    response = rep.put(f"/api/resource/Lead/{leads['rep']}", {"lead_name": "我的新名字"})
    assert response.status_code == 200, response.content.decode()[:300]
    assert response.json()["data"]["lead_name"] == "我的新名字"
    # create: the write rule's create
    response = rep.post("/api/resource/Lead", {"lead_name": "新线索", "status": "Open"})
    assert response.status_code == 200, response.content.decode()[:300]


def test_read_own_write_department_cannot_write_what_it_cannot_read(api, leads):
    # given: the reverse combination: read own only, write the department
    rules = ({"scope": "own", "verbs": {"read"}}, {"scope": "department", "verbs": {"write"}})
    docperms.do_save_docperms("sysman", LEAD, _with(_standard(), "Sales User", *rules))
    rep = api("rep")

    # then: the colleague's document is not even readable, so a write answers "not found"
    assert _names(rep.get("/api/resource/Lead", {"fields": ["name"]})) == {leads["rep"]}
    response = rep.put(f"/api/resource/Lead/{leads['rep2']}", {"lead_name": "改名"})
    assert response.status_code == 404


def test_rules_of_two_roles_combine_per_verb(api, leads):
    # given: rep also holds Sales Manager-like read of the department through a second role
    from lowcode.users import do_add_roles

    rows = _with(_standard(), "Sales User", {"scope": "own", "verbs": {"read", "write"}})
    rows.append({"role": "Report Viewer", "permlevel": 0, "scope": "department", "verbs": {"read"}})
    do_insert_doc("Administrator", "Role", {"role_name": "Report Viewer"})
    docperms.do_save_docperms("sysman", LEAD, rows)
    do_add_roles("rep", ["Report Viewer"])
    context.reset()
    rep = api("rep")

    # then: reads take the widest scope (department), writes only the write rule's (own)
    assert _names(rep.get("/api/resource/Lead", {"fields": ["name"]})) == {
        leads["rep"],
        leads["rep2"],
    }
    assert rep.put(f"/api/resource/Lead/{leads['rep2']}", {"lead_name": "x"}).status_code == 403
    assert rep.put(f"/api/resource/Lead/{leads['rep']}", {"lead_name": "x"}).status_code == 200


def test_a_field_level_write_rule_keeps_its_own_scope(api, leads):
    # given: Sales Manager edits the department's leads at level 0, but its level-1 field
    # (internal_rating) may be read department-wide and written only on its own leads
    rows = _with(
        _standard(),
        "Sales Manager",
        {"scope": "department", "verbs": {"read"}},
        {"scope": "own", "verbs": {"write"}},
        level=1,
    )
    docperms.do_save_docperms("sysman", LEAD, rows)
    manager = api("manager")

    # then: the level-1 field of rep's lead is visible but refused on write; level 0 saves
    response = manager.get(f"/api/resource/Lead/{leads['rep']}")
    assert response.status_code == 200 and "internal_rating" in response.json()["data"]
    response = manager.put(f"/api/resource/Lead/{leads['rep']}", {"internal_rating": "Hot"})
    assert response.status_code == 403, response.content.decode()[:300]
    assert response.json()["message"] == "没有修改内部评级的权限"
    response = manager.put(f"/api/resource/Lead/{leads['rep']}", {"lead_name": "经理改的"})
    assert response.status_code == 200, response.content.decode()[:300]
    response = manager.put(f"/api/resource/Lead/{leads['manager']}", {"internal_rating": "Hot"})
    assert response.status_code == 200, response.content.decode()[:300]
    assert response.json()["data"]["internal_rating"] == "Hot"


def test_rules_are_saved_and_described_through_the_api(api, leads):
    admin = api("sysman")
    rules = [
        {**r, "verbs": sorted(r["verbs"])}
        for r in _with(_standard(), "Sales User", *READ_DEPT_WRITE_OWN)
    ]

    response = admin.post(
        "/api/method/lowcode.admin.save_docperms", {"doctype": LEAD, "rules": json.dumps(rules)}
    )

    assert response.status_code == 200, response.content.decode()[:300]
    effect = {(e["role"], e["permlevel"]): e["text"] for e in response.json()["message"]["effect"]}
    assert effect[("Sales User", 0)] == "读取、导出、报表：本部门及下级 · 修改、创建：仅本人"
    assert effect[("System Manager", 1)] == "读取、修改：全部"
    rep = api("rep")
    assert _names(rep.get("/api/resource/Lead", {"fields": ["name"]})) == {
        leads["rep"],
        leads["rep2"],
    }
    assert rep.put(f"/api/resource/Lead/{leads['rep2']}", {"lead_name": "x"}).status_code == 403


def test_two_rules_with_the_same_scope_are_refused_naming_the_row(api, leads):
    rules = [
        *({**r, "verbs": sorted(r["verbs"])} for r in _standard()),
        {"role": "Sales User", "permlevel": 0, "scope": "own", "verbs": ["export"]},
    ]

    response = api("sysman").post(
        "/api/method/lowcode.admin.save_docperms", {"doctype": LEAD, "rules": json.dumps(rules)}
    )

    assert response.status_code == 417, response.content.decode()[:300]
    errors = response.json()["errors"]
    assert errors[0]["field"] == f"rows.{len(rules) - 1}"
    assert "销售人员 在级别 0 有两条数据范围为“仅本人”的规则" in errors[0]["message"]


@pytest.mark.parametrize("username", ["rep", "manager", "nobody"])
def test_only_a_system_manager_sets_rules_through_the_api(api, leads, username):
    response = api(username).post(
        "/api/method/lowcode.admin.save_docperms", {"doctype": LEAD, "rules": "[]"}
    )
    assert response.status_code == 403
    assert (
        api(username).get("/api/method/lowcode.admin.get_docperms", {"doctype": LEAD}).status_code
        == 403
    )


@pytest.mark.parametrize("doctype", ["Role", "Custom DocPerm", "No Such DocType"])
def test_rules_are_set_only_on_customisable_doctypes(api, users, doctype):
    response = api("sysman").post(
        "/api/method/lowcode.admin.save_docperms", {"doctype": doctype, "rules": "[]"}
    )

    assert response.status_code == 404, response.content.decode()[:300]
