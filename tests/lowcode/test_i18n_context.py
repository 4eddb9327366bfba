"""One English word, two meanings: translations with context (Frappe's third csv column).

A label or Select option is translated in the context "<DocType>:<fieldname>", then
"<DocType>", then "<fieldname>", then without one (``lowcode.i18n.field_contexts``). These
tests fail when a text used with two meanings has no context telling them apart.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from django.utils import translation

import lowcode
from lowcode import i18n
from lowcode.meta.registry import get_meta
from lowcode.setup import ENGINE_ROLES
from tests.lowcode.test_i18n import (
    CSV_FILES,
    DOCTYPE_FILES,
    csv_rows,
    literal_calls,
    template_literals,
)

APPS = Path(lowcode.__file__).resolve().parent.parent
ENGINE = APPS / "lowcode"


@pytest.fixture(autouse=True)
def zh():
    for cached in (i18n._rows, i18n._catalog, i18n._context_catalog):
        cached.cache_clear()
    with translation.override("zh-hans"):
        yield


def doctype_uses() -> dict[str, list[tuple[str, str, str]]]:
    """Every DocType label and Select option: source -> [(DocType, fieldname, kind)]."""
    uses: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for path in DOCTYPE_FILES:
        meta = json.loads(path.read_text(encoding="utf-8"))
        for field in meta.get("fields", []):
            if field.get("label"):
                uses[field["label"]].append((meta["name"], field["fieldname"], "label"))
            if field.get("fieldtype") == "Select" and field.get("fieldname") != "naming_series":
                for option in (field.get("options") or "").split("\n"):
                    if option.strip():
                        uses[option].append((meta["name"], field["fieldname"], "option"))
    return uses


def role_names() -> set[str]:
    fixtures = APPS / "kuaicrm" / "fixtures" / "roles.json"
    return {r["role_name"] for r in json.loads(fixtures.read_text(encoding="utf-8"))} | set(
        ENGINE_ROLES
    )


def senses() -> dict[str, set[str]]:
    """source -> every zh wording the catalogs give it (bare and in any context)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in CSV_FILES:
        for _line, row in csv_rows(path):
            if len(row) >= 2:
                found[row[0]].add(row[1])
    return found


def in_context(source: str, doctype: str, fieldname: str) -> bool:
    contexts = i18n.field_contexts(doctype, fieldname)
    return any((c, source) in i18n._context_catalog("zh") for c in contexts)


def test_a_text_with_two_meanings_is_worded_in_context_at_every_use():
    """Once a text has two meanings, no field may take one of them by default.

    A text has two meanings when the catalogs word it two ways, or when it names a role
    (the role "All" is 所有人) and is also a Select option. Every DocType field that uses
    it must then say which meaning it has, with a row in its context.
    """
    wordings = senses()
    roles = role_names()
    uses = doctype_uses()
    undecided = []
    for source, places in sorted(uses.items()):
        options = [p for p in places if p[2] == "option"]
        two_meanings = len(wordings.get(source, ())) > 1 or (source in roles and options)
        if not two_meanings:
            continue
        undecided += [
            f"{doctype}:{fieldname} ({kind}) {source!r}"
            for doctype, fieldname, kind in places
            if not in_context(source, doctype, fieldname)
        ]
    # the scan sees the known homonyms (guards against an empty scan)
    assert {"Lost", "Open", "All", "0"} <= uses.keys()
    assert undecided == []


def engine_sources() -> dict[str, tuple[str, bool]]:
    """Texts the engine shows -> (where, is a literal): its ``_()`` and template literals, and
    its DocTypes' names, labels and options (which a row in their context may word)."""
    found = {
        text: (where, True)
        for text, where in {**literal_calls(), **template_literals()}.items()
        if where.startswith("lowcode")
    }
    uses = doctype_uses()
    for path in DOCTYPE_FILES:
        if ENGINE not in path.parents:
            continue
        where = str(path.relative_to(APPS))
        meta = json.loads(path.read_text(encoding="utf-8"))
        found.setdefault(meta["name"], (where, False))
        for source, places in uses.items():
            if any(doctype == meta["name"] for doctype, _f, _k in places):
                found.setdefault(source, (where, False))
    return found


