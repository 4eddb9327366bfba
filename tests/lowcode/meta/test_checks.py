"""One test per metadata check ID (meta.E001–E016, W001), on definitions made to fail."""

from __future__ import annotations

import json
import sys
import uuid

import pytest
from django.utils import timezone

from lowcode.meta import registry
from lowcode.meta.checks import (
    check_customisations,
    check_doctype_options,
    check_fields,
    check_file,
    run_checks,
)
from lowcode.meta.doctype import doctype_from_dict
from lowcode.meta.loader import definition_files
from lowcode.storage.factory import get_model


@pytest.fixture
def tmp_app(tmp_path, monkeypatch):
    """An importable app package in tmp_path; ``write(raw)`` adds a DocType JSON file to it."""
    package = f"lc_check_app_{uuid.uuid4().hex[:8]}"
    root = tmp_path / package
    (root / "doctype").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield _TmpApp(package, root)
    sys.modules.pop(package, None)


class _TmpApp:
    def __init__(self, package: str, root):
        self.package = package
        self.root = root

    def write(self, folder: str, content: dict | str):
        path = self.root / "doctype" / folder / f"{folder}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            content if isinstance(content, str) else json.dumps(content), encoding="utf-8"
        )
        return path

    def check(self, folder: str, content: dict | str) -> list:
        """Write one file, load it with the real loader and check it against shipped DocTypes."""
        self.write(folder, content)
        items = [item for item in definition_files(self.package) if item.path.stem == folder]
        assert len(items) == 1
        item = items[0]
        names = set(registry.doctype_names())
        if item.raw and item.raw.get("name"):
            names.add(item.raw["name"])
        return check_file(self.package, item.path, item.raw, item.error, names)


def widget(**overrides) -> dict:
    """A valid DocType definition named Widget; tests break one thing at a time."""
    raw = {
        "name": "Widget",
        "autoname": "hash",
        "fields": [
            {"fieldname": "title", "fieldtype": "Data", "label": "Title"},
            {"fieldname": "kind", "fieldtype": "Select", "options": "A\nB", "default": "A"},
        ],
        "permissions": [{"role": "System Manager", "read": 1}],
    }
    raw.update(overrides)
    return raw


def only(messages: list, cid: str):
    """Return the single message with ID ``cid`` and assert nothing else was reported."""
    ids = [m.id for m in messages]
    assert ids == [cid], [(m.id, m.msg) for m in messages]
    return messages[0]


def test_valid_definition_reports_nothing(tmp_app):
    assert tmp_app.check("widget", widget()) == []


def test_e001_file_does_not_parse(tmp_app):
    message = only(tmp_app.check("widget", '{"name": "Widget", "fields": [,]}'), "meta.E001")
    assert "widget.json" in message.msg
    assert "does not parse" in message.msg


def test_e001_top_level_not_an_object(tmp_app):
    message = only(tmp_app.check("widget", "[1, 2]"), "meta.E001")
    assert "widget.json" in message.msg


def test_e002_name_does_not_match_file(tmp_app):
    message = only(tmp_app.check("widget", widget(name="Gadget")), "meta.E002")
    assert "'Gadget'" in message.msg
    assert "'widget'" in message.hint


def test_e002_name_missing(tmp_app):
    raw = widget()
    del raw["name"]
    message = only(tmp_app.check("widget", raw), "meta.E002")
    assert "widget.json" in message.msg


def test_e003_unknown_field_type(tmp_app):
    raw = widget(fields=[{"fieldname": "size", "fieldtype": "Sizer", "label": "Size"}])
    message = only(tmp_app.check("widget", raw), "meta.E003")
    assert "'size'" in message.msg and "'Sizer'" in message.msg and "'Widget'" in message.msg


@pytest.mark.parametrize("fieldname", ["Title", "first-name", "2nd", "class", ""])
def test_e004_fieldname_not_an_identifier(tmp_app, fieldname):
    raw = widget(fields=[{"fieldname": fieldname, "fieldtype": "Data"}])
    message = only(tmp_app.check("widget", raw), "meta.E004")
    assert repr(fieldname) in message.msg and "'Widget'" in message.msg


def test_e005_fieldname_used_twice(tmp_app):
    fields = [
        {"fieldname": "title", "fieldtype": "Data"},
        {"fieldname": "title", "fieldtype": "Int"},
    ]
    message = only(tmp_app.check("widget", widget(fields=fields)), "meta.E005")
    assert "'title'" in message.msg and "twice" in message.msg


@pytest.mark.parametrize("fieldname", ["owner", "modified", "parent", "save", "objects", "get"])
def test_e006_fieldname_reserved(tmp_app, fieldname):
    raw = widget(fields=[{"fieldname": fieldname, "fieldtype": "Data"}])
    message = only(tmp_app.check("widget", raw), "meta.E006")
    assert f"'{fieldname}'" in message.msg and "reserved" in message.msg


