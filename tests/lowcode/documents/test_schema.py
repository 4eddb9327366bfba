"""DocTypes made at run time (lowcode.documents.schema): created, changed, deleted and
exported through the ordinary write routes, with their tables made by the engine.

Schema changes cannot run inside a transaction, so these tests use the transactional
database; the tables they make are not Django's, so a fixture drops what a test left.
"""

from __future__ import annotations

import json
import warnings

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from lowcode.documents.actions import do_insert_doc
from lowcode.meta import registry
from lowcode.meta.doctype import doctype_from_dict
from lowcode.storage import factory
from tests.engine_app.schema_hooks import FAIL_MARK

pytestmark = pytest.mark.django_db(transaction=True)


def tables() -> set[str]:
    return set(connection.introspection.table_names())


def columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


@pytest.fixture(autouse=True)
def drop_runtime_tables():
    """Drop the tables a test made (they are not managed, so the flush leaves them)."""
    before = tables()
    yield
    with connection.cursor() as cursor:
        for table in sorted(tables() - before):
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    for name in list(factory._runtime_models):
        factory.forget_runtime_model(name)
    registry.clear_local_cache()


def book(**extra) -> dict:
    return {
        "name": "Book",
        "label": "图书",
        "module": "Library",
        "autoname": "hash",
        "title_field": "title",
        "fields": [
            {
                "fieldname": "title",
                "label": "Title",
                "fieldtype": "Data",
                "reqd": 1,
                "in_list_view": 1,
            },
            {"fieldname": "pages", "label": "Pages", "fieldtype": "Int"},
            {"label": "Code", "fieldtype": "Data"},
            {"fieldname": "author", "label": "Author", "fieldtype": "Link", "options": "User"},
        ],
        "permissions": [
            {"role": "System Manager", "read": 1, "write": 1, "create": 1, "delete": 1},
            {"role": "Sales User", "read": 1, "write": 1, "create": 1, "if_owner": 1},
        ],
        **extra,
    }


def test_create_through_rest_then_use_it_at_once(api):
    admin = api("Administrator")
    response = admin.post("/api/resource/DocType", book())
    assert response.status_code == 200, response.content
    assert "tabBook" in tables()
    assert {"title", "pages", "code", "author"} <= columns("tabBook")
    assert registry.exists("Book") and "Book" in registry.doctype_names()
    assert [f.fieldname for f in registry.get_meta("Book").data_fields] == [
        "title",
        "pages",
        "code",
        "author",
    ]
    created = admin.post("/api/resource/Book", {"title": "三体", "pages": 302})
    assert created.status_code == 200, created.content
    rep = api("rep")
    mine = rep.post("/api/resource/Book", {"title": "球状闪电"}).json()["data"]
    listed = rep.get("/api/resource/Book", {"fields": ["title"]}).json()["data"]
    assert listed == [{"title": "球状闪电"}]  # if_owner: the rep reads only their own
    assert admin.get(f"/api/resource/Book/{mine['name']}").json()["data"]["title"] == "球状闪电"
    # frappe.client.* route too, and validation of the new DocType's own fields
    bad = admin.post("/api/method/frappe.client.insert", {"doc": {"doctype": "Book"}})
    assert bad.status_code == 417 and bad.json()["errors"][0]["field"] == "title"


