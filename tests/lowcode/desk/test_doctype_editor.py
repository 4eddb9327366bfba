"""The DocType form: a System Manager makes, changes and deletes a DocType in the desk."""

from __future__ import annotations

import json
import re
import sys

import pytest

from lowcode import context
from lowcode.meta import registry
from lowcode.storage.factory import get_model
from tests.lowcode.runtime.conftest import drop_runtime_tables  # noqa: F401 - autouse fixture

# Schema changes refuse an open transaction (lowcode.documents.schema).
pytestmark = pytest.mark.django_db(transaction=True)


def _rows(table: str, rows: list[dict]) -> dict:
    post = {f"{table}.__present": "1"}
    for index, row in enumerate(rows):
        post[f"{table}.{index}.name"] = row.pop("name", "")
        for key, value in row.items():
            post[f"{table}.{index}.{key}"] = value
    return post


def new_doctype_post(**extra) -> dict:
    """What the browser posts for 项目 (Project): a Link, a Select, an Attach, a role's rights."""
    return {
        "__newname": "Project",
        "label": "项目",
        "module": "CRM",
        "autoname": "autoincrement",
        "title_field": "project_name",
        "istable": "0",
        "is_submittable": "0",
        "track_changes": "1",
        **_rows(
            "fields",
            [
                {
                    "label": "项目名称",
                    "fieldname": "project_name",
                    "fieldtype": "Data",
                    "reqd": "1",
                },
                {
                    "label": "客户",
                    "fieldname": "customer",
                    "fieldtype": "Link",
                    "options": "Customer",
                },
                {
                    "label": "阶段",
                    "fieldname": "stage",
                    "fieldtype": "Select",
                    "options": "Planned\nRunning\nDone",
                },
                {"label": "合同扫描件", "fieldname": "scan", "fieldtype": "Attach"},
            ],
        ),
        **_rows(
            "permissions",
            [{"role": "Sales User", "permlevel": "0", "read": "1", "write": "1", "create": "1"}],
        ),
        **extra,
    }


def _created(response) -> str:
    assert response.status_code == 204, response.content.decode()[:2000]
    return response["HX-Redirect"]


def test_the_new_doctype_form_offers_pickers_worded_in_chinese(desk):
    admin = desk("sysman")
    page = admin.get("/app/doctype/new").content.decode()

    # the name is typed (autoname prompt), the naming rule is four explained choices
    assert 'name="__newname"' in page
    assert re.search(r'id="field-custom" data-field="custom"\s+hidden', page)  # always 1
    # and stays hidden while the admin types (the form asks the server on every change)
    states = admin.post("/app/doctype/_state", {"label": "项目"}).json()
    assert states["custom"]["hidden"] is True
    for rule in ("自动编号", "按字段", "命名序列", "随机"):
        assert f"<b>{rule}</b>" in page
    # the module, the title and sort fields are pickers, the search fields ticked, not typed keys
    assert re.search(r'<select id="in-module" name="module"', page)
    assert re.search(r'<select id="in-title_field" name="title_field"', page)
    assert re.search(r'<select id="in-sort_field" name="sort_field"[^>]*>.*修改时间', page)
    assert 'class="dt-multi"' in page and 'name="search_fields"' in page
    # a field's type is picked in Chinese; its options are a DocType picker or lines
    assert '<option value="Data" >文本</option>' in page
    assert '<option value="Link" >关联</option>' in page
    assert '<option value="Table" >子表</option>' in page
    assert 'class="dt-opt dt-opt-link" name="fields.__i__.options"' in page
    assert 'class="dt-opt dt-opt-dynamic" name="fields.__i__.options"' in page
    assert '<option value="Customer" >客户</option>' in page
    assert "新建子表" in page
    # a field's row says whether it shows in the list and its filters
    assert 'name="fields.__i__.in_list_view"' in page
    assert 'name="fields.__i__.in_standard_filter"' in page
    # a permission row's role is picked from the roles, its data scope from three
    assert re.search(
        r'<select name="permissions.__i__.role"[^>]*>.*<option value="Sales User"', page
    )
    assert re.search(r'<select name="permissions.__i__.scope".*?仅本人', page, flags=re.S)
    # a new DocType starts with the System Manager's own rights
    assert '<option value="System Manager" selected>' in page


