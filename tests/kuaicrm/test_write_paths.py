"""The CRM writes documents through engine actions only (do_insert_doc, do_save_doc,
do_set_system_fields, do_set_owner …), never with a direct ORM write, so that every write
gets the engine's checks and writes its Version the one way.

A direct write stays only where a ``# direct write: <why>`` comment on its statement (or
in the comment lines right above it) says why no action fits, e.g. demo data back-dating history.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kuaicrm.doctype.follow_up_record.follow_up_record import refresh_counters
from lowcode.documents.actions import do_insert_doc
from lowcode.documents.system_fields import do_set_system_fields
from lowcode.exceptions import DataError
from lowcode.models import Version
from lowcode.storage.factory import get_model

CRM = Path(__file__).resolve().parents[2] / "apps" / "kuaicrm"
WRITES = frozenset(
    {"update", "save", "delete", "create", "bulk_create", "bulk_update", "get_or_create",
     "update_or_create"}
)  # fmt: skip
QUERYSET_STEPS = frozenset({"objects", "filter", "exclude", "all", "select_for_update"})
JUSTIFIED = "# direct write:"


def _is_queryset(node: ast.expr) -> bool:
    """Whether ``node`` reads as a manager or queryset (``X.objects…filter(…)``)."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in QUERYSET_STEPS:
                return True
            node = node.value
        else:
            return False


def direct_writes(path: Path, root: Path = CRM.parent) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in WRITES:
            continue
        # .save()/.delete() on any object is a model write; .update()/.create() on a queryset
        model_write = node.func.attr in ("save", "delete") or _is_queryset(node.func.value)
        if not model_write:
            continue
        # the statement's own lines and the comment lines right above it
        start = node.lineno - 1
        while start > 0 and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        around = lines[start : (node.end_lineno or node.lineno)]
        if not any(JUSTIFIED in line for line in around):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_the_crm_writes_documents_only_through_engine_actions():
    files = [p for p in CRM.rglob("*.py") if "migrations" not in p.parts]

    found = [where for path in files for where in direct_writes(path)]

    assert files and found == []


def test_the_scan_sees_a_direct_write_and_its_justification(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "get_model('Lead').objects.filter(name=n).update(x=1)\n"
        "doc.save()\n"
        "data.update(x=1)\n"
        "# direct write: back-dates demo history, which no action may do\n"
        "Lead.objects.filter(name=n).update(creation=c)\n",
        encoding="utf-8",
    )

    assert direct_writes(sample, tmp_path) == ["sample.py:1", "sample.py:2"]


@pytest.mark.django_db
def test_a_lead_s_counters_are_written_without_a_version_and_only_read_only_fields(users):
    lead = do_insert_doc("rep", "Lead", {"lead_name": "计数线索", "mobile_no": "13900000001"})
    versions = Version.objects.filter(ref_doctype="Lead", docname=lead.name).count()

    refresh_counters("lead", lead.name, "rep")

    assert get_model("Lead").objects.get(name=lead.name).followup_count == 0
    # bookkeeping, not an edit: the follow-up records are its history
    assert Version.objects.filter(ref_doctype="Lead", docname=lead.name).count() == versions
    # the same action refuses what a person edits (the workflow's status, a contact detail)
    with pytest.raises(DataError):
        do_set_system_fields("Lead", lead.name, {"status": "Closed"})