def test_only_a_system_manager_changes_doctypes(api):
    response = api("rep").post("/api/resource/DocType", book())
    assert response.status_code == 403
    assert "tabBook" not in tables()
    assert api("sysman").post("/api/resource/DocType", book()).status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"fields": [{"fieldname": "name", "fieldtype": "Data"}]}, "fieldname", "保留"),
        ({"fields": [{"fieldname": "x", "fieldtype": "Money"}]}, "fieldtype", "Money"),
        (
            {"fields": [{"fieldname": "x", "fieldtype": "Link", "options": "Nope"}]},
            "options",
            "Nope",
        ),
        (
            {"fields": [{"fieldname": "x", "fieldtype": "Table", "options": "Lead"}]},
            "options",
            "Lead",
        ),
        (
            {
                "fields": [
                    {"fieldname": "x", "fieldtype": "Data"},
                    {"fieldname": "x", "fieldtype": "Int"},
                ]
            },
            "fieldname",
            "x",
        ),
        ({"name": "Lead"}, "name", "Lead"),
        ({"name": "User"}, "name", "User"),
        ({"name": "Lead-"}, "name", "Lead"),
        ({"name": "9 lives"}, "name", "9 lives"),
        ({"autoname": "field:nope"}, "autoname", "field:nope"),
        ({"permissions": [{"role": "No Such Role", "read": 1}]}, "role", "No Such Role"),
    ],
)
def test_a_bad_definition_is_refused_field_named_in_chinese_before_any_ddl(
    api, change, field, text
):
    before = tables()
    response = api().post("/api/resource/DocType", book(**change))
    assert response.status_code == 417, response.content
    errors = response.json()["errors"]
    assert field in [e["field"] for e in errors], errors
    message = " ".join(e["message"] for e in errors)
    assert text in message and any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert tables() == before
    assert not registry.exists(book(**change)["name"]) or book(**change)["name"] == "Lead"
    assert not apps.get_model("lowcode", "Doctype").objects.exists()


def test_a_child_doctype_comes_in_the_same_request_and_rows_are_saved(api):
    definition = book(
        fields=[
            {"fieldname": "title", "fieldtype": "Data", "label": "Title"},
            {
                "fieldname": "chapters",
                "fieldtype": "Table",
                "options": "Book Chapter",
                "label": "Chapters",
            },
        ],
        child_doctypes=[
            {
                "name": "Book Chapter",
                "fields": [
                    {"fieldname": "heading", "fieldtype": "Data", "label": "Heading", "reqd": 1},
                    {"fieldname": "words", "fieldtype": "Int", "label": "Words"},
                ],
            }
        ],
    )
    admin = api()
    assert admin.post("/api/resource/DocType", definition).status_code == 200
    assert registry.get_meta("Book Chapter").istable
    doc = admin.post(
        "/api/resource/Book",
        {"title": "T", "chapters": [{"heading": "一", "words": 3}, {"heading": "二"}]},
    ).json()["data"]
    got = admin.get(f"/api/resource/Book/{doc['name']}").json()["data"]
    assert [r["heading"] for r in got["chapters"]] == ["一", "二"]
    missing = admin.post("/api/resource/Book", {"title": "T", "chapters": [{"words": 1}]})
    assert missing.status_code == 417


def test_a_child_doctype_made_first_then_its_parent(api):
    admin = api()
    child = {
        "name": "Book Note",
        "istable": 1,
        "fields": [{"fieldname": "note", "fieldtype": "Text"}],
    }
    assert admin.post("/api/resource/DocType", child).status_code == 200
    parent = book(
        title_field="",
        fields=[{"fieldname": "notes", "fieldtype": "Table", "options": "Book Note"}],
    )
    assert admin.post("/api/resource/DocType", parent).status_code == 200
    assert "tabBook Note" in tables() and "tabBook" in tables()


def test_add_rename_and_remove_fields_keep_the_data(api):
    admin = api()
    admin.post("/api/resource/DocType", book())
    saved = admin.post("/api/resource/Book", {"title": "三体", "pages": 302, "code": "A-1"}).json()
    name = saved["data"]["name"]
    definition = admin.get("/api/resource/DocType/Book").json()["data"]
    rows = definition["fields"]
    by_name = {r["fieldname"]: r for r in rows}
    by_name["pages"]["fieldname"] = "page_count"  # a rename: the same row (its name) kept
    by_name["pages"]["label"] = "Page Count"
    rows = [r for r in rows if r["fieldname"] != "code"]  # removed with its column
    rows.append({"fieldname": "isbn", "fieldtype": "Data", "label": "ISBN"})
    response = admin.put("/api/resource/DocType/Book", {"fields": rows})
    assert response.status_code == 200, response.content
    assert {"page_count", "isbn"} <= columns("tabBook")
    assert not {"pages", "code"} & columns("tabBook")
    got = admin.get(f"/api/resource/Book/{name}").json()["data"]
    assert got["page_count"] == 302 and got["title"] == "三体" and "code" not in got
    assert admin.put(f"/api/resource/Book/{name}", {"isbn": "978"}).status_code == 200