@pytest.mark.parametrize("fieldtype", ["Link", "Table"])
def test_e007_link_to_unknown_doctype(tmp_app, fieldtype):
    raw = widget(fields=[{"fieldname": "stage", "fieldtype": fieldtype, "options": "Stage"}])
    message = only(tmp_app.check("widget", raw), "meta.E007")
    assert "'stage'" in message.msg and "'Stage'" in message.msg


def test_e007_link_without_options(tmp_app):
    raw = widget(fields=[{"fieldname": "stage", "fieldtype": "Link"}])
    message = only(tmp_app.check("widget", raw), "meta.E007")
    assert "'stage'" in message.msg


def test_link_to_user_is_not_an_error(tmp_app):
    raw = widget(fields=[{"fieldname": "reviewer", "fieldtype": "Link", "options": "User"}])
    assert tmp_app.check("widget", raw) == []


def test_e008_table_of_a_non_child_doctype(tmp_app):
    raw = widget(fields=[{"fieldname": "leads", "fieldtype": "Table", "options": "Lead"}])
    message = only(tmp_app.check("widget", raw), "meta.E008")
    assert "'leads'" in message.msg and "'Lead'" in message.msg


def test_table_of_a_child_doctype_is_fine(tmp_app):
    raw = widget(
        fields=[{"fieldname": "items", "fieldtype": "Table", "options": "Test Order Item"}]
    )
    assert tmp_app.check("widget", raw) == []


def test_e009_select_default_not_an_option(tmp_app):
    raw = widget(
        fields=[{"fieldname": "kind", "fieldtype": "Select", "options": "A\nB", "default": "C"}]
    )
    message = only(tmp_app.check("widget", raw), "meta.E009")
    assert "'C'" in message.msg and "'kind'" in message.msg


@pytest.mark.parametrize(
    ("autoname", "detail"),
    [
        ("field:nope", "'nope'"),
        ("naming_series:", "naming_series"),
        ("format:W-{missing}-{####}", "'missing'"),
        ("random", "not a known rule"),
    ],
)
def test_e010_autoname_invalid(tmp_app, autoname, detail):
    message = only(tmp_app.check("widget", widget(autoname=autoname)), "meta.E010")
    assert f"'{autoname}'" in message.msg and detail in message.msg


@pytest.mark.parametrize(
    "autoname",
    [
        "field:title",
        "format:W-{YYYY}-{title}-{####}",
        "W-.YYYY.-.####",
        "autoincrement",
        "prompt",
        "uuid",
    ],
)
def test_valid_autoname_rules_pass(tmp_app, autoname):
    assert tmp_app.check("widget", widget(autoname=autoname)) == []


@pytest.mark.parametrize("perm", [{"read": 1}, {"role": "Sales User", "scope": "team", "read": 1}])
def test_e011_permission_rule_invalid(tmp_app, perm):
    message = only(tmp_app.check("widget", widget(permissions=[perm])), "meta.E011")
    assert "'Widget'" in message.msg
    assert "team" in message.msg if perm.get("scope") else "'role': ''" in message.msg


@pytest.mark.parametrize(
    ("key", "value"),
    [("title_field", "headline"), ("search_fields", "title,headline"), ("sort_field", "headline")],
)
def test_e012_title_search_sort_field_unknown(tmp_app, key, value):
    message = only(tmp_app.check("widget", widget(**{key: value})), "meta.E012")
    assert key in message.msg and "'headline'" in message.msg


def test_e013_child_table_submittable_or_with_permissions(tmp_app):
    raw = widget(istable=1, is_submittable=1, permissions=[])
    message = only(tmp_app.check("widget", raw), "meta.E013")
    assert "'Widget'" in message.msg
    raw = widget(istable=1)  # keeps its permission rule
    assert only(tmp_app.check("widget", raw), "meta.E013")


def test_e014_index_names_unknown_field(tmp_app):
    message = only(tmp_app.check("widget", widget(indexes=[["title", "colour"]])), "meta.E014")
    assert "'colour'" in message.msg


def test_e014_child_tables_may_index_their_parent_columns(tmp_app):
    child = widget(istable=1, permissions=[], indexes=[["parent", "parenttype", "title"]])
    assert tmp_app.check("widget", child) == []
    # a DocType that is not a child table has no parent column to index
    message = only(tmp_app.check("widget", widget(indexes=[["parent", "title"]])), "meta.E014")
    assert "'parent'" in message.msg


def test_w001_unknown_keys_warned(tmp_app):
    raw = widget(colour="blue")
    raw["fields"][0]["widht"] = 3
    messages = tmp_app.check("widget", raw)
    assert [m.id for m in messages] == ["meta.W001", "meta.W001"]
    assert "'colour'" in messages[0].msg
    assert "title" in messages[1].msg and "'widht'" in messages[1].msg
    assert all(m.level < 40 for m in messages)  # warnings, not errors


