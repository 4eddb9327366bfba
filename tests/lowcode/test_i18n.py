"""Chinese-first translations: every translatable string has a zh row, and the API speaks it."""

from __future__ import annotations

import ast
import csv
import json
import re
import string
from pathlib import Path

import pytest

import lowcode
from lowcode import i18n
from lowcode.exceptions import FrappeError
from lowcode.meta import fieldtypes
from lowcode.meta.doctype import PERM_VERBS
from lowcode.setup import ENGINE_ROLES
from lowcode.storage.validation import TYPE_RULE_MESSAGES

APPS = Path(lowcode.__file__).resolve().parent.parent
# Engine capabilities are apps nested in lowcode (apps/lowcode/workflow/...), hence rglob.
CSV_FILES = sorted(APPS.rglob("translations/zh.csv"))
DOCTYPE_FILES = sorted(p for p in APPS.rglob("doctype/*/*.json") if p.stem == p.parent.name)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Return (line number, row) for every row that is not a comment, read as i18n reads it."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        return [(reader.line_num, row) for row in reader if row and not row[0].startswith("#")]


def zh_catalog() -> dict[str, str]:
    """The catalog the engine itself loads for zh."""
    for cached in (i18n._rows, i18n._catalog, i18n._context_catalog):
        cached.cache_clear()
    # A source translated only in a context (a third column) is translated where it is used.
    in_context = {source: text for (_ctx, source), text in i18n._context_catalog("zh").items()}
    return {**in_context, **i18n._catalog("zh")}


def literal_calls() -> dict[str, str]:
    """Map every string literal passed as first argument to ``_()`` in apps/ to where it is."""
    found: dict[str, str] = {}
    for path in sorted(APPS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.relative_to(APPS)}:{node.lineno}")
    return found


def doctype_strings() -> dict[str, str]:
    """Map every DocType name, field label, description and Select option to its file."""
    found: dict[str, str] = {}
    for path in DOCTYPE_FILES:
        meta = json.loads(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(APPS))
        found.setdefault(meta["name"], where)
        for field in meta.get("fields", []):
            if field.get("label"):
                found.setdefault(field["label"], where)
            if field.get("description"):  # the desk shows it under the field
                found.setdefault(
                    field["description"], f"{where} ({field['fieldname']} description)"
                )
            # Naming-series patterns (LEAD-.YYYY.-.#####) are codes, not words.
            if field.get("fieldtype") == "Select" and field.get("fieldname") != "naming_series":
                for option in (field.get("options") or "").split("\n"):
                    if option.strip():
                        found.setdefault(option, f"{where} ({field['fieldname']})")
    return found


def untranslated(sources: dict[str, str], catalog: dict[str, str]) -> list[str]:
    return [f"{where}: {text!r}" for text, where in sources.items() if not catalog.get(text)]


def test_every_literal_passed_to_translate_has_a_zh_row_with_the_same_placeholders():
    # given
    sources = literal_calls()
    sources.update(
        {text: f"TYPE_RULE_MESSAGES[{rule!r}]" for rule, text in TYPE_RULE_MESSAGES.items()}
    )
    catalog = zh_catalog()
    # then: the scan really found the engine's messages (guards against an empty scan)
    assert "{label} is required" in sources
    assert len(sources) > 50
    assert untranslated(sources, catalog) == []
    mismatched = [
        f"{where}: {text!r} -> {catalog[text]!r}"
        for text, where in sources.items()
        if placeholders(text) != placeholders(catalog[text])
    ]
    assert mismatched == []


TEMPLATE_LITERAL = re.compile(r"""\{%\s*t\s+(?:"([^"]*)"|'([^']*)')""")


def template_literals() -> dict[str, str]:
    """Map every ``{% t "..." %}`` literal in the apps' templates to where it is."""
    found: dict[str, str] = {}
    for path in sorted(APPS.rglob("templates/**/*.html")):
        for match in TEMPLATE_LITERAL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1) or match.group(2), str(path.relative_to(APPS)))
    return found


def test_every_template_literal_has_a_zh_row_with_the_same_placeholders():
    sources = template_literals()
    # the scan really found the desk's strings (guards against an empty scan)
    assert "Save this view" in sources
    assert untranslated(sources, zh_catalog()) == []


def test_words_passed_through_translate_as_parameters_have_zh_rows():
    """Verbs, error types, field types and role names reach ``_()`` as variables."""
    exc_types = set()
    pending = [FrappeError]
    while pending:
        cls = pending.pop()
        exc_types.add(cls.exc_type)
        pending.extend(cls.__subclasses__())
    words = {*PERM_VERBS, *exc_types, *fieldtypes.ALL_TYPES, *ENGINE_ROLES, "Message"}
    words |= {"DocType", "User", "Role", "Custom Field", "Property Setter", "Custom DocPerm"}
    fixtures = APPS / "kuaicrm" / "fixtures" / "roles.json"
    words |= {role["role_name"] for role in json.loads(fixtures.read_text(encoding="utf-8"))}

    catalog = zh_catalog()

    assert "ValidationError" in exc_types
    assert sorted(w for w in words if not catalog.get(w)) == []