def test_a_type_change_the_data_cannot_take_is_refused(api):
    admin = api()
    admin.post("/api/resource/DocType", book())
    admin.post("/api/resource/Book", {"title": "A", "code": "12"})
    rows = admin.get("/api/resource/DocType/Book").json()["data"]["fields"]
    for row in rows:
        if row["fieldname"] == "code":
            row["fieldtype"] = "Int"
    assert admin.put("/api/resource/DocType/Book", {"fields": rows}).status_code == 200
    assert admin.get("/api/resource/Book", {"fields": ["code"]}).json()["data"] == [{"code": 12}]
    for row in rows:
        if row["fieldname"] == "title":
            row["fieldtype"] = "Int"
    refused = admin.put("/api/resource/DocType/Book", {"fields": rows})
    assert refused.status_code == 417
    assert "无法转换" in refused.json()["errors"][0]["message"]
    assert registry.get_meta("Book").get_field("title").fieldtype == "Data"


def test_delete_drops_the_table_data_and_customisations_and_refuses_while_linked(api):
    admin = api()
    admin.post("/api/resource/DocType", book())
    admin.post("/api/resource/Book", {"title": "A"})
    shelf = {
        "name": "Shelf",
        "fields": [{"fieldname": "book", "fieldtype": "Link", "options": "Book"}],
    }
    assert admin.post("/api/resource/DocType", shelf).status_code == 200
    do_insert_doc(
        "Administrator",
        "Custom Field",
        {"dt": "Book", "fieldname": "custom_note", "fieldtype": "Data", "label": "Note"},
    )
    refused = admin.delete("/api/resource/DocType/Book")
    assert refused.status_code == 417 and "Shelf" in refused.json()["errors"][0]["message"]
    assert admin.delete("/api/resource/DocType/Shelf").status_code == 202
    assert admin.delete("/api/resource/DocType/Book").status_code == 202
    assert "tabBook" not in tables() and not registry.exists("Book")
    assert not apps.get_model("lowcode", "CustomField").objects.filter(dt="Book").exists()
    assert admin.get("/api/resource/Book").status_code == 404
    assert admin.delete("/api/resource/DocType/Lead").status_code == 403


def test_a_table_clash_midway_leaves_no_table_and_no_record(api):
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE "tabBook Chapter" (x INTEGER)'.replace(
                '"', connection.ops.quote_name("x")[0]
            )
        )
    definition = book(
        title_field="",
        fields=[{"fieldname": "chapters", "fieldtype": "Table", "options": "Book Chapter"}],
        child_doctypes=[
            {"name": "Book Chapter", "fields": [{"fieldname": "heading", "fieldtype": "Data"}]}
        ],
    )
    response = api().post("/api/resource/DocType", definition)
    assert response.status_code == 417
    assert "tabBook Chapter" in response.json()["errors"][0]["message"]
    assert "tabBook" not in tables()
    assert columns("tabBook Chapter") == {"x"}  # the table that was there is left alone
    assert not registry.exists("Book") and not registry.exists("Book Chapter")


def test_a_save_failing_after_the_ddl_leaves_no_table_or_column(api):
    admin = api()
    failing = book(description=FAIL_MARK)
    assert admin.post("/api/resource/DocType", failing).status_code == 417
    assert "tabBook" not in tables() and not registry.exists("Book")
    admin.post("/api/resource/DocType", book())
    rows = admin.get("/api/resource/DocType/Book").json()["data"]["fields"]
    by_name = {r["fieldname"]: r for r in rows}
    by_name["pages"]["fieldname"] = "page_count"
    rows.append({"fieldname": "isbn", "fieldtype": "Data"})
    response = admin.put("/api/resource/DocType/Book", {"fields": rows, "description": FAIL_MARK})
    assert response.status_code == 417
    assert {"title", "pages", "code", "author"} <= columns("tabBook")
    assert not {"isbn", "page_count"} & columns("tabBook")