def test_the_engine_is_not_worded_by_the_crm_catalog():
    """The engine knows nothing of the CRM; a word it shows that only the CRM's catalog
    translates takes the CRM's meaning (the import result's "Outcome" read 挽留结果, the
    churn warning's outcome; the assignment load's "Open" read 待跟进, a lead's status).

    A literal is translated by a row without context, so the engine needs such a row of its
    own; a DocType's label or option may also be worded by an engine row in its context.
    """
    engine_bare, engine_any, crm_rows = set(), set(), set()
    for path in CSV_FILES:
        rows = [row for _line, row in csv_rows(path)]
        if ENGINE in path.parents:
            engine_any.update(row[0] for row in rows)
            engine_bare.update(row[0] for row in rows if len(row) < 3 or not row[2])
        else:
            crm_rows.update(row[0] for row in rows)

    borrowed = sorted(
        f"{where}: {text!r}"
        for text, (where, literal) in engine_sources().items()
        if text in crm_rows and text not in (engine_bare if literal else engine_any)
    )

    assert "Outcome" in engine_sources()
    assert borrowed == []


@pytest.mark.parametrize(
    ("doctype", "fieldname", "source", "wanted", "not_wanted"),
    [
        ("Opportunity", "status", "Lost", "输单", "流失"),
        ("Opportunity Stage", "stage_type", "Lost", "输单", "流失"),
        ("Customer", "status", "Lost", "流失", "输单"),
        ("Opportunity Stage", "stage_type", "Open", "进行中", "待跟进"),
        ("Lead", "status", "Open", "待跟进", None),
        ("Server Script", "event_frequency", "All", "每次调度", "所有人"),
        ("Workflow Transition", "approval_mode", "All", "会签", "所有人"),
        ("Churn Warning", "outcome", "Outcome", "挽留结果", None),
    ],
)
def test_each_use_reads_its_own_meaning(site, doctype, fieldname, source, wanted, not_wanted):
    field = get_meta(doctype).get_field(fieldname)
    assert field is not None
    shown = i18n.option_label(field, source) if source in field.select_options else None
    shown = shown or i18n.field_label(field)

    assert shown == wanted
    assert shown != not_wanted


def test_a_row_without_context_still_serves_a_text_with_one_meaning(site):
    # the import result's column is the engine's word, not the churn warning's
    assert i18n._("Outcome") == "结果"
    assert i18n._("All") == "所有人"  # the role
    lead_source = get_meta("Lead").get_field("source")
    assert i18n.option_label(lead_source, "Cold Call") == "电话营销"


def test_messages_name_a_value_in_its_own_meaning(api):
    """Errors that quote a Select value word it as its field does (a stage's Lost is 输单)."""
    manager = api("sysman")

    second_lost = manager.post(
        "/api/resource/Opportunity Stage",
        {"stage_name": "放弃", "stage_order": 99, "probability": 0, "stage_type": "Lost"},
    )
    bad_status = manager.post("/api/resource/Lead", {"lead_name": "王伟", "status": "Gone"})

    assert second_lost.status_code == 417, second_lost.content
    message = {e["field"]: e["message"] for e in second_lost.json()["errors"]}["stage_type"]
    assert "输单" in message and "流失" not in message
    assert "待跟进 (Open)" in bad_status.json()["errors"][0]["message"]


# Literals whose bare wording is the meaning meant where they are used (checked by hand):
# a new use of a text with two meanings must be added here or translated in its context
# (``pgettext``).
BARE_MEANING_MEANT = {
    "Save": "保存",  # the Customize Form button, not a rule's event 保存时
    "Outcome": "结果",  # the import result column, not a churn warning's 挽留结果
    "Data": "数据",  # the Report Builder's first step, not the field type 文本
}


def test_a_literal_with_two_meanings_is_not_worded_by_chance():
    """A ``_()`` or ``{% t %}`` literal whose text the catalogs word two ways gets the bare
    wording; that must be the meaning meant (listed above) or the call must name a context."""
    bare: dict[str, str] = {}
    in_contexts: dict[str, set[str]] = defaultdict(set)
    for path in CSV_FILES:
        for _line, row in csv_rows(path):
            if len(row) >= 3 and row[2].strip():
                in_contexts[row[0]].add(row[1])
            elif len(row) >= 2:
                bare.setdefault(row[0], row[1])
    two_meanings = {s for s, words in in_contexts.items() if s in bare and words - {bare[s]}}
    assert {"Lost", "Open", "Select"} <= two_meanings  # guards against an empty scan
    literals = {**literal_calls(), **template_literals()}
    by_chance = sorted(
        f"{where}: {text!r} reads {bare[text]}"
        for text, where in literals.items()
        if text in two_meanings and BARE_MEANING_MEANT.get(text) != bare[text]
    )
    assert by_chance == []