def test_every_problem_of_one_file_reported_at_once(tmp_app):
    # given one file with six independent mistakes
    raw = widget(
        autoname="field:nope",
        title_field="headline",
        fields=[
            {"fieldname": "size", "fieldtype": "Sizer"},
            {"fieldname": "Bad Name", "fieldtype": "Data"},
            {"fieldname": "owner", "fieldtype": "Data"},
            {"fieldname": "stage", "fieldtype": "Link", "options": "Stage"},
        ],
        permissions=[{"role": "", "read": 1}],
    )
    # when
    messages = tmp_app.check("widget", raw)
    # then
    assert sorted(m.id for m in messages) == [
        "meta.E003",
        "meta.E004",
        "meta.E006",
        "meta.E007",
        "meta.E010",
        "meta.E011",
        "meta.E012",
    ]


def test_check_fields_and_options_directly():
    """The building blocks work on a DocTypeMeta without a file."""
    meta = doctype_from_dict(
        widget(sort_field="nope", fields=[{"fieldname": "x", "fieldtype": "Nope"}]), "t"
    )
    assert [m.id for m in check_fields(meta, set(registry.doctype_names()))] == ["meta.E003"]
    assert [m.id for m in check_doctype_options(meta)] == ["meta.E012"]


def test_shipped_apps_have_no_errors():
    errors = [m for m in run_checks() if m.level >= 40]
    assert errors == [], [(m.id, m.msg) for m in errors]


def test_run_checks_includes_every_app_file(settings, tmp_app):
    # given a broken file in an extra app
    tmp_app.write("widget", widget(fields=[{"fieldname": "size", "fieldtype": "Sizer"}]))
    registry.doctype_names()  # warm the shipped definitions cache before the extra app appears
    settings.LOWCODE_APPS = [*settings.LOWCODE_APPS, tmp_app.package]
    # when
    messages = run_checks()
    # then
    assert [(m.id, m.obj) for m in messages if m.level >= 40] == [("meta.E003", "Widget.size")]


# --- stored customisations (the API refuses these; the check catches rows made otherwise) ---


def _row(doctype: str, **values):
    """Write a raw row the API would refuse, to prove the check catches it."""
    now = timezone.now()
    model = get_model(doctype)
    row = model(
        name=uuid.uuid4().hex[:10],
        owner="Administrator",
        creation=now,
        modified=now,
        modified_by="Administrator",
        **values,
    )
    row.save(force_insert=True)
    registry.clear_local_cache()
    return row


def _names() -> set[str]:
    return set(registry.doctype_names())


@pytest.mark.django_db
def test_no_customisations_no_errors():
    assert check_customisations(_names()) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "detail"),
    [
        ({"fieldname": "Bad Name", "fieldtype": "Data"}, "'Bad Name'"),
        ({"fieldname": "lead_name", "fieldtype": "Data"}, "'lead_name'"),
        ({"fieldname": "owner", "fieldtype": "Data"}, "'owner'"),
        ({"fieldname": "wechat", "fieldtype": "Telegraph"}, "'Telegraph'"),
        ({"fieldname": "stage", "fieldtype": "Link", "options": "Stage"}, "'Stage'"),
        ({"fieldname": "tier", "fieldtype": "Select", "options": "A\nB", "default": "Z"}, "'Z'"),
    ],
)
def test_e015_custom_field_invalid(values, detail):
    _row("Custom Field", dt="Lead", **values)
    messages = check_customisations(_names())
    assert [m.id for m in messages] == ["meta.E015"], [(m.id, m.msg) for m in messages]
    assert detail in messages[0].msg and "'Lead'" in messages[0].msg


@pytest.mark.django_db
def test_e015_custom_field_for_unknown_doctype():
    _row("Custom Field", dt="Spaceship", fieldname="warp", fieldtype="Data")
    message = only(check_customisations(_names()), "meta.E015")
    assert "'Spaceship'" in message.msg


@pytest.mark.django_db
def test_valid_custom_field_passes_the_check():
    _row("Custom Field", dt="Lead", fieldname="wechat_id", fieldtype="Data")
    assert check_customisations(_names()) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "detail"),
    [
        ({"doc_type": "Spaceship", "property": "label", "value": "x"}, "'Spaceship'"),
        ({"doc_type": "Lead", "field_name": "warp", "property": "reqd", "value": "1"}, "'warp'"),
        (
            {
                "doc_type": "Lead",
                "field_name": "lead_name",
                "property": "fieldtype",
                "value": "Int",
            },
            "'fieldtype'",
        ),
        ({"doc_type": "Lead", "property": "autoname", "value": "hash"}, "'autoname'"),
    ],
)
def test_e016_property_setter_invalid(values, detail):
    setter = _row("Property Setter", **values)
    message = only(check_customisations(_names()), "meta.E016")
    assert detail in message.msg and setter.name in message.msg


@pytest.mark.django_db
def test_all_stored_problems_reported_at_once():
    _row("Custom Field", dt="Lead", fieldname="Bad Name", fieldtype="Data")
    _row("Custom Field", dt="Spaceship", fieldname="warp", fieldtype="Data")
    _row("Property Setter", doc_type="Lead", field_name="warp", property="reqd", value="1")
    assert sorted(m.id for m in check_customisations(_names())) == [
        "meta.E015",
        "meta.E015",
        "meta.E016",
    ]