def test_a_field_name_is_suggested_from_its_chinese_label(desk):
    admin = desk("sysman")

    field = admin.get("/app/doctype/_suggest", {"label": "行业细分", "taken": "hangye_xifen"})
    doctype = admin.get("/app/doctype/_suggest", {"label": "项目回访", "kind": "doctype"})

    assert field.json() == {"value": "hangye_xifen_2"}
    assert doctype.json() == {"value": "Xiangmu Huifang"}
    # an admin screen: others are told it does not exist
    assert desk("rep").get("/app/doctype/_suggest", {"label": "行业细分"}).status_code == 404


def test_a_doctype_made_in_the_desk_is_usable_at_once(desk):
    admin = desk("sysman")

    target = _created(admin.post("/app/doctype/new", new_doctype_post()))

    assert target == "/app/doctype/Project"
    listed = admin.get("/app/doctype").content.decode()
    assert "项目" in listed and "/app/doctype/Project" in listed
    context.reset()
    meta = registry.get_meta("Project")
    assert [f.fieldname for f in meta.data_fields] == ["project_name", "customer", "stage", "scan"]
    assert meta.get_field("customer").options == "Customer"
    # the saved form links to the new DocType's screens and offers Export and Delete
    page = admin.get(target).content.decode()
    for href in ("/app/project", "/app/project/new", "/app/project/view/kanban"):
        assert f'href="{href}"' in page
    assert "导出到应用" in page and 'id="dt-delete-open"' in page
    # a child table stays one: 子表 is shown, not offered
    assert re.search(r'id="in-istable" name="istable" value="1"\s+disabled', page)
    # its generic delete button is replaced by the dialog that asks for the name
    assert "/do/delete" not in page
    # a sales user can use it at once
    rep = desk("rep")
    made = rep.post("/app/project/new", {"project_name": "苏州工厂改造", "stage": "Planned"})
    assert _created(made).startswith("/app/project/")
    assert rep.get("/app/project").status_code == 200


def test_a_new_child_table_is_made_from_the_dialog(desk):
    admin = desk("sysman")

    response = admin.post(
        "/app/doctype/_child",
        {
            "child_label": "项目成员",
            "child_name": "",
            "module": "CRM",
            "child.0.label": "成员",
            "child.0.fieldtype": "Data",
            "child.1.label": "工时",
            "child.1.fieldtype": "Float",
            "child.2.label": "",
        },
    )

    assert response.status_code == 200, response.content.decode()
    assert response.json()["name"] == "Xiangmu Chengyuan"
    context.reset()
    child = registry.get_meta("Xiangmu Chengyuan")
    assert child.istable
    assert [(f.fieldname, f.fieldtype) for f in child.data_fields] == [
        ("chengyuan", "Data"),
        ("gongshi", "Float"),
    ]
    # the parent can use it as a Table field
    post = new_doctype_post()
    post.update(
        {
            "fields.4.name": "",
            "fields.4.label": "成员",
            "fields.4.fieldname": "members",
            "fields.4.fieldtype": "Table",
            "fields.4.options": "Xiangmu Chengyuan",
        }
    )
    _created(admin.post("/app/doctype/new", post))
    context.reset()
    assert registry.get_meta("Project").get_field("members").options == "Xiangmu Chengyuan"


def test_deleting_a_doctype_asks_for_its_name_and_says_how_many_records_go(desk):
    admin = desk("sysman")
    _created(admin.post("/app/doctype/new", new_doctype_post()))
    rep = desk("rep")
    for title in ("一期", "二期"):
        _created(rep.post("/app/project/new", {"project_name": title, "stage": "Planned"}))

    page = admin.get("/app/doctype/Project").content.decode()
    assert "全部 2 条记录" in page
    # removing a field would say how many records hold a value in it
    counts = re.search(r'<script id="dt-value-counts" type="application/json">(.*?)</script>', page)
    assert json.loads(counts.group(1)) == {"project_name": 2, "customer": 0, "stage": 2, "scan": 0}

    refused = admin.post("/app/doctype/Project/confirm-delete", {"confirm": "project"})
    assert refused.status_code == 204 and "HX-Redirect" not in refused
    context.reset()
    assert registry.exists("Project")

    done = admin.post("/app/doctype/Project/confirm-delete", {"confirm": "Project"})
    assert done["HX-Redirect"] == "/app/doctype"
    context.reset()
    assert not registry.exists("Project")
    assert not get_model("DocType").objects.filter(name="Project").exists()


