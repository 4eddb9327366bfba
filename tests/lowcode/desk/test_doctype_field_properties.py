"""The DocType form's row editor: a field's unique / default / depends_on / permlevel and a
permission rule's other verbs are set in the desk and hold at run time."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from lowcode import context
from lowcode.desk.lib.form import field_states
from lowcode.documents.actions import do_insert_doc
from lowcode.exceptions import DuplicateEntryError
from lowcode.meta import registry
from tests.lowcode.desk.test_doctype_editor import _created, new_doctype_post
from tests.lowcode.runtime.conftest import drop_runtime_tables  # noqa: F401 - autouse fixture

pytestmark = pytest.mark.django_db(transaction=True)

FIELD_PROPERTIES = ("unique", "default", "depends_on", "mandatory_depends_on", "read_only",
                    "hidden", "permlevel", "description", "length", "precision", "search_index")  # fmt: skip
PERM_VERBS = ("permlevel", "submit", "cancel", "amend", "report", "allow_import", "print",
              "email", "share", "if_owner")  # fmt: skip


def _form_state(admin, path: str) -> tuple[str, list[str]]:
    form = admin.get(path).content.decode()
    modified = re.search(r'name="modified" value="([^"]+)"', form).group(1)
    return modified, re.findall(r'name="fields\.\d+\.name" value="([^"]+)"', form)


def test_the_row_editors_offer_every_property_of_a_field_and_a_rule(desk):
    page = desk("sysman").get("/app/doctype/new").content.decode()
    template = page[page.index('<fieldset class="child-table" data-table="fields"') :]
    template = template[: template.index("</fieldset>")]
    for prop in FIELD_PROPERTIES:
        assert f'name="fields.__i__.{prop}"' in template, prop
    # the new DocType's System Manager rule: its other verbs are in its row's editor
    for verb in PERM_VERBS:
        assert f'name="permissions.0.{verb}"' in page, verb


def test_unique_default_and_depends_on_set_in_the_form_apply_to_new_records(desk):
    admin = desk("sysman")
    post = new_doctype_post()
    post.update({"fields.0.unique": "1", "fields.2.default": "Running"})
    post.update({"fields.4.name": "", "fields.4.label": "完工说明", "fields.4.fieldname": "finish_note",
                 "fields.4.fieldtype": "Small Text",
                 "fields.4.depends_on": "eval:doc.stage=='Done'"})  # fmt: skip
    _created(admin.post("/app/doctype/new", post))
    context.reset()
    meta = registry.get_meta("Project")

    # default: a new record starts with it (form and save path)
    assert 'value="Running" selected' in desk("rep").get("/app/project/new").content.decode()
    first = do_insert_doc("rep", "Project", {"project_name": "一号线"})
    assert first.stage == "Running"
    # unique: a second record with the same name is refused, and the table has the index
    with pytest.raises(DuplicateEntryError, match="一号线"):
        do_insert_doc("rep", "Project", {"project_name": "一号线"})
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tabProject")
    assert any(c["unique"] and c["columns"] == ["project_name"] for c in constraints.values())
    # the saved DocType's form shows them again in the rows' editors
    form = admin.get("/app/doctype/Project").content.decode()
    assert re.search(r'name="fields\.0\.unique" value="1" checked', form)
    assert 'name="fields.2.default"' in form and ">Running</textarea>" in form
    assert "eval:doc.stage==&#x27;Done&#x27;</textarea>" in form
    # depends_on: the note shows only for a finished project
    info = {"name": "sysman", "roles": []}
    assert field_states(meta, {"stage": "Running"}, info)["finish_note"]["hidden"]
    assert not field_states(meta, {"stage": "Done"}, info)["finish_note"]["hidden"]


def test_making_a_field_unique_over_duplicate_data_is_refused_on_its_row(desk):
    admin = desk("sysman")
    _created(admin.post("/app/doctype/new", new_doctype_post()))
    for _ in range(2):
        do_insert_doc("rep", "Project", {"project_name": "重复项目"})
    modified, rows = _form_state(admin, "/app/doctype/Project")
    post = new_doctype_post(modified=modified)
    post.pop("__newname")
    for index, row in enumerate(rows):
        post[f"fields.{index}.name"] = row
    post["fields.0.unique"] = "1"

    page = admin.post("/app/doctype/Project", post).content.decode()

    assert "第 1 行：项目名称 不能设为唯一：已有 2 条记录的值为 重复项目" in page
    context.reset()
    assert not registry.get_meta("Project").get_field("project_name").unique
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "tabProject")
    assert not any(c["unique"] and c["columns"] == ["project_name"] for c in constraints.values())


def test_a_bad_default_condition_or_level_is_named_on_its_row(desk):
    admin = desk("sysman")
    post = new_doctype_post()
    post.update({"fields.0.depends_on": "eval:doc.stage ==", "fields.1.permlevel": "1"})
    post.update({"fields.4.name": "", "fields.4.label": "工期", "fields.4.fieldname": "days",
                 "fields.4.fieldtype": "Int", "fields.4.default": "三十"})  # fmt: skip
    page = admin.post("/app/doctype/new", post).content.decode()

    assert "第 1 行：项目名称 的条件 eval:doc.stage == 无效" in page
    assert "第 2 行：客户 的权限级别为 1，但没有该级别的权限规则" in page
    assert "第 5 行：工期 的默认值 三十 不是有效的整数值" in page
    assert not registry.exists("Project")


def test_a_field_at_level_one_is_hidden_from_roles_without_that_level(desk):
    admin = desk("sysman")
    post = new_doctype_post()
    post["fields.1.permlevel"] = "1"
    post.update({"permissions.1.name": "", "permissions.1.role": "System Manager",
                 "permissions.1.permlevel": "0", "permissions.1.read": "1",
                 "permissions.1.write": "1", "permissions.1.create": "1",
                 "permissions.2.name": "", "permissions.2.role": "System Manager",
                 "permissions.2.permlevel": "1", "permissions.2.read": "1",
                 "permissions.2.write": "1"})  # fmt: skip
    _created(admin.post("/app/doctype/new", post))
    context.reset()
    assert registry.get_meta("Project").get_field("customer").permlevel == 1
    form = admin.get("/app/doctype/Project").content.decode()
    assert re.search(r'name="fields\.1\.permlevel" type="number"\s+step="1"\s+value="1"', form)
    assert re.search(r'name="permissions\.2\.permlevel" type="number"\s+step="1"\s+value="1"', form)

    rep_form = desk("rep").get("/app/project/new").content.decode()
    admin_form = admin.get("/app/project/new").content.decode()
    assert 'name="customer"' not in rep_form and 'name="customer"' in admin_form


def test_a_link_without_a_target_says_the_target_is_missing(desk):
    post = new_doctype_post()
    post["fields.1.options"] = ""
    page = desk("sysman").post("/app/doctype/new", post).content.decode()
    assert "第 2 行：客户 还没有选择要链接的文档类型" in page
    assert "链接到 ，" not in page


def test_a_table_above_the_users_level_opens_a_read_only_row_editor(desk):
    """The editor follows the grid's rules: a table at level 1 the user may only read shows its
    rows' fields locked and posts none of them; a user who may write it gets inputs."""
    admin = desk("sysman")
    child = {"__newname": "Xiangmu Chengyuan", "label": "项目成员", "module": "CRM",
             "istable": "1", "autoname": "hash", "fields.__present": "1",
             "fields.0.name": "", "fields.0.label": "成员", "fields.0.fieldname": "chengyuan",
             "fields.0.fieldtype": "Data", "fields.0.in_list_view": "1",
             "fields.1.name": "", "fields.1.label": "电话", "fields.1.fieldname": "dianhua",
             "fields.1.fieldtype": "Data", "permissions.__present": "1"}  # fmt: skip
    _created(admin.post("/app/doctype/new", child))
    post = new_doctype_post()
    post.update({"fields.4.name": "", "fields.4.label": "成员", "fields.4.fieldname": "members",
                 "fields.4.fieldtype": "Table", "fields.4.options": "Xiangmu Chengyuan",
                 "fields.4.permlevel": "1"})  # fmt: skip
    for index, (role, level, write) in enumerate(
        [("Sales User", "1", "0"), ("System Manager", "0", "1"), ("System Manager", "1", "1")],
        start=1,
    ):
        post.update({f"permissions.{index}.name": "", f"permissions.{index}.role": role,
                     f"permissions.{index}.permlevel": level, f"permissions.{index}.read": "1",
                     f"permissions.{index}.write": write,
                     f"permissions.{index}.create": write})  # fmt: skip
    _created(admin.post("/app/doctype/new", post))
    context.reset()
    name = do_insert_doc(
        "sysman",
        "Project",
        {"project_name": "三号线", "members": [{"chengyuan": "王工", "dianhua": "13800000000"}]},
    ).name

    rep_page = desk("rep").get(f"/app/project/{name}").content.decode()
    editor = rep_page[rep_page.index('id="row-members-0-title"') :]
    editor = editor[: editor.index("</dialog>")]
    # the phone number is not a grid column: the editor shows it, locked
    assert "13800000000" in editor and 'name="members.0.dianhua"' not in rep_page
    assert "查看</button>" in rep_page  # the row is viewed, not edited
    assert "members.__present" not in rep_page
    admin_page = admin.get(f"/app/project/{name}").content.decode()
    assert 'name="members.0.dianhua"' in admin_page and "members.__present" in admin_page