def test_a_changed_doctype_replaces_its_model_without_warnings_and_only_it_is_rebuilt(api):
    admin = api()
    admin.post("/api/resource/DocType", book())
    admin.post(
        "/api/resource/DocType",
        {"name": "Shelf", "fields": [{"fieldname": "x", "fieldtype": "Data"}]},
    )
    book_model, shelf_model = factory.get_model("Book"), factory.get_model("Shelf")
    rows = admin.get("/api/resource/DocType/Book").json()["data"]["fields"]
    rows.append({"fieldname": "isbn", "fieldtype": "Data"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert admin.put("/api/resource/DocType/Book", {"fields": rows}).status_code == 200
        registry.refresh()
        rebuilt = factory.get_model("Book")
    assert rebuilt is not book_model and factory.get_model("Shelf") is shelf_model
    assert apps.get_model("lowcode_runtime", "Book") is rebuilt
    assert rebuilt._meta.managed is False


def test_openapi_lists_a_new_doctype_at_once(api):
    admin = api()
    admin.post("/api/resource/DocType", book())
    spec = admin.get("/api/openapi.json")
    assert spec.status_code == 200
    assert any("/api/resource/Book" in path for path in spec.json()["paths"])


def test_migrations_stay_clean_and_migrate_keeps_runtime_tables(api):
    api().post("/api/resource/DocType", book())
    factory.get_model("Book")
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    call_command("migrate", verbosity=0)
    assert "tabBook" in tables() and registry.exists("Book")


def test_export_to_app_round_trips_and_passes_the_checks(api, tmp_path, settings, monkeypatch):
    from lowcode.meta import checks, loader

    admin = api()
    definition = book(
        fields=[
            {"fieldname": "title", "fieldtype": "Data", "label": "Title"},
            {"fieldname": "chapters", "fieldtype": "Table", "options": "Book Chapter"},
        ],
        child_doctypes=[
            {"name": "Book Chapter", "fields": [{"fieldname": "heading", "fieldtype": "Data"}]}
        ],
    )
    admin.post("/api/resource/DocType", definition)
    app_root = tmp_path / "shipped_app"
    (app_root / "doctype").mkdir(parents=True)
    (app_root / "__init__.py").touch()
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.LOWCODE_APPS = [*settings.LOWCODE_APPS, "shipped_app"]
    refused = api("rep").post(
        "/api/method/lowcode.export_doctype", {"doctype": "Book", "app": "shipped_app"}
    )
    assert refused.status_code == 403
    response = admin.post(
        "/api/method/lowcode.export_doctype", {"doctype": "Book", "app": "shipped_app"}
    )
    assert response.status_code == 200, response.content
    path = app_root / "doctype" / "book" / "book.json"
    assert str(path) in response.json()["message"]
    raw = json.loads(path.read_text(encoding="utf-8"))
    exported = doctype_from_dict(raw, "shipped_app").to_dict()
    runtime = registry.get_meta("Book").to_dict()
    runtime.pop("custom", None)
    assert exported == runtime
    names = set(registry.doctype_names())
    loader.base_definitions.cache_clear()  # the app's JSON DocTypes now include the export
    try:
        for item in loader.definition_files("shipped_app"):
            assert checks.check_file("shipped_app", item.path, item.raw, item.error, names) == []
        # An app DocType and a runtime one of the same name: reported at start-up (meta.W002).
        found = [m for m in checks.run_checks_with_db(databases=["default"]) if m.id == "meta.W002"]
    finally:
        loader.base_definitions.cache_clear()
    assert {m.obj for m in found} == {"Book", "Book Chapter"}


def test_backup_and_restore_carry_runtime_tables_and_their_rows(api, tmp_path):
    admin = api()
    admin.post("/api/resource/DocType", book())
    name = admin.post("/api/resource/Book", {"title": "三体", "pages": 302}).json()["data"]["name"]
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(archive), verbosity=0)
    admin.delete("/api/resource/DocType/Book")
    admin.post(
        "/api/resource/DocType",
        {"name": "Shelf", "fields": [{"fieldname": "x", "fieldtype": "Data"}]},
    )
    call_command("restore", str(archive), verbosity=0)
    assert "tabBook" in tables() and "tabShelf" not in tables()
    assert registry.exists("Book") and not registry.exists("Shelf")
    row = factory.get_model("Book").objects.get(name=name)
    assert (row.title, row.pages) == ("三体", 302)


def test_schema_changes_refuse_to_run_inside_an_open_transaction(site):
    from django.db import transaction

    from lowcode.exceptions import DataError

    with pytest.raises(DataError), transaction.atomic():
        do_insert_doc("Administrator", "DocType", book())
    assert "tabBook" not in tables()


def test_frappe_client_save_and_delete_change_the_schema_too(api):
    admin = api()
    created = admin.post(
        "/api/method/frappe.client.insert", {"doc": {**book(), "doctype": "DocType"}}
    )
    assert created.status_code == 200, created.content
    doc = created.json()["message"]
    doc["fields"].append({"fieldname": "isbn", "fieldtype": "Data"})
    saved = admin.post("/api/method/frappe.client.save", {"doc": doc})
    assert saved.status_code == 200, saved.content
    assert "isbn" in columns("tabBook")
    gone = admin.post("/api/method/frappe.client.delete", {"doctype": "DocType", "name": "Book"})
    assert gone.status_code == 200, gone.content
    assert "tabBook" not in tables()


def test_a_table_made_meanwhile_by_another_process_is_refused_and_not_dropped(site):
    """The same DocType made twice at once: the loser's undo must not drop the winner's table."""
    from lowcode.documents import schema
    from lowcode.exceptions import ValidationError
    from lowcode.meta.runtime import RUNTIME_APP

    plan = schema._Schema()  # the table list is read here, before the other process's DDL
    meta = doctype_from_dict(
        {"name": "Book", "fields": [{"fieldname": "t", "fieldtype": "Data"}]}, RUNTIME_APP
    )
    with connection.schema_editor() as editor:
        editor.create_model(factory.schema_model(meta))  # the other process wins the race
    with pytest.raises(ValidationError, match="tabBook"):
        plan.create_table(meta)
    plan.undo()
    assert "t" in columns("tabBook")


def test_a_rename_onto_a_name_still_in_use_is_refused_before_any_ddl(api):
    admin = api()
    admin.post("/api/resource/DocType", book())
    rows = admin.get("/api/resource/DocType/Book").json()["data"]["fields"]
    by_name = {r["fieldname"]: r for r in rows}
    by_name["title"]["fieldname"], by_name["code"]["fieldname"] = "code", "title"  # a swap
    swapped = admin.put("/api/resource/DocType/Book", {"fields": rows})
    assert swapped.status_code == 417, swapped.content
    assert "仍被另一个字段使用" in swapped.json()["errors"][0]["message"]
    rows = admin.get("/api/resource/DocType/Book").json()["data"]["fields"]
    rows = [r for r in rows if r["fieldname"] != "code"]  # removed, and its name re-used at once
    rows.append({"fieldname": "code", "fieldtype": "Int"})
    reused = admin.put("/api/resource/DocType/Book", {"fields": rows})
    assert reused.status_code == 417 and "正在删除" in reused.json()["errors"][0]["message"]
    assert {"title", "pages", "code", "author"} <= columns("tabBook")


def test_a_submittable_doctype_made_at_run_time_submits_and_cancels_over_rest(api):
    # given a submittable DocType made through the API, the rep may submit but not cancel
    admin = api()
    definition = book(
        is_submittable=1,
        permissions=[
            {
                "role": "System Manager",
                "read": 1,
                "write": 1,
                "create": 1,
                "submit": 1,
                "cancel": 1,
            },
            {"role": "Sales User", "read": 1, "write": 1, "create": 1, "submit": 1},
        ],
    )
    assert admin.post("/api/resource/DocType", definition).status_code == 200
    assert registry.get_meta("Book").is_submittable
    rep = api("rep")
    draft = rep.post("/api/resource/Book", {"title": "三体", "pages": 302}).json()["data"]
    name = draft["name"]
    assert draft["docstatus"] == 0
    assert rep.put(f"/api/resource/Book/{name}", {"pages": 303}).status_code == 200

    # when it is submitted over the API
    submitted = rep.post(
        "/api/method/frappe.client.submit", {"doc": {"doctype": "Book", "name": name}}
    )

    # then it is docstatus 1 and refuses ordinary edits, over REST and frappe.client.save
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["message"]["docstatus"] == 1
    edit = rep.put(f"/api/resource/Book/{name}", {"pages": 999})
    assert edit.status_code == 417, edit.content
    saved = admin.post(
        "/api/method/frappe.client.save", {"doc": {"doctype": "Book", "name": name, "pages": 1}}
    )
    assert saved.status_code == 417, saved.content
    got = admin.get(f"/api/resource/Book/{name}").json()["data"]
    assert (got["docstatus"], got["pages"]) == (1, 303)
    # a second submit is refused; the rep has no cancel right
    again = rep.post("/api/method/frappe.client.submit", {"doc": {"doctype": "Book", "name": name}})
    assert again.status_code == 417, again.content
    denied = rep.post("/api/method/frappe.client.cancel", {"doctype": "Book", "name": name})
    assert denied.status_code == 403, denied.content

    # when the manager cancels it, it is docstatus 2 and stays unchangeable
    cancelled = admin.post("/api/method/frappe.client.cancel", {"doctype": "Book", "name": name})
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["message"]["docstatus"] == 2
    assert admin.put(f"/api/resource/Book/{name}", {"pages": 1}).status_code == 417
    assert admin.get(f"/api/resource/Book/{name}").json()["data"]["docstatus"] == 2
    listed = admin.get("/api/resource/Book", {"fields": ["name", "docstatus"]}).json()["data"]
    assert listed == [{"name": name, "docstatus": 2}]


def test_put_with_docstatus_submits_and_cancels_as_frappes_save_does(api):
    # given a submittable run-time DocType and a draft of it
    admin = api()
    definition = book(
        is_submittable=1,
        permissions=[
            {
                "role": "System Manager",
                "read": 1,
                "write": 1,
                "create": 1,
                "submit": 1,
                "cancel": 1,
            },
        ],
    )
    assert admin.post("/api/resource/DocType", definition).status_code == 200
    name = admin.post("/api/resource/Book", {"title": "三体"}).json()["data"]["name"]
    path = f"/api/resource/Book/{name}"

    # when a PUT changes a value and asks for docstatus 1, it saves and then submits
    submitted = admin.put(path, {"pages": 302, "docstatus": 1})
    assert submitted.status_code == 200, submitted.content
    assert (submitted.json()["data"]["docstatus"], submitted.json()["data"]["pages"]) == (1, 302)
    # a PUT back to draft is refused, and an unknown docstatus is bad input
    assert admin.put(path, {"docstatus": 0}).status_code == 417
    assert admin.put(path, {"docstatus": "x"}).status_code == 400
    # the same docstatus with an unchanged value is an ordinary save of a submitted record
    assert admin.put(path, {"docstatus": 1, "pages": 302}).status_code == 200
    # docstatus 2 cancels, through frappe.client.save too
    saved = admin.post(
        "/api/method/frappe.client.save", {"doc": {"doctype": "Book", "name": name, "docstatus": 2}}
    )
    assert saved.status_code == 200, saved.content
    assert admin.get(path).json()["data"]["docstatus"] == 2
    # a save that fails leaves the draft a draft (one transaction)
    draft = admin.post("/api/resource/Book", {"title": "球状闪电"}).json()["data"]["name"]
    bad = admin.put(f"/api/resource/Book/{draft}", {"title": "", "docstatus": 1})
    assert bad.status_code == 417, bad.content
    assert admin.get(f"/api/resource/Book/{draft}").json()["data"]["docstatus"] == 0