def test_every_doctype_name_label_and_select_option_has_a_zh_row():
    sources = doctype_strings()
    assert {"Lead", "Contact Name", "Cold Call", "Custom Field"} <= sources.keys()

    assert untranslated(sources, zh_catalog()) == []


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.parent.parent.name)
def test_csv_rows_are_pairs_whose_placeholders_match(path):
    problems = []
    for line, row in csv_rows(path):
        # Frappe's shape: source,translation[,context]
        if len(row) not in (2, 3) or not all(row):
            problems.append(f"line {line}: expected source,translation[,context], got {row!r}")
        elif row[0] != row[0].strip() or row[1] != row[1].strip():
            problems.append(f"line {line}: surrounding whitespace in {row!r}")
        elif placeholders(row[0]) != placeholders(row[1]):
            problems.append(f"line {line}: placeholders differ in {row!r}")
    assert problems == []


def test_both_apps_ship_a_zh_catalog_and_no_source_has_two_translations():
    assert {p.parent.parent.name for p in CSV_FILES} >= {"lowcode", "kuaicrm"}
    seen: dict[tuple[str, ...], tuple[str, str]] = {}
    conflicts = []
    for path in CSV_FILES:
        for line, row in csv_rows(path):
            where = f"{path.relative_to(APPS)}:{line}"
            # the same source may read differently in another context (third column)
            source, translation = (row[0], *row[2:]), row[1]
            if source in seen and seen[source][0] != translation:
                conflicts.append(f"{source!r}: {seen[source]} vs {(translation, where)}")
            seen.setdefault(source, (translation, where))
    assert conflicts == []


def _errors_by_field(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_lead_validation_errors_are_chinese_by_default_and_name_fields_by_chinese_label(api):
    # given
    rep = api("rep")
    catalog = zh_catalog()

    # when
    response = rep.post(
        "/api/resource/Lead", {"company_name": "苏州精工", "email_id": "not-an-email"}
    )

    # then
    assert response.status_code == 417
    errors = _errors_by_field(response)
    assert errors["lead_name"] == "联系人姓名为必填项"
    assert errors["email_id"] == catalog["{label} is not a valid email address"].format(
        label=catalog["Email"]
    )
    assert "联系人姓名" in response.json()["message"]


def test_lead_validation_errors_are_english_with_accept_language_en(api):
    rep = api("rep")

    response = rep.post(
        "/api/resource/Lead",
        {"company_name": "Suzhou Precision", "email_id": "not-an-email"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 417
    errors = _errors_by_field(response)
    assert errors["lead_name"] == "Contact Name is required"
    assert errors["email_id"] == "Email is not a valid email address"


def test_select_options_in_an_error_show_label_and_stored_value(api):
    response = api("rep").post("/api/resource/Lead", {"lead_name": "王伟", "source": "Billboard"})

    assert response.status_code == 417
    message = _errors_by_field(response)["source"]
    assert message.startswith("线索来源必须是以下之一：")
    # the reader sees the Chinese label; an API client sees the value it must send
    assert "电话营销 (Cold Call)" in message and "其他 (Other)" in message


def test_permission_error_translates_the_verb_and_the_doctype_name(api):
    response = api("nobody").get("/api/resource/Lead")

    assert response.status_code == 403
    assert response.json()["message"] == "没有线索的读取权限"


def test_every_workflow_fixture_state_and_action_has_a_zh_row():
    # Inbox rows, buttons and notifications show states and actions through _().
    catalog = zh_catalog()
    missing = []
    for path in sorted(APPS.glob("*/workflow/*.json")):
        definition = json.loads(path.read_text(encoding="utf-8"))
        words = {s["state"] for s in definition["states"]}
        words |= {t["action"] for t in definition["transitions"]}
        missing += [f"{path.relative_to(APPS)}: {w!r}" for w in sorted(words - catalog.keys())]
    assert len(list(APPS.glob("*/workflow/*.json"))) >= 5
    assert missing == []


def test_a_row_with_a_context_translates_only_there():
    from lowcode.desk.templatetags.desk import tr_option

    # a bare "0" is a draft as a document status and 0% as a tax rate, and nothing elsewhere
    assert (tr_option("0", "doc_status"), tr_option("0", "tax_rate")) == ("草稿", "0%")
    assert (i18n._("0"), tr_option("0", "qty")) == ("0", "0")
    # a row without a context serves every field
    assert tr_option("Open", "status") == i18n._("Open") == "待跟进"