def test_export_to_app_writes_the_json_and_shows_where(desk, tmp_path, settings, monkeypatch):
    # given an app on the path to export into (as tests/…/test_schema.py makes one, under a
    # name of its own: an imported app module stays in sys.modules for the process)
    app_root = tmp_path / "desk_export_app"
    (app_root / "doctype").mkdir(parents=True)
    (app_root / "__init__.py").touch()
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.LOWCODE_APPS = [*settings.LOWCODE_APPS, "desk_export_app"]
    # monkeypatch forgets the module again at the end (it was not there before)
    monkeypatch.setitem(sys.modules, "desk_export_app", None)
    del sys.modules["desk_export_app"]
    admin = desk("sysman")
    _created(admin.post("/app/doctype/new", new_doctype_post()))
    page = admin.get("/app/doctype/Project").content.decode()
    assert '<option value="desk_export_app">' in page
    assert 'href="/app/report-builder?doctype=Project"' in page

    # when
    response = admin.post("/app/doctype/Project/export-to-app", {"app": "desk_export_app"})

    # then the page says the path it wrote, and the file is the DocType as app JSON
    path = app_root / "doctype" / "project" / "project.json"
    assert response.status_code == 200
    assert f"<code>{path}</code>" in response.content.decode()
    assert json.loads(path.read_text(encoding="utf-8"))["name"] == "Project"
    # an app that is not installed is said next to the button, nothing written
    refused = admin.post("/app/doctype/Project/export-to-app", {"app": "no_such_app"})
    assert 'class="field-error"' in refused.content.decode()


def test_the_doctype_lists_bulk_delete_wants_the_number_ticked_typed(desk):
    # bulk delete of DocTypes works (tests/lowcode/runtime/test_doctype_bulk_delete.py), but
    # never without a typed confirmation, as the form's dialog wants the name typed
    admin = desk("sysman")
    _created(admin.post("/app/doctype/new", new_doctype_post()))

    listed = admin.get("/app/doctype").content.decode()
    refused = admin.post("/app/doctype/bulk", {"bulk_action": "delete", "names": ["Project"]})

    assert '<option value="delete">' in listed and 'name="confirm_count"' in listed
    assert refused.status_code == 204 and "HX-Refresh" not in refused
    context.reset()
    assert registry.exists("Project")


def test_a_child_table_saved_again_from_its_form_stays_a_child_table(desk):
    admin = desk("sysman")
    made = admin.post("/app/doctype/_child", {"child_label": "项目成员", "child.0.label": "成员"})
    assert made.status_code == 200, made.content.decode()
    form = admin.get("/app/doctype/Xiangmu Chengyuan").content.decode()
    modified = re.search(r'name="modified" value="([^"]+)"', form).group(1)
    row = re.search(r'name="fields.0.name" value="([^"]+)"', form).group(1)

    # the browser posts what the form holds for the locked 子表 box (its hidden input, if any)
    held = dict(re.findall(r'<input type="hidden" name="(istable)" value="(\d)">', form))
    saved = admin.post(
        "/app/doctype/Xiangmu Chengyuan",
        {
            **held,
            "modified": modified,
            "label": "项目成员（改）",
            **_rows(
                "fields",
                [{"name": row, "label": "成员", "fieldname": "chengyuan", "fieldtype": "Data"}],
            ),
        },
    )

    assert saved.status_code == 204, saved.content.decode()[:1500]
    context.reset()
    assert registry.get_meta("Xiangmu Chengyuan").istable
